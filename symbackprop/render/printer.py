r"""One LaTeX printer for every object symbackprop makes, with a lecturer's conventions.

A subclass of SymPy's :class:`~sympy.printing.latex.LatexPrinter`. Objects print themselves
through SymPy's protocol (each has a ``_latex(printer)`` method that this printer calls), so
the core never imports the renderers. The printer adds what a textbook does:

* derivatives as partial fractions, :math:`\partial E/\partial w_1`; an undefined function's
  derivative as :math:`a'(z)` (or :math:`\partial f/\partial z` for several arguments);
* the typography of a graph's symbols from the graph itself (``Graph.meta`` and node roles,
  never guessed from a name): :math:`w^{(1)}_{12}`, :math:`\hat y`, :math:`a(h_1)`, the delta of
  a pre-activation as :math:`\delta^{(1)}_2`; symbols without a role print as SymPy prints them;
* terms in a lecturer's order: weighted sums in source order with the bias last
  (:math:`w_1 x_1 + w_2 x_2 + b_1`), positive terms first (:math:`t - \hat y`), weights and
  deltas before the values they scale (:math:`w_5\, a(h_1)`), and :math:`\frac12(t-\hat y)^2`
  instead of :math:`\frac{(t - \hat y)^2}{2}`;
* ReLU's derivative as :math:`\mathbf{1}[z > 0]`.

The output is the same bytes on every run.

Examples
========
>>> import sympy as sp
>>> import symbackprop as sb
>>> net = sb.mlp([2, 2, 1], activation="a", naming="sequential")
>>> print(sb.latex(net.definition("y").expr, graph=net))
w_{5} a(h_{1}) + w_{6} a(h_{2}) + b_{3}
>>> print(sb.latex(net.definition("E").expr, graph=net))
\frac{1}{2} \left(t - a(y)\right)^{2}
>>> sb.latex(sp.Symbol("what")), sb.latex(sp.Symbol("dog_day"))
('what', 'dog_{day}')
"""

from __future__ import annotations

import re
import unicodedata
import weakref
from contextlib import contextmanager
from typing import ClassVar

import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.printing.conventions import split_super_sub
from sympy.printing.latex import (
    LatexPrinter,
    greek_letters_set,
    other_symbols,
    tex_greek_dictionary,
)
from sympy.printing.pretty.pretty_symbology import greek_unicode

from ..core.errors import LimitError
from ..core.graph import SORT_LIMIT, Graph, ProgramSymbol, expression_depth, use_latex_printer

__all__ = ["MAX_PRINT_DEPTH", "SymbackpropLatexPrinter", "check_print_depth", "latex",
           "name_latex", "untypeset_character"]


