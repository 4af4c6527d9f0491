"""Measures of one expression: tree size (as printed) and DAG size (distinct subexpressions).

Both walk the expression iteratively (no recursion limit) and memoise shared subtrees.

>>> import sympy as sp
>>> x = sp.Symbol("x")
>>> tree_size((x + 1)**2), dag_size((x + 1)**2)
(5, 5)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import sympy as sp

from ..core.graph import dag_postorder  # the one walk; the core's depth checks use it too

__all__ = ["dag_postorder", "dag_size", "tree_size"]


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


