"""Terminal text: one printer for expressions, chains and programs, and one number format.

:class:`TextPrinter` is SymPy's ``StrPrinter`` with symbackprop's objects printing through
their ``_sympystr`` methods; with ``unicode=True`` it writes ``x^2·y`` and ``∂``, else plain
ASCII (``x**2*y``, ``d``). :func:`format_number` is the one number formatter of the CLI,
the notes and the drawings.

Examples
========
>>> import sympy as sp
>>> x, y = sp.symbols("x y")
>>> inline(x**2*y)
'x^2·y'
>>> inline(x**2*y, unicode=False)
'x**2*y'
>>> format_number(sp.Rational(1, 3)), format_number(0.000123456789), format_number(-4)
('1/3', '0.000123457', '-4')
"""

from __future__ import annotations

import math
from typing import ClassVar

import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.printing.str import StrPrinter

from ..core.graph import SORT_LIMIT

__all__ = ["TextPrinter", "format_number", "inline", "text"]


class TextPrinter(StrPrinter):
    """SymPy's str printer, in Unicode (``unicode=True``) or plain ASCII."""

    _default_settings: ClassVar[dict] = {**StrPrinter._default_settings, "unicode": True, "partial": "∂",
                         "dot": " · "}

    def __init__(self, settings=None):
        settings = dict(settings or {})
        if not settings.get("unicode", True):
            settings.setdefault("partial", "d")
            settings.setdefault("dot", " * ")
        super().__init__(settings)

    def _print_Add(self, expr, order=None):
        if len(expr.args) > SORT_LIMIT:  # SymPy's sort of a huge sum takes minutes
            order = "none"
        return super()._print_Add(expr, order=order)

    def _print_Mul(self, expr):
        s = super()._print_Mul(expr)
        return s.replace("*", "·") if self._settings["unicode"] else s

    def _print_Pow(self, expr, rational=False):
        s = super()._print_Pow(expr, rational)
        return s.replace("**", "^") if self._settings["unicode"] else s

    def _print_Subs(self, expr):
        d = expr.expr
        if isinstance(d, sp.Derivative) and isinstance(d.expr, AppliedUndef) \
                and len(d.expr.args) == 1 and len(d.variable_count) == 1:
            point = dict(zip(expr.variables, expr.point, strict=False))
            arg = d.expr.args[0].xreplace(point)
            return f"{type(d.expr).__name__}{chr(39) * d.variable_count[0][1]}({self._print(arg)})"
        return super()._print_Subs(expr)


def text(obj, unicode: bool = True) -> str:
    """Text for an expression or any symbackprop object (a Chain prints several lines)."""
    return TextPrinter({"unicode": unicode}).doprint(obj)


def inline(expr: sp.Expr, unicode: bool = True) -> str:
    """One-line text for an expression: ``x^2·y`` (or SymPy's ``x**2*y`` with unicode off)."""
    return text(expr, unicode)


def format_number(v, digits: int = 6, latex: bool = False) -> str:
    r"""A number as a lecturer writes it: integers exactly, short fractions as fractions, the
    rest to ``digits`` significant digits (``1.23 \times 10^{-5}`` in LaTeX for tiny ones).

    >>> format_number(0.082167041, digits=9), format_number(1e-7, latex=True)
    ('0.082167041', '1 \\times 10^{-7}')
    """
    if isinstance(v, sp.Basic):
        if v.is_Integer:
            return str(int(v)) if abs(v) < 10**15 else format_number(float(v), digits, latex)
        if v.is_Rational and v.q < 1000 and abs(v.p) < 10**6:
            if latex:
                sign = "-" if v < 0 else ""
                return f"{sign}\\tfrac{{{abs(v.p)}}}{{{v.q}}}"
            return f"{v.p}/{v.q}"
        try:
            x = float(v)
        except (TypeError, OverflowError, ValueError):
            return sp.sstr(v)
    elif isinstance(v, bool):
        return str(v)
    elif isinstance(v, int):
        return str(v) if abs(v) < 10**15 else format_number(float(v), digits, latex)
    else:
        x = float(v)
    if not math.isfinite(x):
        return str(x)
    if x == 0:
        return "0"
    s = f"{x:.{digits}g}"
    if "e" in s:
        m, e = s.split("e")
        if latex:
            return f"{m} \\times 10^{{{int(e)}}}"
        return f"{m}e{int(e)}"
    return s
