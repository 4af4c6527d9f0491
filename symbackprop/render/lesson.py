r"""Lecture notes: a derivation of backpropagation a lecturer can hand to students unchanged.

:func:`notes` writes, as LaTeX that compiles first time (an article, a fragment for
``\input``, or a Beamer deck with ``slides=True``), in English or Korean (``lang="ko"``), a
lesson in the order a lecturer teaches it:

* for a network: a notation table (one name per quantity), the network and a TikZ figure of
  it (the point's values and deltas, the derived weight's path highlighted), the forward pass
  with the numbers of every step, the deltas layer by layer from the output down (each once,
  with its numbers), then the gradients layer by layer: the chain rule in full (Leibniz form,
  each local derivative with its value, the product along each path with its numbers,
  Mazur's "0.74136507 × 0.186815602 × 0.593269992 = 0.082167041", and the substituted form
  where it fits) once for a weight per layer, and every asked gradient as a delta times an
  input; the step of gradient descent (every parameter, its gradient and new value, and the
  loss after it), the table of values, and the matrix form (Nielsen's BP1–BP4);
* for a circuit: its figure, the forward pass, the backward pass node by node with each
  gate's rule (add distributes, multiply swaps, max routes), the chain rule in full once and a
  central-difference check; a function of one node reads as a lesson on partial derivatives.

Equations are numbered and referred to; what is for the tool's user (how to ask for more, what
was left out and why) is in :attr:`Notes.remarks`, never in the students' text. Lines are broken
by their printed width, never leaving an operator or a single factor alone, and a continuation
line never begins a page; the output is the same bytes on every run.

Examples
========
>>> import symbackprop as sb
>>> g = sb.parse_graph("q = x + y\nf = q*z")
>>> tex = sb.notes(g, wrt=["x"], at={"x": -2, "y": 5, "z": -4}, standalone=False)
>>> print(tex.splitlines()[0])
% symbackprop lecture notes (needs \usepackage{amsmath,amssymb,booktabs}, tikz)
>>> r"&= z \cdot 1 = (-4) \cdot 1 = -4" in tex
True
"""

from __future__ import annotations

import numbers
from pathlib import Path

import sympy as sp

from ..core.errors import (
    InputTypeError,
    InvalidValueError,
    NoNumericFormError,
    UnknownNameError,
)
from ..core.graph import Graph
from ..core.network import Network
from ..core.progress import progress
from ..core.types import PathLike, Point, Variables
from ..core.values import to_number
from ..derive import (
    DEFAULT_BUDGET,
    backprop,
    count_paths,
    delta_symbol,
    estimate_chain_size,
    estimate_expanded_size,
)
from ..derive.estimate import budget_value, check_budget
from ..io import compile_pdf, write_text
from . import document as doc_
from .document import Document, Part
from .formats import FORMATS, SLIDE_WIDTH, WIDTH, Format
from .layout import Breaker
from .lesson_parts import (  # noqa: F401 - the limits stay importable from here
    MAX_EXPANDED_LINES,
    MAX_EXPLICIT,
    MAX_PATHS,
    MAX_PRINTED_TREE,
    MAX_SLIDE_LINES,
    MAX_TABLE,
    CircuitSection,
    DeltasSection,
    Evaluation,
    ForwardSection,
    GradientsSection,
    Layout,
    MatrixSection,
    NetworkSection,
    NotationSection,
    StepSection,
    ValuesSection,
    is_real_number,
    term_hints,
)
from .phrases import check_language, phrase
from .printer import SymbackpropLatexPrinter, untypeset_character

__all__ = ["Notes", "compile_pdf", "notes", "write_notes"]

NOTES_BUDGET = 400_000
"""Largest total size (expression nodes written or counted) of one set of notes."""


class Notes(str):
    """The LaTeX text of lecture notes (a ``str``), shown rendered in notebooks."""

    document: Document | None = None
    remarks: tuple[str, ...] = ()
    """What was left out or could be asked for: for the tool's user, never in the text."""

    def _repr_latex_(self) -> str:
        if self.document is not None:
            return doc_.mathjax(self.document)
        return f"$\\text{{{len(self)} characters of LaTeX}}$"


