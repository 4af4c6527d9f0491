r"""Lecture notes: a derivation of backpropagation a lecturer can hand to students unchanged.

:func:`notes` writes, as LaTeX that compiles first time (an article, a fragment for
``\input``, or a Beamer deck with ``slides=True``), in English or Korean (``lang="ko"``):

* the network and the forward pass, in a lecturer's notation and order (weighted sums in
  source order with the bias last, the loss as :math:`\frac12 (t - \hat y)^2`), with the numbers
  of every step when a point is given;
* the delta of each neuron, defined where it first appears;
* for each chosen variable: the chain rule in Leibniz form (one path per line), each local
  derivative in its textbook form with its value, the product along the path with its numbers
  (Mazur's "0.74136507 × 0.186815602 × 0.593269992 = 0.082167041"), the same derivative with
  the deltas as backpropagation computes it, the fully substituted form (left out, with its
  size, only when it would take more than a page), and the gradient-descent update;
* for networks, the matrix form (Nielsen's BP1–BP4), entry by entry for small nets.

Without ``wrt`` it derives the first weight and the first bias of each layer, and says how to
ask for others. Lines are broken by their printed width, never leaving an operator or a single
factor alone; the output is the same bytes on every run.

Examples
========
>>> import symbackprop as sb
>>> g = sb.parse_graph("q = x + y\nf = q*z")
>>> tex = sb.notes(g, wrt=["x"], at={"x": -2, "y": 5, "z": -4}, standalone=False)
>>> print(tex.splitlines()[0])
% symbackprop lecture notes (needs \usepackage{amsmath,amssymb,booktabs})
>>> r"&= z \cdot 1 = (-4) \cdot 1 = -4" in tex
True
"""

from __future__ import annotations

import numbers
from pathlib import Path

import sympy as sp

from ..core.convert import as_sympy
from ..core.errors import (
    ExpressionTooLargeError,
    InputTypeError,
    InvalidValueError,
    NoNumericFormError,
)
from ..core.functions import logsumexp
from ..core.graph import Graph, ProgramSymbol
from ..core.network import Network
from ..core.progress import progress
from ..core.types import PathLike, Point, Variables
from ..core.values import to_number
from ..derive import (
    DEFAULT_BUDGET,
    backprop,
    chain,
    count_paths,
    delta_symbol,
    estimate_chain_size,
    estimate_expanded_size,
    expanded,
    local_partial,
    matrix_form,
)
from ..derive.estimate import budget_value, check_budget
from ..derive.matrix import reads_beyond
from ..io import compile_pdf, write_text
from . import document as doc_
from .document import Document, Math, Part, Table, Text, tex_text
from .layout import Breaker, width
from .phrases import LANGUAGES, phrase
from .printer import SymbackpropLatexPrinter, untypeset_character
from .sizes import size
from .text import format_number

__all__ = ["Notes", "compile_pdf", "notes", "write_notes"]

WIDTH = 60          # printed characters a display line may take in an article (A4, 2 cm, 11 pt)
SLIDE_WIDTH = 50    # the same on a 16:9 Beamer frame
MAX_LINES = 40      # a derivative longer than this is left out, with its size
MAX_SLIDE_LINES = 7  # the same on a slide
MAX_PATHS = 12      # paths written out one by one; more are summarised
MAX_EXPLICIT = 4    # widest layer whose matrices are written out entry by entry
MAX_TABLE = 80      # most rows in the table of values
MAX_PRINTED_TREE = 3_000  # an expanded derivative past this tree size is never a page or less
NOTES_BUDGET = 400_000
"""Largest total size (expression nodes written or counted) of one set of notes."""


class Notes(str):
    """The LaTeX text of lecture notes (a ``str``), shown rendered in notebooks."""

    document: Document | None = None

    def _repr_latex_(self) -> str:
        if self.document is not None:
            return doc_.mathjax(self.document)
        return f"$\\text{{{len(self)} characters of LaTeX}}$"


def _check_options(digits, lang, lr, title, title_tex, slides) -> None:
    if isinstance(digits, bool) or not isinstance(digits, numbers.Integral):
        raise InputTypeError(f"digits must be an int, not {type(digits).__name__}")
    if not 1 <= digits <= 30:
        raise InvalidValueError(f"digits must be between 1 and 30, not {digits}")
    if lang not in LANGUAGES:
        from ..core.errors import UnknownNameError
        raise UnknownNameError("language", lang, LANGUAGES)
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