class SymbackpropLatexPrinter(LatexPrinter):
    """LaTeX printer with textbook conventions (see the module docstring).

    ``graph=`` (a setting) gives the graph whose symbols are typed by their roles; objects
    that know their graph (Chain, Program, Graph, MatrixForm) set it while they print.
    ``values=`` (symbol -> LaTeX of a number) prints those symbols as their numbers, to show
    an expression evaluated step by step (use it with ``mul_symbol="dot"``).
    """

    _default_settings: ClassVar[dict] = {**LatexPrinter._default_settings, "graph": None,
                                         "values": None, "term_order": None}

    def __init__(self, settings=None):
        settings = dict(settings or {})
        settings.setdefault("mul_symbol", None)
        super().__init__(settings)
        self._graph: Graph | None = self._settings["graph"]

    @contextmanager
    def in_graph(self, graph: Graph):
        """Type the symbols of ``graph`` by their roles while printing inside this block."""
        before = self._graph
        self._graph = graph
        try:
            yield self
        finally:
            self._graph = before

    # ---- symbols -----------------------------------------------------------------------------
    def _meta(self, name: str) -> dict:
        g = self._graph
        return g.meta.get(name, {}) if g is not None and name in g else {}

    def _value(self, expr) -> str | None:
        values = self._settings["values"]
        if values is None or expr not in values:
            return None
        v = values[expr]
        return f"({v})" if v.startswith("-") else v

    def _print_Symbol(self, expr, style="plain"):
        v = self._value(expr)
        if v is not None:
            return v
        other = self._distinct().get(expr.name)
        if other is not None:
            return other
        return self._usual_symbol(expr, style)

    def _usual_symbol(self, expr, style="plain") -> str:
        """How a symbol prints by itself: its role's typography, else as SymPy prints it."""
        tex = self._meta(expr.name).get("latex")
        if tex is not None:
            return tex
        return super()._print_Symbol(expr, style)

    def _distinct(self) -> dict[str, str]:
        """Names whose usual form another symbol of the same graph (or expression) already
        prints as, each with the distinguishable form it prints as instead."""
        g = self._graph
        if g is not None:
            cached = _DISTINCT.get(g)
            if cached is None or cached[0] != g.version:
                cached = (g.version, _distinct_forms(self, g.symbols, g))
                _DISTINCT[g] = cached
            return cached[1]
        return self._loose

    _loose: ClassVar[dict[str, str]] = {}

    def doprint(self, expr):
        # symbols of an expression printed without a graph are told apart within it
        if self._graph is None and isinstance(expr, sp.Basic):
            symbols = sorted((a for a in expr.atoms(sp.Symbol)
                              if not isinstance(a, ProgramSymbol)), key=lambda a: a.name)
            self._loose = _distinct_forms(self, symbols, None) if len(symbols) > 1 else {}
        return super().doprint(expr)

    def _print_ProgramSymbol(self, expr, style="plain"):
        v = self._value(expr)
        if v is not None:
            return v
        of = sp.Symbol(expr.of, real=True)
        meta = self._meta(expr.of)
        if expr.kind == "grad":
            return self._frac(sp.Symbol(expr.out, real=True), of)
        if meta.get("role") == "preactivation":
            layer, j = meta.get("layer"), meta.get("j")
            if self._graph is not None and getattr(self._graph, "naming", None) == "textbook":
                return f"\\delta^{{({layer})}}_{{{j}}}"
            return f"\\delta_{{{self._print(of)}}}"
        if meta:  # an activation, prediction or loss node of a network: its own fraction
            return self._frac(sp.Symbol(expr.out, real=True), of)
        return f"\\delta_{{{self._print(of)}}}"

    def _frac(self, a, b) -> str:
        return f"\\frac{{\\partial {self._print(a)}}}{{\\partial {self._print(b)}}}"

    def _split_super_sub(self, name: str):
        # as SymPy splits a name (x_1 -> x with subscript 1, alpha -> \alpha), but without its
        # modifier suffixes: "what" is what, not \hat{w}
        if name is None or "{" in name or self._settings["disable_split_super_sub"]:
            return super()._split_super_sub(name)
        base, supers, subs = split_super_sub(name)
        return _translate(base), [_translate(t) for t in supers], [_translate(t) for t in subs]

    # ---- derivatives -------------------------------------------------------------------------
    def _print_Derivative(self, expr):
        f = expr.expr
        if len(expr.variable_count) == 1 and expr.variable_count[0][1] == 1 \
                and isinstance(f, sp.Symbol):
            return self._frac(f, expr.variables[0])
        return super()._print_Derivative(expr)

    def _print_Subs(self, expr):
        d = expr.expr
        if isinstance(d, sp.Derivative) and isinstance(d.expr, AppliedUndef):
            f = d.expr
            name = self._print(sp.Symbol(type(f).__name__))
            point = dict(zip(expr.variables, expr.point, strict=False))
            args = [a.xreplace(point) for a in f.args]
            inner = ", ".join(self._print(a) for a in args)
            wrap = (lambda s: f"({s})") if all(a.is_Atom for a in args) else \
                (lambda s: f"\\left({s}\\right)")
            if len(f.args) == 1 and len(d.variable_count) == 1:
                return f"{name}{chr(39) * d.variable_count[0][1]}{wrap(inner)}"
            slots = []
            for v, k in d.variable_count:
                i = f.args.index(v) + 1 if v in f.args else None
                at = point.get(v, v)
                label = self._print(at) if isinstance(at, sp.Symbol) else \
                    f"\\xi_{{{i}}}" if i else self._print(v)
                slots.append(f"\\partial {label}" + (f"^{{{k}}}" if k > 1 else ""))
            order = sum(k for _, k in d.variable_count)
            top = f"\\partial^{{{order}}} {name}" if order > 1 else f"\\partial {name}"
            return f"\\frac{{{top}}}{{{' '.join(slots)}}}{wrap(inner)}"
        return super()._print_Subs(expr)

    def _print_Function(self, expr, exp=None):
        # tanh(z), not tanh{\left(z \right)}: parentheses as a textbook writes them
        name = expr.func.__name__
        if name in _PLAIN_FUNCTIONS and len(expr.args) == 1:
            arg = expr.args[0]
            head = f"\\{name}" + (f"^{{{exp}}}" if exp is not None else "")
            inner = self._print(arg)
            return f"{head}({inner})" if arg.is_Atom else f"{head}\\left({inner}\\right)"
        return super()._print_Function(expr, exp)

    def _print_log(self, expr, exp=None):
        arg = expr.args[0]
        head = "\\log" + (f"^{{{exp}}}" if exp is not None else "")
        inner = self._print(arg)
        return f"{head}({inner})" if arg.is_Atom else f"{head}\\left({inner}\\right)"

    def _print_exp(self, expr, exp=None):
        # the softmax exp(z_j - LSE(z)) as a textbook writes it: e^{z_j} / sum_k e^{z_k}
        arg = expr.args[0]
        lse = [a for a in sp.Add.make_args(arg) if a.could_extract_minus_sign()
               and type(-a).__name__ == "logsumexp"]
        if len(lse) == 1:
            rest = arg - lse[0]
            zs = (-lse[0]).args
            if rest in zs:
                num = f"e^{{{self._print(rest)}}}"
                den = " + ".join(f"e^{{{self._print(z)}}}" for z in zs)
                out = f"\\frac{{{num}}}{{{den}}}"
                return f"\\left({out}\\right)^{{{exp}}}" if exp is not None else out
        return super()._print_ExpBase(expr, exp)

    def _print_Heaviside(self, expr, exp=None):
        z = self._print(expr.args[0])
        h0 = expr.args[1] if len(expr.args) > 1 else sp.S.Half
        if h0 == 0:
            out = f"\\mathbf{{1}}[{z} > 0]"
        elif h0 == 1:
            out = f"\\mathbf{{1}}[{z} \\geq 0]"
        else:
            out = f"H\\left({z}\\right)"
        return f"{out}^{{{exp}}}" if exp is not None else out

    # ---- a lecturer's order ------------------------------------------------------------------
    def _rank(self, term: sp.Expr) -> tuple:
        """Sort key of a sum's term: positive first; in a graph, weights by index, bias last."""
        neg = term.could_extract_minus_sign()
        bias = 0
        wkey: tuple = ()
        if self._graph is not None:
            for s in sorted(term.free_symbols, key=lambda s: s.name):
                m = self._meta(s.name)
                if m.get("role") == "bias":
                    bias = 1
                elif m.get("role") == "weight" and not wkey:
                    wkey = (m.get("layer", 0), m.get("j", 0), m.get("k", 0))
        return (neg, bias, wkey)

    def _print_Add(self, expr, order=None):
        common = _common_fraction(expr)
        if common is not None:  # 1/2 (a^2 + b^2), not a^2/2 + b^2/2
            inner = self._print(sp.Add(*[t / common for t in expr.args], evaluate=False))
            return f"\\frac{{{common.p}}}{{{common.q}}} \\left({inner}\\right)"
        if len(expr.args) > SORT_LIMIT:  # SymPy's sort of a huge sum takes minutes
            terms = list(expr.args)
        else:
            terms = sorted(self._as_ordered_terms(expr, order=order), key=self._rank)
            for hint in self._settings["term_order"] or ():  # as the user wrote the sum
                if len(terms) > 1 and all(t in hint for t in terms):
                    terms = sorted(terms, key=hint.index)
                    break
        if self._settings["values"] is not None:  # zero terms are left out of the numbers
            kept = [t for t in terms if not self._zero_valued(t)]
            if not kept:
                return "0"
            terms = kept
        tex = ""
        for i, term in enumerate(terms):
            if i == 0:
                if term.could_extract_minus_sign():
                    tex += "- "
                    term = -term
            elif term.could_extract_minus_sign():
                tex += " - "
                term = -term
            else:
                tex += " + "
            term_tex = self._print(term)
            if self._needs_add_brackets(term):
                term_tex = f"\\left({term_tex}\\right)"
            tex += term_tex
        return tex

    def _zero_valued(self, term: sp.Expr) -> bool:
        """Whether a term prints as a product with the number 0 in it (t = 0 in t log y)."""
        values = self._settings["values"]
        return any(isinstance(f, sp.Symbol) and values.get(f) == "0"
                   for f in sp.Mul.make_args(term))

    def _factor_rank(self, f: sp.Expr) -> float:
        """A product's order in a textbook: weights, deltas, sums of deltas, the error
        (a(y) - t), the rest, other sums last: w_5 δ_y, (a(y) - t) a(y) (1 - a(y))."""
        base = f.base if f.is_Pow else f
        if isinstance(base, sp.Symbol) and self._meta(base.name).get("role") == "weight":
            return 0
        if isinstance(base, ProgramSymbol):
            return 1
        if base.is_Add and base.atoms(ProgramSymbol):
            return 2
        if base.is_Add and any(self._meta(s.name).get("role") == "target"
                               for s in base.free_symbols):
            return 2.5
        if base.is_Add:  # sums last: sigma(z) (1 - sigma(z)), not (1 - sigma(z)) sigma(z)
            return 4
        return 3

    def _print_Mul(self, expr):
        coeff, factors = expr.as_coeff_mul()
        if any(f.is_Pow and f.exp.is_negative for f in factors) or not factors \
                or not coeff.is_Rational:
            return super()._print_Mul(expr)
        sign = ""
        if coeff.is_negative:
            sign, coeff = "- ", -coeff
        parts = []
        if coeff != 1:
            parts.append(self._print(coeff) if coeff.is_Integer
                         else f"\\frac{{{coeff.p}}}{{{coeff.q}}}")
        ordered = sorted(factors, key=self._factor_rank)
        for i, f in enumerate(ordered):
            tex = self._print(f)
            first = i == 0 and not parts
            if self._needs_mul_brackets(f, first=first, last=i == len(ordered) - 1):
                tex = f"\\left({tex}\\right)"
            parts.append(tex)
        sep = self._settings["mul_symbol_latex"]
        return sign + sep.join(parts)