def _check_options(digits, lang, lr, title, title_tex, slides) -> None:
    if isinstance(digits, bool) or not isinstance(digits, numbers.Integral):
        raise InputTypeError(f"digits must be an int, not {type(digits).__name__}")
    if not 1 <= int(digits) <= 30:
        raise InvalidValueError(f"digits must be between 1 and 30, not {digits}")
    check_language(lang)
    if title is not None and not isinstance(title, str):
        raise InputTypeError(f"title must be a str, not {type(title).__name__}")
    if title_tex is not None and not isinstance(title_tex, str):
        raise InputTypeError(f"title_tex must be a str of LaTeX, not {type(title_tex).__name__}")
    if title is not None and title_tex is not None:
        raise InvalidValueError("give title (plain text) or title_tex (LaTeX), not both")
    if not isinstance(slides, bool):
        raise InputTypeError(f"slides must be True or False, not {slides!r}")
    v = to_number(lr)
    if not v > 0:
        raise InvalidValueError(f"the learning rate must be positive, not {lr!r}")


def default_wrt(g: Graph) -> list[sp.Symbol]:
    """One representative variable per layer: its first weight and first bias (networks);
    the parameters (or, with none, the leaves) of any other graph."""
    if isinstance(g, Network):
        out = []
        for W, b in zip(g.weights, g.biases, strict=True):
            out += [W[0, 0], b[0]]
        return out
    return list(g.param_symbols or g.leaf_symbols)


class LessonWriter(Layout, Evaluation, NotationSection, NetworkSection, ForwardSection, DeltasSection, GradientsSection, CircuitSection, ValuesSection, StepSection, MatrixSection):
    """Builds the parts of one document: the state every section shares (the graph, the
    printers, the point and its numbers), the sections from their builders
    (:mod:`symbackprop.render.lesson_parts`)."""

    def __init__(self, g: Graph, at: Point | None, digits: int, lang: str, lr,
                 budget: float, slides: bool, limit: int | None = None):
        self.g = g
        self.lang = lang
        self.digits = digits
        self.budget = budget
        self.lr = to_number(lr)
        self.slides = slides
        self.limit = limit or (SLIDE_WIDTH if slides else WIDTH)
        hints = term_hints(g)
        self.p = SymbackpropLatexPrinter({"graph": g, "term_order": hints})
        self.br = Breaker(self.p, self.limit)
        # a circuit's deltas show every factor: delta_q \cdot 1, not delta_q 1
        self.bdot = Breaker(SymbackpropLatexPrinter({"graph": g, "mul_symbol": "dot",
                                                     "term_order": hints}), self.limit)
        self.E = g.output
        self.Etex = self.p._print(self.E)
        self.prog = backprop(g)
        self.net = g if isinstance(g, Network) else None
        self.explained: set[str] = set()
        self.remarks: list[str] = []   # for the tool's user: never printed in the document
        self.eqno = 0
        self.point = None
        self.num: dict[sp.Symbol, str] = {}
        if at is not None:
            self.point = g.full_point(at)
            self.values = g.evaluate(self.point)
            self.grads = self.prog.evaluate(self.point)
            for s, v in self.values.items():
                if not v.is_number or (v.atoms(sp.Function) and not is_real_number(v)):
                    raise NoNumericFormError(
                        f"{s.name} has no numeric value at the point ({sp.sstr(v)[:60]}); a "
                        "generic activation a(·) has none: choose one such as 'sigmoid' for "
                        "numbers")
            for s, v in self.values.items():
                self.num[s] = self.fmt(v)
            for st in self.prog.steps:
                if st.kind != "forward":
                    self.num[st.target] = self.fmt(self.grads[st.of])
            self.num[delta_symbol(g, self.E)] = "1"
        self.pn = SymbackpropLatexPrinter({"graph": g, "values": self.num, "mul_symbol": "dot",
                                           "term_order": hints})
        self.brn = Breaker(self.pn, self.limit)

    def parts(self, variables: list[sp.Symbol]) -> list[Part]:
        if self.net is not None:
            return self.network_lesson(variables)
        return self.graph_lesson(variables)

    def network_lesson(self, variables: list[sp.Symbol]) -> list[Part]:
        """Notation, the network and its figure, the forward pass, the deltas from the output
        down, the gradients layer by layer, the step, the values, the matrix form."""
        first = [v for v in variables if self.layer_of(v) == 1
                 and self.g.meta[v.name].get("role") == "weight"][:1]
        out = [p for p in (self.notation_part(), self.network_part(highlight=first),
                           self.forward_part()) if p is not None]
        with progress(len(variables), "writing notes") as bar:
            out += self.deltas_part(variables)
            out += self.gradients_part(variables)
            bar.update(len(variables))
        out += [p for p in (self.step_part(), self.values_part(), self.matrix_section())
                if p is not None]
        return out

    def graph_lesson(self, variables: list[sp.Symbol]) -> list[Part]:
        """A function of a few variables (one node) as a lesson on partial derivatives; a
        circuit as gates passing gradients back, each gate's rule named where it is used."""
        variables = [v for v in variables if v != self.E]
        out = [self.forward_part(figure=True)]
        if len(self.g.nodes) == 1:
            out.append(self.partials_part(variables))
        else:
            out.append(self.backward_part(variables))
            reps = [v for v in variables if count_paths(self.g, v) > 0][:1]
            for v in reps:
                blocks, _ = self.chain_blocks(v)
                out.append(Part(self.t("chain_title", d=f"\\partial {self.Etex}/\\partial "
                                                           f"{self.tex(v)}"), 1, blocks))
        out += [p for p in (self.check_part(variables), self.values_part(), self.step_part())
                if p]
        return out

    def matrix_section(self) -> Part | None:
        """The matrix form's section (the seam where the matrix-level derivation plugs in)."""
        return self.matrix_part()

