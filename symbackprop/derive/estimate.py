r"""How large a form will be, counted before it is built; the budgets that guard against it.

``tree_size`` counts the nodes of an expression tree as it is printed (a subexpression that
appears twice counts twice); ``dag_size`` counts distinct subexpressions (what SymPy keeps in
memory). Both walk the shared graph of the expression once, memoised, so a tree of
:math:`2^{60}` nodes is counted in milliseconds. The estimators count the expanded and chain
forms of a derivative from the graph alone, without building them, so a form past its budget
is refused at once with :class:`~symbackprop.ExpressionTooLargeError`.

Examples
========
>>> import sympy as sp
>>> x, y = sp.symbols("x y")
>>> tree_size(x*y + sp.sin(x*y)), dag_size(x*y + sp.sin(x*y))
(8, 5)
>>> g = sp.Function("g")
>>> e = x
>>> for _ in range(60):
...     e = g(e, e)
>>> tree_size(e) == 2**61 - 1, dag_size(e)
(True, 61)
"""

from __future__ import annotations

import math

import sympy as sp

from ..core.errors import ExpressionTooLargeError, InputTypeError, InvalidValueError, LimitError
from ..core.graph import MAX_FORM_DEPTH, Graph, require_graph
from ..core.types import SymbolLike
from .local import local_partial, raw_partial, substituted_depths, substituted_sizes
from .measure import dag_postorder, dag_size, tree_size

__all__ = [
    "DEFAULT_BUDGET",
    "MAX_FORM_DEPTH",
    "check_budget",
    "count_paths",
    "dag_size",
    "estimate_chain_size",
    "estimate_expanded_size",
    "estimate_multiplied_out",
    "tree_size",
]

DEFAULT_BUDGET = 200_000
"""Largest expression tree (in nodes) that the expanded and chain forms will build."""

def budget_value(budget: float | None) -> float:
    """The budget to use: :data:`DEFAULT_BUDGET` for ``None``; refuses NaN, negatives, non-numbers."""
    if budget is None:
        return DEFAULT_BUDGET
    if isinstance(budget, bool) or not isinstance(budget, (int, float)):
        raise InputTypeError(f"budget must be a number of nodes, not {type(budget).__name__}")
    if math.isnan(budget) or budget < 1:
        raise InvalidValueError(f"budget must be a positive number of nodes, not {budget!r}")
    return budget


def check_budget(what: str, estimate: float, budget: float | None, hint: str) -> None:
    """Raise :class:`ExpressionTooLargeError` if ``estimate`` is over the budget."""
    limit = budget_value(budget)
    if estimate > limit:
        raise ExpressionTooLargeError(what, estimate, limit, hint)


def _name(g: Graph, v: sp.Symbol) -> str:
    return f"∂{g.output.name}/∂{v.name}"


def count_paths(g: Graph, v: SymbolLike) -> int:
    """Number of paths from ``v`` to the output, counted without listing them."""
    require_graph(g, "count_paths")
    v = g.symbol(v)
    n = {v: 1}
    for node in g.nodes:
        c = sum(n.get(p, 0) for p in g.parents(node.symbol))
        if c:
            n[node.symbol] = c
    return n.get(g.output, 1 if v == g.output else 0)


def estimate_expanded_size(g: Graph, v: SymbolLike) -> int:
    """Estimated tree size of :func:`~symbackprop.expanded` ``(g, v)``, counted without building it.

    The derivative of a node is the sum over its parents of (local partial, substituted) times
    (the parent's derivative), which is how SymPy's ``diff`` builds it; memoised over the graph.
    """
    require_graph(g, "estimate_expanded_size")
    v = g.symbol(v)
    T = substituted_sizes(g)
    if not g.reaches_output(v):
        return 1
    D: dict[sp.Symbol, int] = {v: 1}
    below = g.ancestors(v)
    for node in g.nodes:
        s = node.symbol
        if s == v or s in below:
            continue
        total = 0
        for p in g.parents(s):
            if D.get(p, 0):
                total += tree_size(raw_partial(g, s, p), weights=T) + D[p] + 1
        if total:
            D[s] = total + 1
    return D.get(g.output, 1)


def check_expanded_depth(g: Graph, v: sp.Symbol, what: str) -> None:
    """Refuse forms nested so deeply that SymPy's recursive algorithms would fail on them."""
    depth = substituted_depths(g).get(g.output, 1)
    if depth > MAX_FORM_DEPTH:
        raise LimitError(
            f"{what} would be nested {depth:,} levels deep, past the limit of "
            f"{MAX_FORM_DEPTH}; use backprop(g), whose steps stay shallow")


def estimate_chain_size(g: Graph, v: SymbolLike) -> int:
    """Tree size of the chain form written out in the local symbols (all paths), not built."""
    require_graph(g, "estimate_chain_size")
    v = g.symbol(v)
    n: dict[sp.Symbol, int] = {v: 1}  # paths from v to each node
    s: dict[sp.Symbol, int] = {v: 0}  # total size of all partial products on those paths
    for node in g.nodes:
        c = node.symbol
        for p in g.parents(c):
            if n.get(p):
                w = tree_size(local_partial(g, c, p))
                n[c] = n.get(c, 0) + n[p]
                s[c] = s.get(c, 0) + s[p] + n[p] * (w + 1)
    return s.get(g.output, 0) + n.get(g.output, 0)


def estimate_multiplied_out(expr: sp.Expr) -> tuple[int, int]:
    """(terms, tree size) of ``sympy.expand(expr)``, estimated by memoised counting.

    An upper bound: terms that would combine or cancel are counted separately.
    """
    if not isinstance(expr, sp.Basic):
        raise InputTypeError(f"estimate_multiplied_out needs a SymPy expression, not "
                             f"{type(expr).__name__}")
    memo: dict = {}
    for e in dag_postorder(expr):
        if not e.args:
            memo[e] = (1, 1)
            continue
        parts = [memo[a] for a in e.args]
        if e.is_Add:
            memo[e] = (sum(t for t, _ in parts), 1 + sum(s for _, s in parts))
        elif e.is_Mul or (e.is_Pow and e.exp.is_Integer and e.exp > 1):
            factors = parts if e.is_Mul else [parts[0]] * int(min(e.exp, 10_000))
            terms = 1
            avg = 1.0
            for t, s in factors:
                terms *= t
                avg += s / t
            memo[e] = (terms, int(terms * avg) + (terms > 1))
        else:  # functions, non-integer powers: one term, their insides expanded
            memo[e] = (1, 1 + sum(s for _, s in parts))
    return memo[expr]