_PLAIN_FUNCTIONS = frozenset({"sin", "cos", "tan", "sinh", "cosh", "tanh", "log", "arcsin",
                              "arccos", "arctan"})


def _common_fraction(expr: sp.Expr) -> sp.Rational | None:
    """The fraction every term of a sum of two or more terms is multiplied by, if any."""
    if not expr.is_Add or len(expr.args) < 2:
        return None
    coeffs = {t.as_coeff_Mul()[0] for t in expr.args}
    if len(coeffs) != 1:
        return None
    c = coeffs.pop()
    if not c.is_Rational or c.is_Integer or c.p != 1:
        return None
    return c


def _translate(s: str) -> str:
    """A Greek letter's or special symbol's name as its LaTeX command; a name in other
    letters (α, ñ) typeset letter by letter (see :func:`name_latex`); anything else as is."""
    tex = tex_greek_dictionary.get(s)
    if tex:
        return tex
    if s.lower() in greek_letters_set:
        return "\\" + s.lower()
    if s in other_symbols:
        return "\\" + s
    if not s.isascii():
        return name_latex(s)
    return s


# ---- letters beyond ASCII -----------------------------------------------------------------------
_GREEK = {ch: name for name, ch in greek_unicode.items()}  # α -> alpha (SymPy's own table)
_MATH_ACCENTS = {"\u0300": "grave", "\u0301": "acute", "\u0302": "hat", "\u0303": "tilde",
                 "\u0304": "bar", "\u0306": "breve", "\u0307": "dot", "\u0308": "ddot",
                 "\u030a": "mathring", "\u030c": "check"}
