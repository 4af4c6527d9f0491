"""What has been derived from one version of a graph, computed once and shared.

Every derivation of a graph (local partials, the substitution of nodes into leaves, expanded
forms, chains, the backprop program, a network's matrix form) is kept in one :class:`Derivations` object per graph.
When the graph changes (its :attr:`~symbackprop.Graph.version` grows), the next request starts
a fresh one, so nothing stale is ever handed out.
"""

from __future__ import annotations

import weakref
from typing import Any

import sympy as sp

from ..core.graph import Graph

__all__ = ["Derivations", "derivations"]


class Derivations:
    """The derivation cache of one version of one graph."""

    def __init__(self, graph: Graph):
        self.version = graph.version
        self.raw: dict[tuple[sp.Symbol, sp.Symbol], sp.Expr] = {}     # sympy.diff of a node
        self.local: dict[tuple[sp.Symbol, sp.Symbol], sp.Expr] = {}   # in neighbouring symbols
        self.terms: dict[str, dict[sp.Symbol, list[sp.Expr]]] = {}     # sum terms by symbol
        self.full: dict[sp.Symbol, sp.Expr] | None = None              # nodes in the leaves
        self.tree_sizes: dict[sp.Symbol, int] | None = None            # of ``full``, counted
        self.depths: dict[sp.Symbol, int] | None = None                # of ``full``, counted
        self.function_nodes: dict[sp.Expr, sp.Symbol] | None = None    # f(z) -> its node
        self.expanded: dict[sp.Symbol, sp.Expr] = {}
        self.chains: dict[sp.Symbol, Any] = {}
        self.program: Any = None
        self.matrix: Any = None  # a network's matrix form


_CACHES: weakref.WeakKeyDictionary[Graph, Derivations] = weakref.WeakKeyDictionary()


def derivations(g: Graph) -> Derivations:
    """The cache of ``g`` for its current version."""
    d = _CACHES.get(g)
    if d is None or d.version != g.version:
        d = _CACHES[g] = Derivations(g)
    return d