class _Writer:
    """Builds the parts of one document."""

    def __init__(self, g: Graph, at: Point | None, digits: int, lang: str, lr,
                 budget: float, slides: bool):
        self.g = g
        self.lang = lang
        self.digits = digits
        self.budget = budget
        self.lr = to_number(lr)
        self.slides = slides
        self.limit = SLIDE_WIDTH if slides else WIDTH
        self.p = SymbackpropLatexPrinter({"graph": g})
        self.br = Breaker(self.p, self.limit)
        self.E = g.output
        self.Etex = self.p._print(self.E)
        self.prog = backprop(g)
        self.net = g if isinstance(g, Network) else None
        self.explained: set[str] = set()
        self.point = None
        self.num: dict[sp.Symbol, str] = {}
        if at is not None:
            self.point = g.full_point(at)
            self.values = g.evaluate(self.point)
            self.grads = self.prog.evaluate(self.point)
            for s, v in self.values.items():
                if not v.is_number or (v.atoms(sp.Function) and not _is_real_number(v)):
                    raise NoNumericFormError(
                        f"{s.name} has no numeric value at the point ({sp.sstr(v)[:60]}); a "
                        "generic activation a(·) has none: choose one such as 'sigmoid' for "
                        "numbers")
            for s, v in self.values.items():
                self.num[s] = self.fmt(v)
            for st in self.prog.steps:
                if st.kind != "forward":
                    self.num[st.target] = self.fmt(self.grads[st.of])
        self.pn = SymbackpropLatexPrinter({"graph": g, "values": self.num, "mul_symbol": "dot"})
        self.brn = Breaker(self.pn, self.limit)

    # ---- small helpers ---------------------------------------------------------------------
    def t(self, key: str, **kw) -> str:
        return phrase(self.lang, key, **kw)

    def fmt(self, v) -> str:
        return format_number(v, digits=self.digits, latex=True)

    def tex(self, e) -> str:
        return self.p._print(e)

    def frac(self, a, b) -> str:
        return self.p._print(sp.Derivative(a, b, evaluate=False))

    def rows(self, lhs: str, expr: sp.Expr, extra: list | None = None) -> list[str]:
        """``lhs &= expr`` broken into lines, then ``= extra`` pieces: an expression printed
        with its numbers (broken like the first), or a number; each placed on the last line
        if it fits, else on lines of its own."""
        limit = self.limit - width(lhs) - 2
        lines = self.br.lines(expr, limit)
        out = [f"{lhs} &= {lines[0]}"] + [f"&\\quad {_lead(ln)}" for ln in lines[1:]]
        for piece in extra or []:
            pieces = self.brn.lines(piece, self.limit - 6) if isinstance(piece, sp.Basic) \
                else [piece]
            last = out[-1]
            body = last.split("&", 1)[1]
            if len(pieces) == 1 and width(body + " = " + pieces[0]) <= self.limit - 2:
                out[-1] = f"{last} = {pieces[0]}"
            else:
                out.append(f"&= {pieces[0]}")
                out += [f"&\\quad {_lead(ln)}" for ln in pieces[1:]]
        return out

    def numbers(self, expr: sp.Expr) -> str | None:
        """The expression with every symbol replaced by its number (None without a point)."""
        if self.point is None:
            return None
        return self.pn._print(expr)

    def value(self, expr: sp.Expr) -> str | None:
        if self.point is None:
            return None
        env = {**self.values, **{s: v for s, v in self._program_values().items()}}
        return self.fmt(expr.xreplace(env))

    def _program_values(self) -> dict[sp.Symbol, sp.Expr]:
        if not hasattr(self, "_pv"):
            self._pv = {st.target: self.grads[st.of] for st in self.prog.steps
                        if st.kind != "forward"}
        return self._pv

    def steps_with_numbers(self, expr: sp.Expr) -> list:
        """``[expression with its numbers, value]`` at the point, dropping repeats."""
        if self.point is None:
            return []
        out: list = []
        n = None if expr.is_Atom else self.numbers(expr)
        v = self.value(expr)
        if n is not None and n != self.tex(expr) and n != v:
            out.append(expr)
        if v is not None and v != self.tex(expr):
            out.append(v)
        return out

    # ---- the network --------------------------------------------------------------------------
    def activation_rows(self, entry) -> list[str]:
        """Display rows defining an activation and its textbook derivative (none for the
        identity or the generic a)."""
        z = sp.Symbol("z", real=True)
        f = entry(z)
        if entry.is_identity or getattr(type(f), "is_generic_activation", False):
            return []
        name = self.tex(f)
        plain = as_sympy(f)
        d = entry.derivative(z)
        rows = [f"{name} &= {self.tex(plain)}"] if plain != f else []
        rows.append(f"{_prime(name)} &= {self.tex(d)}")
        return rows

    def activation_words(self, entry) -> str:
        """What an activation is, in words or inline math."""
        z = sp.Symbol("z", real=True)
        f = entry(z)
        if entry.is_identity:
            return self.t("identity")
        if getattr(type(f), "is_generic_activation", False):
            return self.t("generic")
        return f"${self.tex(f)}$"

    def network_part(self) -> Part | None:
        net = self.net
        if net is None:
            return None
        inputs = "$" + ", ".join(self.tex(s) for s in net.input_symbols) + "$"
        targets = "$" + ", ".join(self.tex(s) for s in net.target_symbols) + "$"
        blocks = [Text(self.t("network_intro", inputs=inputs, targets=targets,
                              layers=net.depth, s="" if net.depth == 1 else "s"))]
        out_e = net.output_entry
        hidden = net.activation_entry
        same = out_e is not None and out_e.name == hidden.name and net.depth > 1
        rows: list[str] = []
        if net.depth > 1:
            key = "activation_both" if same else "hidden_activation"
            blocks.append(Text(self.t(key, what=self.activation_words(hidden))))
            rows += self.activation_rows(hidden)
            self.explained.add(hidden.name)
        if not same:
            if out_e is not None:
                blocks.append(Text(self.t("output_activation",
                                          what=self.activation_words(out_e))))
                orows = self.activation_rows(out_e)
                self.explained.add(out_e.name)
            else:  # a loss on the logits: the prediction it implies
                p0 = net.predictions[0]
                preds = [self.tex(p) for p in net.predictions]
                if len(preds) > 3:
                    preds = [preds[0], "\\dots", preds[-1]]
                blocks.append(Text(self.t("output_activation", what=(
                    f"${', '.join(preds)}$ ({tex_text(str(net.loss_entry.output))})"))))
                orows = [f"{self.tex(p0)} &= {self.tex(net.definition(p0).expr)}"]
                # the log-sum-exp, which the written-out derivatives use, defined where the
                # prediction that needs it is
                for lse in sorted(net.definition(p0).expr.atoms(logsumexp), key=str):
                    orows.append(f"{self.tex(lse)} &= {self.tex(as_sympy(lse))}")
            if rows and orows:
                blocks.append(Math(rows))
                rows = []
            rows += orows
        if rows:
            blocks.append(Math(rows))
        return Part(self.t("network"), 1, blocks)

    # ---- the forward pass ---------------------------------------------------------------------
    def loss_display(self) -> sp.Expr:
        """The loss as a textbook writes it (in the predictions, for a loss on the logits)."""
        net = self.net
        expr = self.g.definition(self.E).expr
        if net is not None and net.loss_entry.display is not None:
            return net.loss_entry.textbook(net.predictions, net.target_symbols)
        return expr

    def forward_part(self) -> Part:
        rows = []
        for n in self.g.nodes:
            lhs = self.tex(n.symbol)
            expr = self.loss_display() if n.symbol == self.E else n.expr
            rhs = self.tex(expr)
            if lhs.replace(" ", "") == rhs.replace(" ", ""):  # a(h_1) := a(h_1): no news
                continue
            rows += self.rows(lhs, expr, self.steps_with_numbers(expr))
        intro = self.t("forward_intro_at" if self.point is not None else "forward_intro")
        blocks = [Text(intro), Math(rows), *self.delta_blocks()]
        return Part(self.t("forward"), 1, blocks)

    def delta_blocks(self) -> list:
        """Where δ first appears: what it is, with the deltas of the last and first layer."""
        if self.net is None:
            return [Text(self.t("delta_graph", E=self.Etex))]
        rows = []
        for layer in (self.net.preactivations[-1], self.net.preactivations[0]):
            z = layer[0]
            row = f"{self.tex(delta_symbol(self.g, z))} &= {self.frac(self.E, z)}"
            if row not in rows:
                rows.append(row)
        return [Text(self.t("delta_net", E=self.Etex)), Math(rows),
                Text(self.t("delta_net_after"))]

    # ---- values ---------------------------------------------------------------------------------
    def values_part(self) -> Part | None:
        if self.point is None:
            return None
        syms = self.g.symbols
        if len(syms) > MAX_TABLE:
            return Part(self.t("values"), 1, [Text(self.t("table_left_out", n=len(syms)))])
        reach = set(self.g.ancestors(self.E)) | {self.E}
        rows = []
        missing = False
        for s in syms:
            g_cell = f"${self.fmt(self.grads[s])}$" if s in reach or self.g.is_leaf(s) else "---"
            missing |= g_cell == "---"
            rows.append([f"${self.tex(s)}$", f"${self.num[s]}$", g_cell])
        head = [self.t("col_symbol"), self.t("col_value"),
                f"$\\partial {self.Etex}/\\partial(\\cdot)$"]
        note = self.t("not_reached") if missing else None
        return Part(self.t("values"), 1, [Text(self.t("values_intro", E=self.Etex)),
                                          Table(head, rows, note)])

    # ---- one derivative ---------------------------------------------------------------------------
    def derivative_parts(self, v: sp.Symbol) -> list[Part]:
        d = self.frac(self.E, v)
        head = Part(self.t("derivative", d=f"\\partial {self.Etex}/\\partial {self.tex(v)}"), 1)
        n = count_paths(self.g, v)
        vt = self.tex(v)
        if n == 0:
            head.blocks.append(Text(self.t("chain_none", v=vt, E=self.Etex, d=d)))
            return [head]
        if v == self.g.output:  # no path to walk, no delta: d(output)/d(output) = 1
            head.blocks.append(Text(self.t("chain_self", v=vt, d=d)))
            return [head]
        parts = [head]
        if n > MAX_PATHS:
            parts.append(Part(self.t("chain"), 3, [Text(self.t(
                "chain_too_many", n=f"{n:,}", v=vt, E=self.Etex))]))
        else:
            try:
                c = chain(self.g, v, budget=self.budget)
            except ExpressionTooLargeError:
                c = None
            if c is not None:
                parts += self.chain_parts(v, c)
            else:
                parts.append(Part(self.t("chain"), 3, [Text(self.t(
                    "chain_too_many", n=f"{n:,}", v=vt, E=self.Etex))]))
        parts.append(self.delta_part(v))
        parts.append(self.expanded_part(v))
        if self.point is not None and self.g.kind(v) == "param":
            parts.append(self.update_part(v))
        return parts

    def chain_parts(self, v: sp.Symbol, c) -> list[Part]:
        d = self.frac(self.E, v)
        n = len(c.paths)
        intro = self.t("chain_one" if n == 1 else "chain_many", n=n, v=self.tex(v),
                       E=self.Etex)
        rows = []
        for i, path in enumerate(c.paths):
            items = [self.frac(f.child, f.parent) for f in path.factors]
            lines = _pack(items, " ", self.limit - width(d) - 4)
            first = ("" if i == 0 else "{}+ ") + lines[0]
            rows.append(f"{d} &= {first}" if i == 0 else f"&\\quad {first}")
            rows += [f"&\\qquad {{}}\\cdot {ln}" for ln in lines[1:]]
        parts = [Part(self.t("chain"), 3, [Text(intro), Math(rows)])]
        # the local derivatives, each with its value
        notes: list[Text] = []
        lrows = []
        for f in c.factors:
            op = self.g.definition(f.child).op
            note = self.first_use_note(op)
            if note:
                notes.append(Text(note))
            lrows += self.rows(self.frac(f.child, f.parent), f.local,
                               self.steps_with_numbers(f.local))
        intro = self.t("local_intro_at" if self.point is not None else "local_intro")
        parts.append(Part(self.t("local"), 3, [Text(intro), *notes, Math(lrows)]))
        # multiplied along each path (with the numbers: Mazur's line)
        key = "product_intro" if n == 1 else "product_intro_many"
        if self.point is not None:
            key += "_at"
        # in a network the factor 1 of a bias adds nothing; in a circuit (seed 001) it is the
        # add gate's local gradient, the point of the lesson
        shown = [[f for f in path.factors if self.net is None or f.local != 1] or
                 list(path.factors[:1]) for path in c.paths]
        prows = []
        for i, factors in enumerate(shown):
            items = [self.p.parenthesize(f.local, 50) for f in factors]
            lines = _pack(items, " \\cdot ", self.limit - width(d) - 6)
            lead = "" if i == 0 else "{}+ "
            prows.append((f"{d} &= " if i == 0 else "&\\quad ") + lead + lines[0])
            prows += [f"&\\qquad {{}}\\cdot {ln}" for ln in lines[1:]]
        if self.point is not None:
            nums = []
            for factors in shown:
                vals = [self._paren(self.value(f.local)) for f in factors]
                nums.append(" \\cdot ".join(vals))
            joined = " + ".join(nums) if n > 1 else nums[0]
            total = self.fmt(self.grads[v])
            last = prows[-1].split("&", 1)[1]
            if width(f"{last} = {joined} = {total}") <= self.limit - 2:
                prows[-1] += f" = {joined} = {total}"
            elif width(joined) <= self.limit - 8:
                prows.append(f"&= {joined} = {total}")
            else:
                for i, pn in enumerate(nums):
                    for j, ln in enumerate(_pack(pn.split(" \\cdot "), " \\cdot ",
                                                 self.limit - 10)):
                        lead = ("&= " if i == 0 and j == 0 else
                                "&\\quad {}+ " if j == 0 else "&\\qquad {}\\cdot ")
                        prows.append(lead + ln)
                prows.append(f"&= {total}")
        parts.append(Part(self.t("product"), 3, [Text(self.t(key)), Math(prows)]))
        return parts

    def _paren(self, s: str) -> str:
        return f"({s})" if s.startswith("-") else s

    def first_use_note(self, op: str) -> str | None:
        """The textbook derivative of an activation, the first time the notes use it."""
        from ..core.registry import ACTIVATIONS
        if op in self.explained or op not in ACTIVATIONS:
            return None
        self.explained.add(op)
        entry = ACTIVATIONS[op]
        if entry.is_identity:
            return None
        z = sp.Symbol("z", real=True)
        f = entry(z)
        if getattr(type(f), "is_generic_activation", False):
            return None
        rows = self.activation_rows(entry)
        formula = ", ".join(f"${r.replace('&', '')}$" for r in rows)
        return self.t("activation_note", what=f"${self.tex(f)}$", formula=formula)

    # ---- the same derivative with the deltas ---------------------------------------------------
    def kept(self, node: sp.Symbol) -> bool:
        """Whether a node's delta is shown by name (every node of a graph; the neurons' of a
        network, whose other deltas are written into them)."""
        if node == self.E or self.net is None:
            return True
        return self.g.meta.get(node.name, {}).get("role") == "preactivation"

    def delta_display(self, node: sp.Symbol) -> sp.Expr:
        """∂E/∂node as backpropagation sums it: Σ over the node's children of (the child's
        delta, or its own sum when the child is not a neuron) × (the local derivative), kept
        in that order for printing."""
        terms = []
        for c in self.g.children(node):
            if not self.g.reaches_output(c):
                continue
            if c == self.E:
                A = sp.S.One
            elif self.kept(c):
                A = delta_symbol(self.g, c)
            else:
                A = self.delta_display(c)
            B = local_partial(self.g, c, node)
            if A == 1:
                terms.append(B)
            elif B == 1:
                terms.append(A)
            else:
                terms.append(sp.Mul(A, B, evaluate=False))
        if not terms:
            return sp.S.Zero
        return terms[0] if len(terms) == 1 else sp.Add(*terms, evaluate=False)

    def delta_part(self, v: sp.Symbol) -> Part:
        shown: list[sp.Symbol] = []  # nodes whose delta is written, found from v upward
        exprs: dict[sp.Symbol, sp.Expr] = {v: self.delta_display(v)}
        todo = [v]
        while todo:
            s = todo.pop()
            for d in exprs[s].atoms(ProgramSymbol):
                node = self.g.symbol(d.of)
                if node not in exprs:
                    exprs[node] = self.delta_display(node)
                    shown.append(node)
                    todo.append(node)
        order = [n.symbol for n in reversed(self.g.nodes) if n.symbol in shown]
        rows = []
        for node in [*order, v]:
            lhs = self.frac(self.E, v) if node == v else self.tex(delta_symbol(self.g, node))
            e = exprs[node]
            rows += self.rows(lhs, e, self.steps_with_numbers(e))
        return Part(self.t("with_delta"), 3, [Text(self.t("with_delta_intro")), Math(rows)])

    # ---- fully substituted -----------------------------------------------------------------------
    def expanded_part(self, v: sp.Symbol) -> Part:
        d = self.frac(self.E, v)
        est = estimate_expanded_size(self.g, v)
        # the estimate is at most ~10% high: past the printable size nothing is built
        if est > min(self.budget, MAX_PRINTED_TREE * 1.15):
            return Part(self.t("expanded"), 3, [Text(self.t("expanded_too_large",
                                                            n=f"{est:,}"))])
        try:
            e = expanded(self.g, v, budget=self.budget)
        except ExpressionTooLargeError:
            return Part(self.t("expanded"), 3, [Text(self.t("expanded_too_large",
                                                            n=f"{est:,}"))])
        except InvalidValueError:  # too deep to build
            return Part(self.t("expanded"), 3, [Text(self.t("expanded_too_large",
                                                            n=f"{est:,}"))])
        s = size(e)
        if s.tree > 3_000:
            rows = None
        else:
            rows = self.rows(d, e)
        max_lines = MAX_SLIDE_LINES if self.slides else MAX_LINES
        if rows is None or len(rows) > max_lines or any(
                width(r.split("&", 1)[-1]) > self.limit + 2 for r in rows):
            chars = len(self.tex(e)) if s.tree <= 20_000 else s.tree * 4
            return Part(self.t("expanded"), 3, [Text(self.t(
                "expanded_too_long", n=f"{s.tree:,}", chars=f"{chars:,}", lines=max_lines))])
        return Part(self.t("expanded"), 3, [Text(self.t("expanded_intro", n=f"{s.tree:,}",
                                                        s="" if s.tree == 1 else "s")),
                                            Math(rows)])

    # ---- the update --------------------------------------------------------------------------------
    def update_part(self, v: sp.Symbol) -> Part:
        d = self.frac(self.E, v)
        val, grad = self.point[v], self.grads[v]
        new = val - self.lr * grad
        w = self.tex(v)
        rows = [f"{d} &= {self.fmt(grad)}",
                (f"{w} &\\leftarrow {w} - \\eta {d} = {self.fmt(val)} - {self.fmt(self.lr)} "
                 f"\\cdot {self._paren(self.fmt(grad))} = {self.fmt(new)}")]
        if width(rows[1]) > self.limit:
            rows[1:] = [f"{w} &\\leftarrow {w} - \\eta {d}",
                        (f"&= {self.fmt(val)} - {self.fmt(self.lr)} \\cdot "
                        f"{self._paren(self.fmt(grad))} = {self.fmt(new)}")]
        return Part(self.t("update"), 3, [Text(self.t("update_intro", lr=self.fmt(self.lr))),
                                          Math(rows)])

    # ---- the matrix form ------------------------------------------------------------------------
    # vectors of the matrix form, in the letters the forward pass used
    def vz(self, l) -> str:
        """Pre-activations of layer l: z^(l) (textbook) or h^(l), y (seed 004's names)."""
        if self.net.naming == "textbook":
            return f"\\boldsymbol{{z}}^{{({l})}}"
        return "\\boldsymbol{y}" if l == self.net.depth else f"\\boldsymbol{{h}}^{{({l})}}"

    def vh(self, l) -> str:
        """Activations of layer l: h^(l) (textbook) or a(h^(l)); the inputs for l = 0."""
        if self.net.naming == "textbook":
            return f"\\boldsymbol{{h}}^{{({l})}}"
        return "\\boldsymbol{x}" if l == 0 else f"a({self.vz(l)})"

    @staticmethod
    def vdelta(l) -> str:
        return f"\\boldsymbol{{\\delta}}^{{({l})}}"

    def matrix_part(self) -> Part | None:
        net = self.net
        if net is None:
            return None
        L, E, b = net.depth, self.Etex, "\\boldsymbol{b}"
        z, h, d = self.vz, self.vh, self.vdelta
        if net.naming == "textbook":
            forward = f"{z('l')} &= W^{{(l)}} {h('l-1')} + {b}^{{(l)}}, \\quad {h('l')} = a({z('l')})"
            zl, hl1 = z("l"), h("l-1")
        else:
            forward = (f"\\boldsymbol{{h}}^{{(l)}} &= W^{{(l)}}\\, a(\\boldsymbol{{h}}^{{(l-1)}}) "
                       f"+ {b}^{{(l)}}")
            zl, hl1 = "\\boldsymbol{h}^{(l)}", "a(\\boldsymbol{h}^{(l-1)})"
        rows = [forward]
        found = reads_beyond(net)
        if found:  # the four equations do not hold as they stand: say why, write none
            _, node, extra = found
            reads = ", ".join(f"${self.tex(s)}$" for s in sorted(extra, key=lambda s: s.name))
            return Part(self.t("matrix"), 1, [Text(self.t("matrix_none", node=f"${self.tex(node)}$",
                                                            reads=reads))])
        extra_text = []
        if net.loss_entry.from_logits:
            yhat = "\\hat{y}" if net.n_outputs == 1 else "\\hat{\\boldsymbol{y}}"
            t = "t" if net.n_outputs == 1 else "\\boldsymbol{t}"
            zs, ts = net.preactivations[-1], net.target_symbols
            grads = [local_partial(net, net.output, z) for z in zs]
            total = sp.Add(*ts)
            if all(g == p - tj for g, p, tj in zip(grads, net.predictions, ts, strict=True)):
                out = f"{yhat} - {t}"
            elif all(g == total * p - tj for g, p, tj in zip(grads, net.predictions, ts,
                                                                strict=True)):
                # softmax cross-entropy for any targets: (sum of the targets) yhat - t
                out = f"\\Bigl(\\sum_k t_k\\Bigr) {yhat} - {t}"
                extra_text.append(Text(self.t("matrix_sum_t", yhat=f"${yhat} - {t}$")))
            else:
                out = None
            tail = f" = {out}" if out else ""
            rows.append(f"{d(L)} &= \\frac{{\\partial {E}}}{{\\partial {z(L)}}}{tail} "
                        "\\tag{BP1}")
        else:
            rows.append(f"{d(L)} &= \\nabla_{{{h(L)}}} {E} \\odot a'({z(L)}) \\tag{{BP1}}")
        rows.append(f"{d('l')} &= \\bigl((W^{{(l+1)}})^{{\\top}} {d('l+1')}\\bigr) \\odot a'({zl}) "
                    "\\tag{BP2}")
        rows.append(f"\\frac{{\\partial {E}}}{{\\partial {b}^{{(l)}}}} &= {d('l')} \\tag{{BP3}}")
        rows.append(f"\\frac{{\\partial {E}}}{{\\partial W^{{(l)}}}} &= {d('l')} "
                    f"\\bigl({hl1}\\bigr)^{{\\top}} \\tag{{BP4}}")
        blocks = [Text(self.t("matrix_intro", shape="-".join(map(str, net.layers)))),
                  Math(rows), *extra_text,
                  Text(self.t("matrix_vectors", vectors=self.matrix_vectors()))]
        blocks += self.matrix_direct()
        if max(net.layers) <= MAX_EXPLICIT:
            blocks += self.matrix_entries()
        return Part(self.t("matrix"), 1, blocks)

    def matrix_direct(self) -> list:
        """Where the loss reads a parameter or hidden node itself (an L2 term), the equations
        gain its partial derivative: each such entry written out in full."""
        mf = matrix_form(self.net)
        if not mf.direct:
            return []
        names = ", ".join(f"${self.tex(s)}$" for s in mf.direct)
        E = self.Etex
        rows = []
        for s, d in mf.direct.items():
            entry = mf.gradient(s) if s in self.net.param_symbols else None
            lhs = f"\\frac{{\\partial {E}}}{{\\partial {self.tex(s)}}}"
            if entry is not None:
                rows.append(f"{lhs} &= {self.tex(entry)}")
            else:  # a hidden node: its partial joins that neuron's delta
                rows.append(f"{lhs} &= {self.tex(d)}")
        return [Text(self.t("matrix_direct", names=names)), Math(rows)]

    def matrix_vectors(self) -> str:
        net = self.net
        items = []
        for l in range(1, net.depth + 1):
            zs = ", ".join(self.tex(s) for s in net.preactivations[l - 1])
            if len(net.preactivations[l - 1]) > 1:
                items.append(f"${self.vz(l)} = ({zs})^{{\\top}}$")
            elif self.vz(l).replace("\\boldsymbol{y}", "y") != zs:  # never "y = y"
                items.append(f"${self.vz(l)} = {zs}$")
        xs = ", ".join(self.tex(s) for s in net.input_symbols)
        # the first layer reads the inputs where the formulas say h^(0) (or a(h^(0)))
        first = ("\\boldsymbol{h}^{(0)}" if net.naming == "textbook"
                 else "a(\\boldsymbol{h}^{(0)})")
        x = f"{first} = \\boldsymbol{{x}}"
        items.append(f"${x} = ({xs})^{{\\top}}$" if net.n_inputs > 1 else f"${x} = {xs}$")
        return ", ".join(items)

    def matrix_entries(self) -> list:
        mf = matrix_form(self.net)
        E = self.Etex
        blocks = [Text(self.t("matrix_explicit"))]
        for l in range(self.net.depth, 0, -1):
            i = l - 1
            d_entries = [self.tex(e) for e in mf.deltas[i]]
            w_entries = [[self.tex(mf.dW[i][r, c]) for c in range(mf.dW[i].cols)]
                         for r in range(mf.dW[i].rows)]
            dmat = _pmatrix([[e] for e in d_entries])
            wmat = _pmatrix(w_entries)
            rows = []
            if width(dmat) + 6 <= self.limit:
                rows.append(f"{self.vdelta(l)} &= {dmat}")
            else:
                for ds, e in zip(mf.delta_symbols[i], mf.deltas[i], strict=True):
                    rows += self.rows(self.tex(ds), e)
            dW = f"\\frac{{\\partial {E}}}{{\\partial W^{{({l})}}}}"
            outer = (_pmatrix([[self.tex(ds)] for ds in mf.delta_symbols[i]])
                     + _pmatrix([[self.tex(h) for h in mf.h[i]]]))
            if width(wmat) + 8 <= self.limit:
                rows.append(f"{dW} &= {wmat}")
            elif width(outer) + 8 <= self.limit:  # BP4 as it stands: delta times h^T
                rows.append(f"{dW} &= {outer}")
            else:  # entry by entry
                rows += [f"\\frac{{\\partial {E}}}{{\\partial {self.tex(mf.W[i][r, c])}}} &= "
                         f"{w_entries[r][c]}" for r in range(mf.dW[i].rows)
                         for c in range(mf.dW[i].cols)]
            blocks.append(Math(rows))
        return blocks

    # ---- the whole document ---------------------------------------------------------------------
    def parts(self, variables: list[sp.Symbol], others: bool) -> list[Part]:
        out = [p for p in (self.network_part(), self.forward_part(), self.values_part()) if p]
        with progress(len(variables), "writing notes") as bar:
            for v in variables:
                out += self.derivative_parts(v)
                bar.update(1)
        if others:  # the command line's syntax, with two names that need no escaping
            names = [s.name for s in self.g.param_symbols[1:] if s.name.isascii()][:2]
            example = " ".join(names).replace("_", "\\_") or "NAME"
            out.append(Part("", 1, [Text(self.t("others", example=example))]))
        m = self.matrix_part()
        if m is not None:
            out.append(m)
        return out