_TEXT_ACCENTS = {"\u030b", "\u0327", "\u0323", "\u0331"}  # double acute, cedilla, dots below
_TEXT_LETTERS = set("ßæÆœŒøØłŁı")  # letters pdflatex's default (OT1) fonts have
_HANGUL = re.compile(r"[\uac00-\ud7a3]")


def _letter(g: str) -> tuple[str, bool]:
    """One letter with its accents as LaTeX math, and whether pdflatex typesets it (with
    amsmath, and kotex for Hangul)."""
    if g.isascii():
        return g, True
    if _HANGUL.fullmatch(g):
        return f"\\text{{{g}}}", True
    d = unicodedata.normalize("NFD", g)
    base, marks = d[0], d[1:]
    if (base.isascii() and base.isalpha()) or base in _GREEK:
        tex = _translate(_GREEK[base]) if base in _GREEK else \
            {"i": "\\imath", "j": "\\jmath"}.get(base, base) if marks else base
        if all(m in _MATH_ACCENTS for m in marks):
            for m in marks:
                tex = f"\\{_MATH_ACCENTS[m]}{{{tex}}}"
            return tex, True
        ok = base.isascii() and all(m in _MATH_ACCENTS or m in _TEXT_ACCENTS for m in marks)
        return f"\\text{{{g}}}", ok
    if g in _TEXT_LETTERS:
        return f"\\text{{{g}}}", True
    return f"\\text{{{g}}}", False