def estimate_notes_cost(g: Graph, variables: list[sp.Symbol]) -> int:
    """Expression nodes the notes for these variables write or count, estimated up front.

    Each derivative costs its chain form (when its paths are written out), its deltas and
    the part of its expanded form that can be printed; :func:`notes` refuses a document past
    :data:`NOTES_BUDGET` with the way out.
    """
    total = 0
    for v in variables:
        total += 200  # headings, the forward pass, the update: a fixed cost per derivative
        if count_paths(g, v) <= MAX_PATHS:
            total += estimate_chain_size(g, v)
        total += min(estimate_expanded_size(g, v), MAX_PRINTED_TREE)
    return total


def notes(graph: Graph, wrt: Variables | str = None, at: Point | None = None,
          standalone: bool = True, lr: float | str = 0.5, title: str | None = None,
          digits: int | None = None, lang: str = "en", slides: bool = False,
          budget: float | None = None, title_tex: str | None = None,
          format: str | None = None) -> Notes:
    r"""LaTeX lecture notes deriving ∂L/∂v for each ``wrt`` (see the module docstring).

    ``wrt``: variables (names or Symbols), ``"all"`` for every parameter, or None for the
    first weight and bias of each layer. ``at`` (leaf -> number) adds numbers to every step, the
    table of values and gradients and the gradient-descent update with learning rate ``lr``;
    ``digits`` significant digits (default 6, and 4 on slides). ``lang``: a registered
    language (``"en"``, ``"ko"``: :data:`~symbackprop.render.phrases.LANGUAGES`). ``format``:
    ``"article"`` (default), ``"slides"`` (a Beamer deck; ``slides=True`` says the same),
    ``"mathjax"`` (what a notebook shows) or ``"html"`` (a web page), or any registered one
    (:data:`~symbackprop.render.formats.FORMATS`). ``standalone=False`` gives an article
    fragment for ``\input`` (it needs amsmath, amssymb and booktabs, and kotex for Korean).

    ``title`` is plain text, printed character for character (``\``, ``$``, ``%``, ``_`` and
    every other TeX special character included). ``title_tex`` is a title in LaTeX, pasted in
    as it is: trusted input only, never text from someone else (the PDF is still made without
    shell escape, and pdflatex reads no file outside its own folder; see :func:`compile_pdf`).
    Names of other scripts than Latin, Greek and Hangul, which pdflatex cannot typeset, are
    refused.
    """
    if not isinstance(graph, Graph):
        raise InputTypeError(f"notes needs a Graph or a network, not {type(graph).__name__}")
    fmt = _format(format, slides)
    if standalone is False and fmt.name != "article":
        raise InvalidValueError(f"standalone=False makes a fragment of an article for \\input; "
                                f"format={fmt.name!r} has none")
    if digits is None:
        digits = 4 if fmt.slides else 6
    _check_options(digits, lang, lr, title, title_tex, slides)
    for s in graph.symbols:
        bad = untypeset_character(s.name)
        if bad is not None:
            raise InvalidValueError(
                f"the name {s.name!r} has the character {bad!r} (U+{ord(bad[0]):04X}), which "
                "pdflatex cannot typeset in the notes; rename it with Latin letters (accents "
                "included), Greek letters or Hangul")
    budget_given = None if budget is None else budget_value(budget)
    budget = budget_value(DEFAULT_BUDGET if budget is None else budget)
    g = graph
    if wrt is None:
        variables = default_wrt(g)
    elif isinstance(wrt, str) and wrt == "all":
        variables = list(g.param_symbols or g.leaf_symbols)
    else:
        variables = g.resolve(wrt)
    others = wrt is None and len(variables) < len(g.param_symbols)
    check_budget(f"notes deriving {len(variables):,} variable{'s' if len(variables) != 1 else ''}",
                 estimate_notes_cost(g, variables), NOTES_BUDGET if budget_given is None
                 else budget_given, "ask for fewer with wrt=[...] (--wrt NAME ...), or pass a "
                 "larger budget= (--budget N)")
    w = LessonWriter(g, at, digits, lang, lr, budget, fmt.slides, fmt.width)
    parts = w.parts(variables)
    if others:  # for the user, not the students: how to ask for the rest
        names = [s.name for s in g.param_symbols if s not in variables][:2]
        w.remarks.insert(0, "only the first weight and the first bias of each layer are "
                         f"derived; ask for others with wrt=[...] (--wrt {' '.join(names)}) "
                         "or for every parameter with wrt='all' (--wrt all)")
    if title_tex is None:
        title_tex = (phrase(lang, "title_network", shape="-".join(map(str, g.layers)))
                     if isinstance(g, Network) else
                     phrase(lang, "title_function" if len(g.nodes) == 1 else "title_graph",
                            out=w.Etex))
    document = Document(title_tex, lang, parts, title_text=title)
    out = Notes(fmt.render(document, standalone))
    out.document = document
    out.remarks = tuple(w.remarks)
    return out


def _format(name: str | None, slides: bool) -> Format:
    """The format asked for (``slides=True`` is ``format="slides"``)."""
    if name is None:
        return FORMATS["slides" if slides is True else "article"]
    if not isinstance(name, str):
        raise InputTypeError(f"format must be a name, one of {', '.join(FORMATS)}; not "
                             f"{type(name).__name__} {name!r}")
    if name not in FORMATS:
        raise UnknownNameError("format", name, FORMATS)
    if slides is True and not FORMATS[name].slides:
        raise InvalidValueError(f"slides=True asks for format='slides', not {name!r}; give one "
                                "of the two")
    return FORMATS[name]


def write_notes(text: str, path: PathLike, force: bool = False) -> Path:
    """Write notes atomically; an existing file needs ``force=True``."""
    return write_text(path, text, force=force)
