"""The expanded form: substitute every node into the output, then differentiate once.

Examples
========
Seed 003: f(x, y) = 2x + 3xy + y³.

>>> import symbackprop as sb
>>> g = sb.parse_graph("f = 2*x + 3*x*y + y**3")
>>> sb.expanded(g, "x"), sb.expanded(g, "y")
(3*y + 2, 3*x + 3*y**2)
"""

from __future__ import annotations

import sympy as sp

from ..core.graph import MAX_FORM_DEPTH, Graph, require_graph
from ..core.types import SymbolLike
from .cache import derivations
from .estimate import (
    check_budget,
    check_expanded_depth,
    estimate_expanded_size,
    estimate_multiplied_out,
)
from .local import bind_derivatives, full_substitution, substituted_depths

__all__ = ["expanded"]


def _name(g: Graph, v: sp.Symbol) -> str:
    return f"∂{g.output.name}/∂{v.name}"


def expanded(g: Graph, v: SymbolLike, multiply_out: bool = False,
             budget: float | None = None) -> sp.Expr:
    r"""The derivative of the output with respect to ``v`` with every node substituted: one
    expression in the leaves.

    ``v`` may be a leaf or a node (then the node is held fixed while differentiating, as its
    delta in backpropagation is, and its definition is substituted afterwards).
    ``multiply_out=True`` also expands products of sums. Past ``budget`` tree nodes (default
    :data:`~symbackprop.DEFAULT_BUDGET`) it raises :class:`~symbackprop.ExpressionTooLargeError`
    before building anything.

    Examples
    ========
    >>> import symbackprop as sb
    >>> net = sb.mlp([1, 1, 1], activation="a", naming="sequential")
    >>> sb.expanded(net, "b2")
    -(t - a(b2 + w2*a(b1 + w1*x1)))*a'(b2 + w2*a(b1 + w1*x1))
    """
    require_graph(g, "expanded")
    v = g.symbol(v)
    hint = (f"use chain(g, {v.name!r}) for the chain-rule form or backprop(g) for all gradients "
            "with shared deltas, or pass a larger budget=")
    check_budget(f"the expanded derivative {_name(g, v)}", estimate_expanded_size(g, v), budget,
                 hint)
    cache = derivations(g).expanded
    if v not in cache:
        out = g.output
        if v == out:  # d(output)/d(output)
            result = sp.S.One
        elif not g.reaches_output(v):
            result = sp.S.Zero
        else:
            check_expanded_depth(g, v, f"the expanded derivative {_name(g, v)}")
            if g.is_leaf(v):
                result = sp.diff(full_substitution(g)[out], v)
            else:
                # hold v fixed: substitute every node but v, differentiate, then substitute v
                depths = substituted_depths(g)
                sub: dict[sp.Symbol, sp.Expr] = {}
                for node in g.nodes:
                    if node.symbol != v and depths[node.symbol] <= MAX_FORM_DEPTH:
                        sub[node.symbol] = node.expr.xreplace(sub)
                d = sp.diff(sub[out], v)
                result = bind_derivatives(d).xreplace({v: full_substitution(g)[v]})
        cache[v] = result
    result = cache[v]
    if multiply_out:
        terms, est = estimate_multiplied_out(result)
        check_budget(f"the multiplied-out derivative {_name(g, v)} ({terms:,} terms)", est,
                     budget, hint.replace("use chain", "leave it factored, or use chain"))
        result = sp.expand(result)
    return result