def _is_real_number(v: sp.Expr) -> bool:
    try:
        float(v)
    except (TypeError, ValueError, OverflowError):
        return False
    return True


def _prime(name: str) -> str:
    """``\\sigma(z)`` -> ``\\sigma'(z)``; ``\\tanh{\\left(z \\right)}`` -> ``\\tanh'(z)``."""
    if "(" in name and name.startswith("\\tanh"):
        return "\\tanh'(z)"
    i = name.find("(")
    return name[:i] + "'" + name[i:] if i > 0 else name + "'"


def _lead(line: str) -> str:
    """A continuation line: an operator at its start gets binary spacing (``{}+ x``)."""
    return "{}" + line if line.startswith(("+", "-", "\\cdot")) else line


def _pack(items: list[str], joiner: str, limit: float) -> list[str]:
    """Items joined into lines no wider than ``limit``; never one short item alone at the end."""
    lines: list[list[str]] = [[]]
    for it in items:
        if lines[-1] and width(joiner.join([*lines[-1], it])) > limit:
            lines.append([])
        lines[-1].append(it)
    if len(lines) > 1 and len(lines[-1]) == 1 and len(lines[-2]) > 2:
        lines[-1].insert(0, lines[-2].pop())
    return [joiner.join(ln) for ln in lines]