def _letters(name: str) -> list[str]:
    """A name cut into letters, each with the combining marks that follow it."""
    out: list[str] = []
    for ch in unicodedata.normalize("NFC", name):
        if out and unicodedata.category(ch) in ("Mn", "Mc"):
            out[-1] += ch
        else:
            out.append(ch)
    return out


def name_latex(name: str) -> str:
    r"""A name's letters as LaTeX math: Greek letters as SymPy names them (α as ``\alpha``),
    accented Latin letters with math accents (ñ as ``\tilde{n}``, é as ``\acute{e}``), the
    few others pdflatex's fonts have in text (ç, ß) and Hangul in ``\text``.

    >>> name_latex("αñb")
    '\\alpha\\tilde{n}b'
    >>> name_latex("αb")
    '\\alpha b'
    """
    out = ""
    for g in _letters(name):
        tex, _ = _letter(g)
        if tex[:1].isalpha() and re.search(r"\\[A-Za-z]+$", out):
            out += " "
        out += tex
    return out


def untypeset_character(name: str) -> str | None:
    """The first character of a name that pdflatex (with the notes' packages) cannot typeset,
    or None: letters of scripts other than Latin, Greek and Hangul, and Latin letters whose
    accents its default fonts lack (ą, đ)."""
    for g in _letters(name):
        if not _letter(g)[1]:
            return g
    return None


