r"""How large an expression is, counted without printing or rebuilding it.

``tree`` counts the nodes of the expression tree as it is printed (operators, functions, symbols
and numbers; a subexpression that appears twice counts twice); ``dag`` counts distinct
subexpressions (SymPy shares equal subtrees, so this is what sits in memory); ``cse`` counts the
operations left after :func:`sympy.cse`; ``latex_chars`` is the length of the LaTeX.
Both ``tree`` and ``dag`` come from one memoised walk over the shared graph of the expression, so
a tree of :math:`2^{60}` nodes is counted in milliseconds.

Examples
========
>>> import sympy as sp
>>> from symbackprop import size
>>> x, y = sp.symbols("x y")
>>> s = size(x*y + sp.sin(x*y))
>>> s.tree, s.dag
(8, 5)
>>> g = sp.Function("g")
>>> e = x
>>> for _ in range(60):
...     e = g(e, e)
>>> size(e).tree == 2**61 - 1, size(e).dag
(True, 61)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

import sympy as sp

__all__ = ["Size", "dag_size", "size", "tree_size"]


def tree_size(expr: sp.Basic, weights: Mapping[sp.Basic, int] | None = None,
              memo: dict | None = None) -> int:
    """Number of nodes of ``expr``'s tree; a subtree in ``weights`` counts as its weight.

    The walk is iterative (no recursion limit) and memoised on shared subtrees. ``weights``
    lets a symbol stand for the tree it would be replaced by, which estimates the size of a
    substitution before it is made.
    """
    weights = weights or {}
    memo = {} if memo is None else memo
    stack = [(expr, False)]
    while stack:
        e, ready = stack.pop()
        if e in memo:
            continue
        if e in weights:
            memo[e] = weights[e]
            continue
        args = e.args
        if not args:
            memo[e] = 1
        elif ready:
            memo[e] = 1 + sum(memo[a] for a in args)
        else:
            stack.append((e, True))
            stack.extend((a, False) for a in args if a not in memo)
    return memo[expr]


def dag_size(exprs: sp.Basic | Iterable[sp.Basic]) -> int:
    """Number of distinct subexpressions of one expression or of several together."""
    roots = [exprs] if isinstance(exprs, sp.Basic) else list(exprs)
    seen: set = set()
    stack = list(roots)
    while stack:
        e = stack.pop()
        if e in seen:
            continue
        seen.add(e)
        stack.extend(a for a in e.args if a not in seen)
    return len(seen)


def _cse_ops(exprs: list[sp.Expr]) -> int:
    replacements, reduced = sp.cse(exprs, order="none")
    return (sum(sp.count_ops(rhs) for _, rhs in replacements)
            + sum(sp.count_ops(r) for r in reduced))


@dataclass(frozen=True)
class Size:
    """Sizes of one expression (or of a list of expressions taken together)."""

    exprs: tuple[sp.Expr, ...] = field(repr=False)

    @cached_property
    def tree(self) -> int:
        """Nodes of the expression tree as printed (shared subtrees counted each time)."""
        memo: dict = {}
        return sum(tree_size(e, memo=memo) for e in self.exprs)

    @cached_property
    def dag(self) -> int:
        """Distinct subexpressions."""
        return dag_size(self.exprs)

    @cached_property
    def cse(self) -> int:
        """Operations (as :func:`sympy.count_ops` counts them) after :func:`sympy.cse`."""
        return _cse_ops(list(self.exprs))

    @cached_property
    def ops(self) -> int:
        """Operations of the tree as printed, without sharing (:func:`sympy.count_ops`)."""
        return sum(sp.count_ops(e) for e in self.exprs)

    @cached_property
    def latex_chars(self) -> int:
        """Characters of the LaTeX form."""
        from .latex import latex
        return sum(len(latex(e)) for e in self.exprs)

    def __repr__(self) -> str:
        return f"Size(tree={self.tree}, dag={self.dag})"


def size(expr: sp.Expr | Iterable[sp.Expr]) -> Size:
    """Measure an expression (or several at once): ``.tree``, ``.dag``, ``.cse``, ``.latex_chars``.

    ``tree`` and ``dag`` are computed at once (cheap); ``cse``, ``ops`` and ``latex_chars`` when
    first asked for.

    Examples
    ========
    >>> import sympy as sp
    >>> x = sp.Symbol("x")
    >>> size((x + 1)**2).tree
    5
    """
    if isinstance(expr, sp.Basic):
        exprs = (expr,)
    else:
        exprs = tuple(sp.sympify(e, strict=True) for e in expr)
    return Size(exprs)