def _pmatrix(rows: list[list[str]]) -> str:
    body = " \\\\ ".join(" & ".join(r) for r in rows)
    return f"\\begin{{pmatrix}} {body} \\end{{pmatrix}}"


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
          digits: int = 6, lang: str = "en", slides: bool = False,
          budget: float | None = None, title_tex: str | None = None) -> Notes:
    r"""LaTeX lecture notes deriving ∂L/∂v for each ``wrt`` (see the module docstring).

    ``wrt``: variables (names or Symbols), ``"all"`` for every parameter, or None for the
    first weight and bias of each layer. ``at`` (leaf -> number) adds numbers to every step, the
    table of values and gradients and the gradient-descent update with learning rate ``lr``;
    ``digits`` significant digits. ``lang``: ``"en"`` or ``"ko"``. ``slides=True`` gives a
    Beamer deck. ``standalone=False`` gives a fragment for ``\input`` (it needs amsmath,
    amssymb and booktabs, and kotex for Korean).

    ``title`` is plain text, printed character for character (``\``, ``$``, ``%``, ``_`` and
    every other TeX special character included). ``title_tex`` is a title in LaTeX, pasted in
    as it is: trusted input only, never text from someone else (the PDF is still made without
    shell escape, and pdflatex reads no file outside its own folder; see :func:`compile_pdf`).
    Names of other scripts than Latin, Greek and Hangul, which pdflatex cannot typeset, are
    refused.
    """
    if not isinstance(graph, Graph):
        raise InputTypeError(f"notes needs a Graph or a network, not {type(graph).__name__}")
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
    w = _Writer(g, at, digits, lang, lr, budget, slides)
    if title_tex is None:
        title_tex = (phrase(lang, "title_network", shape="-".join(map(str, g.layers)))
                     if isinstance(g, Network) else phrase(lang, "title_graph", out=w.Etex))
    document = Document(title_tex, lang, w.parts(variables, others), title_text=title)
    if slides:
        text = doc_.slides(document, cont=phrase(lang, "continued"))
    else:
        text = doc_.article(document, standalone=standalone)
    out = Notes(text)
    out.document = document
    return out


def write_notes(text: str, path: PathLike, force: bool = False) -> Path:
    """Write notes atomically; an existing file needs ``force=True``."""
    return write_text(path, text, force=force)
