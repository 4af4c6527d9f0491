r"""One LaTeX printer for every object symbackprop makes.

A subclass of SymPy's :class:`~sympy.printing.latex.LatexPrinter` that writes derivatives as
partial fractions, activations with primes (``a'(z)``, ``\sigma'``), textbook indices
(``w1_12`` as :math:`w^{(1)}_{12}`, ``delta_h1`` as :math:`\delta_{h1}`) and the same bytes on
every run.

Examples
========
>>> import sympy as sp
>>> import symbackprop as sb
>>> w, x = sp.symbols("w1_12 x1", real=True)
>>> sb.latex(sp.Derivative(sp.Symbol("E"), w, evaluate=False))
'\\frac{\\partial E}{\\partial w^{(1)}_{12}}'
>>> sb.latex(sb.sigmoid(w * x))
'\\sigma\\left(w^{(1)}_{12} x_{1}\\right)'
"""

from __future__ import annotations

import re

import sympy as sp
from sympy.printing.latex import LatexPrinter

__all__ = ["SymbackpropLatexPrinter", "latex", "symbol_latex"]

_INDEXED = re.compile(r"^([wbzh])(\d+)_(\d+(?:_\d+)*)$")
_DELTA = re.compile(r"^delta_(.+)$")
_GRAD = re.compile(r"^d([A-Za-z]\w*?)_d(.+)$")
_ACT = re.compile(r"^a_(h\d+|y\d*)$")  # sequential naming: the node a_h1 holds a(h1)
_HAT = re.compile(r"^([A-Za-z])hat(\d*)$")
_NAMED_FUNCS = {
    "sigmoid": r"\sigma",
    "relu": r"\operatorname{ReLU}",
    "leaky_relu": r"\operatorname{LReLU}",
    "softplus": r"\operatorname{softplus}",
    "logsumexp": r"\operatorname{LSE}",
}


def symbol_latex(name: str) -> str:
    r"""LaTeX for a symbol name.

    >>> print(symbol_latex("w2_13"), symbol_latex("delta_z1_2"), symbol_latex("a_h1"))
    w^{(2)}_{13} \delta^{(1)}_{2} a(h_{1})
    >>> print(symbol_latex("dE_dw1"), symbol_latex("yhat"), symbol_latex("net_h1"))
    \frac{\partial E}{\partial w_{1}} \hat{y} net_{h1}
    """
    m = _ACT.match(name)
    if m:
        return f"a({symbol_latex(m.group(1))})"
    m = _HAT.match(name)
    if m:
        sub = f"_{{{m.group(2)}}}" if m.group(2) else ""
        return f"\\hat{{{m.group(1)}}}{sub}"
    m = _INDEXED.match(name)
    if m:
        letter, layer, idx = m.groups()
        return f"{letter}^{{({layer})}}_{{{idx.replace('_', ',')}}}"
    m = _DELTA.match(name)
    if m:
        inner = m.group(1)
        mi = _INDEXED.match(inner)
        if mi and mi.group(1) == "z":
            return f"\\delta^{{({mi.group(2)})}}_{{{mi.group(3).replace('_', ',')}}}"
        return f"\\delta_{{{symbol_latex(inner)}}}"
    m = _GRAD.match(name)
    if m and not name.startswith("delta"):
        return (f"\\frac{{\\partial {symbol_latex(m.group(1))}}}"
                f"{{\\partial {symbol_latex(m.group(2))}}}")
    return LatexPrinter()._print(sp.Symbol(name))


class SymbackpropLatexPrinter(LatexPrinter):
    """LaTeX printer with textbook conventions (see the module docstring)."""

    printmethod = "_symbackprop_latex"

    def __init__(self, settings=None):
        settings = dict(settings or {})
        settings.setdefault("mul_symbol", None)
        super().__init__(settings)

    def _print_Symbol(self, expr, style="plain"):
        return symbol_latex(expr.name)

    def _print_Derivative(self, expr):
        f = expr.expr
        vars_ = expr.variables
        if len(vars_) == 1 and isinstance(f, sp.Symbol):
            return (f"\\frac{{\\partial {self._print(f)}}}"
                    f"{{\\partial {self._print(vars_[0])}}}")
        return super()._print_Derivative(expr)

    def _print_Function(self, expr, exp=None):
        name = type(expr).__name__
        args = ", ".join(self._print(a) for a in expr.args)
        if name in _NAMED_FUNCS:
            head = _NAMED_FUNCS[name]
        elif getattr(type(expr), "is_generic_activation", False) or name.endswith("'"):
            base = name.rstrip("'")
            primes = "'" * (len(name) - len(base))
            head = f"{base}{primes}"
        else:
            return super()._print_Function(expr, exp)
        simple = all(a.is_Atom for a in expr.args)
        out = f"{head}({args})" if simple else f"{head}\\left({args}\\right)"
        return f"{out}^{{{exp}}}" if exp is not None else out

    def _print_Heaviside(self, expr, exp=None):
        out = f"H\\left({self._print(expr.args[0])}\\right)"
        return f"{out}^{{{exp}}}" if exp is not None else out


def latex(obj, **settings) -> str:
    r"""LaTeX for an Expr, Chain, Program or Graph (the body, without ``$``).

    >>> import symbackprop as sb
    >>> g = sb.parse_graph("q = x + y\nf = q*z")
    >>> print(sb.latex(sb.chain(g, "x")))
    \frac{\partial f}{\partial x} = \frac{\partial f}{\partial q} \frac{\partial q}{\partial x} = z
    """
    from .derive import Chain, Program
    from .graph import Graph

    p = SymbackpropLatexPrinter(settings)
    if isinstance(obj, Chain):
        head = p._print(sp.Derivative(obj.output, obj.wrt, evaluate=False))
        if not obj.paths:
            return f"{head} = 0"
        leib = " + ".join(" ".join(p._print(f.leibniz) for f in path.factors)
                          for path in obj.paths)
        return f"{head} = {leib} = {p._print(obj.local)}"
    if isinstance(obj, Program):
        rows = [f"{p._print(s.target)} &= {p._print(s.expr)}" for s in obj.steps]
        return "\\begin{aligned}" + " \\\\ ".join(rows) + "\\end{aligned}"
    if isinstance(obj, Graph):
        rows = [f"{p._print(n.symbol)} &= {p._print(n.expr)}" for n in obj.nodes]
        return "\\begin{aligned}" + " \\\\ ".join(rows) + "\\end{aligned}"
    return p.doprint(sp.sympify(obj, strict=True))