def _literal(name: str, font: str) -> str:
    r"""A name spelt out, underscores and all: ``\mathrm{x\_1}``."""
    body = "\\_".join(name_latex(p) if not p.isascii() else p for p in name.split("_"))
    return f"\\{font}{{{body}}}"


def _key(tex: str) -> str:
    """What a printed form looks like, for comparing: spaces and braces do not show."""
    return re.sub(r"[\s{}]", "", tex)


_DISTINCT: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
"""Per graph (and its version): the names that print in a distinguishable form."""


def _distinct_forms(printer, symbols, graph) -> dict[str, str]:
    r"""For symbols that would print as another symbol already does (x1 and x_1 both
    :math:`x_{1}`), or as a delta the notes write (a symbol delta_q and the delta of a node q):
    a form of the later one that shows its name, ``\mathrm{x\_1}``. The first keeps its form."""
    usual = [(s, printer._usual_symbol(s)) for s in symbols]
    seen = {_key(t) for _, t in usual}
    reserved = {_key(f"\\delta_{{{t}}}") for _, t in usual} if graph is not None else set()
    used: set[str] = set()
    out: dict[str, str] = {}
    for s, tex in usual:
        k = _key(tex)
        if k in used or k in reserved:
            for font in ("mathrm", "mathtt"):
                tex = _literal(s.name, font)
                if _key(tex) not in used and _key(tex) not in seen:
                    break
            while _key(tex) in used:
                tex += "'"
            out[s.name] = tex
        used.add(_key(tex))
    return out


MAX_PRINT_DEPTH = 300
"""Deepest expression handed to SymPy's printers, which recurse once per level."""


def check_print_depth(expr: sp.Basic, what: str) -> None:
    """Refuse an expression nested past :data:`MAX_PRINT_DEPTH` with a clear error."""
    if expression_depth(expr, limit=MAX_PRINT_DEPTH) > MAX_PRINT_DEPTH:
        raise LimitError(f"the expression is nested more than {MAX_PRINT_DEPTH} levels deep, "
                         f"too deep for {what}; stage it as nodes of a graph (sb.stage) or "
                         "measure it with sb.size(expr).tree and .dag")


def latex(obj: object, graph: Graph | None = None, width: float | None = None,
          **settings) -> str:
    r"""LaTeX for an Expr, Chain, Program, Graph, Network or MatrixForm (the body, without ``$``).

    ``graph`` types an expression's symbols by their roles in that graph. ``width`` (printed
    characters, about 60 for a page) breaks a long expression into an ``aligned`` block the way
    the notes do: at sums and products, never leaving an operator or one short factor alone.

    >>> import symbackprop as sb
    >>> g = sb.parse_graph("q = x + y\nf = q*z")
    >>> print(sb.latex(sb.chain(g, "x")))
    \frac{\partial f}{\partial x} = \frac{\partial f}{\partial q} \frac{\partial q}{\partial x} = z
    """
    p = SymbackpropLatexPrinter({**settings, "graph": graph})
    if isinstance(obj, sp.Basic):
        check_print_depth(obj, "the LaTeX printer")
    if width is not None and isinstance(obj, sp.Expr):
        from .layout import Breaker
        lines = Breaker(p, width).lines(obj)
        if len(lines) > 1:
            rest = " \\\\ ".join("&\\quad " + ln for ln in lines[1:])
            return f"\\begin{{aligned}} &{lines[0]} \\\\ {rest} \\end{{aligned}}"
        return lines[0]
    if isinstance(obj, sp.Basic) or hasattr(obj, "_latex"):
        return p.doprint(obj)
    try:
        return p.doprint(sp.sympify(obj, strict=True))
    except sp.SympifyError:
        from ..core.errors import InputTypeError
        raise InputTypeError(f"cannot print a {type(obj).__name__} as LaTeX") from None


use_latex_printer(latex)  # Jupyter shows graphs, chains and programs through this printer
