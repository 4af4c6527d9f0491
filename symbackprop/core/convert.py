"""``as_sympy(expr)``: symbackprop's own functions rewritten into plain SymPy.

The generic activation ``a`` becomes ``sympy.Function("a")`` and its derivative ``a'(z)``
SymPy's ``Derivative`` (``Subs`` of one, for a compound argument), exactly as ``sympy.diff``
writes them; ``sigmoid(z)`` becomes ``1/(1 + exp(-z))``, ``relu(z)`` ``Max(0, z)``,
``softplus(z)`` ``log(1 + exp(z))``, and so on.

Examples
========
>>> import sympy as sp, symbackprop as sb
>>> net = sb.mlp([1, 1], activation="a", naming="sequential")
>>> w1, x1, b1, t = (net.symbol(n) for n in ("w1", "x1", "b1", "t"))
>>> a = sp.Function("a")
>>> E = (t - a(w1*x1 + b1))**2 / 2
>>> sp.expand((sb.as_sympy(sb.expanded(net, w1)) - sp.diff(E, w1)).doit())
0
"""

from __future__ import annotations

import sympy as sp

from .errors import InputTypeError

__all__ = ["as_sympy"]


def as_sympy(expr: sp.Basic) -> sp.Expr:
    """``expr`` with every symbackprop function replaced by its plain-SymPy form."""
    try:
        expr = sp.sympify(expr, strict=True)
    except sp.SympifyError:
        raise InputTypeError(f"as_sympy needs a SymPy expression, not {type(expr).__name__}") \
            from None
    return expr.replace(lambda e: isinstance(e, sp.Function) and hasattr(e, "_as_sympy"),
                        lambda e: e._as_sympy())
