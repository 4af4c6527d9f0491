r"""Local derivatives of a graph's nodes, and the nodes written out in the leaves.

The local derivative :math:`\partial\,\mathrm{child}/\partial\,\mathrm{parent}` is SymPy's
``diff`` of the child's definition, then written in the neighbouring symbols as a textbook
writes it: where the derivative contains a function application that a node of the graph
already computes from the same neighbours (the child itself, or a prediction beside it), that
node's symbol stands in for it. So a sigmoid node ``h = sigmoid(z)`` has
:math:`\partial h/\partial z = h(1-h)` and a loss on the logits has
:math:`\partial L/\partial z = \hat y - t`.

Derivatives of undefined functions (``sympy.Function("f")``) are written the way SymPy writes
them for non-symbol arguments, ``Subs(Derivative(f(ξ), ξ), ξ, z)``, with the bound variable a
``Dummy``; substituting a node into them then only moves the point, never the variable.
"""

from __future__ import annotations

import sympy as sp

from ..core.errors import LimitError
from ..core.graph import MAX_FORM_DEPTH, Graph, Node, require_graph, weighted_depth
from ..core.types import SymbolLike
from .cache import derivations
from .measure import tree_size

__all__ = ["bind_derivatives", "full_substitution", "local_partial", "raw_partial",
           "substituted_depths", "substituted_sizes"]


def bind_derivatives(expr: sp.Expr) -> sp.Expr:
    """Rewrite ``Derivative(e, v)`` with a symbol ``v`` as ``Subs(Derivative(e(ξ), ξ), ξ, v)``.

    >>> import sympy as sp
    >>> z = sp.Symbol("z")
    >>> d = bind_derivatives(sp.Function("a")(z).diff(z))
    >>> type(d).__name__, d.point
    ('Subs', (z,))
    """
    if not expr.has(sp.Derivative):
        return expr
    reps = {}
    for d in expr.atoms(sp.Derivative):
        if any(isinstance(a, sp.Subs) for a in sp.preorder_traversal(d)):
            continue
        variables = list(dict.fromkeys(v for v, _ in d.variable_count))
        if not all(isinstance(v, sp.Symbol) for v in variables):
            continue
        dummies = {v: sp.Dummy(f"xi_{v.name}") for v in variables}
        inner = sp.Derivative(d.expr.xreplace(dummies),
                              *[(dummies[v], k) for v, k in d.variable_count])
        reps[d] = sp.Subs(inner, tuple(dummies.values()), tuple(dummies))
    return expr.xreplace(reps)


def _diff(g: Graph, node: Node, v: sp.Symbol) -> sp.Expr:
    """``sympy.diff`` of a node's expression, but a sum only differentiates its terms with ``v``.

    An affine node of a wide layer has one term per source; differentiating all of them for
    each weight would make building the program quadratic in the width. The index from symbol
    to terms is built once per node.
    """
    expr = node.expr
    if not expr.is_Add:
        return sp.diff(expr, v)
    index = derivations(g).terms
    if node.name not in index:
        by_symbol: dict[sp.Symbol, list] = {}
        for a in expr.args:
            for s in a.free_symbols:
                by_symbol.setdefault(s, []).append(a)
        index[node.name] = by_symbol
    return sp.Add(*[_diff_term(a, v) for a in index[node.name].get(v, ())])


def _diff_term(a: sp.Expr, v: sp.Symbol) -> sp.Expr:
    if a == v:
        return sp.S.One
    if a.is_Mul:  # w*h: when v is a plain factor once and nowhere else, d/dv is the rest
        rest = [f for f in a.args if f != v]
        if len(rest) == len(a.args) - 1 and not any(v in f.free_symbols for f in rest):
            return sp.Mul(*rest)
    return sp.diff(a, v)


def raw_partial(g: Graph, child: SymbolLike, parent: SymbolLike) -> sp.Expr:
    """SymPy's ``diff`` of the child's definition with respect to the parent (cached)."""
    c, p = g.symbol(child), g.symbol(parent)
    cache = derivations(g).raw
    if (c, p) not in cache:
        cache[c, p] = bind_derivatives(_diff(g, g.definition(c), p))
    return cache[c, p]


def _function_nodes(g: Graph) -> dict[sp.Expr, sp.Symbol]:
    """Definition -> node symbol, for nodes that apply one function (first definition wins)."""
    d = derivations(g)
    if d.function_nodes is None:
        out: dict[sp.Expr, sp.Symbol] = {}
        for n in g.nodes:
            if isinstance(n.expr, sp.Function):
                out.setdefault(n.expr, n.symbol)
        d.function_nodes = out
    return d.function_nodes


def local_partial(g: Graph, child: SymbolLike, parent: SymbolLike) -> sp.Expr:
    r"""The local derivative :math:`\partial\,\mathrm{child}/\partial\,\mathrm{parent}` in neighbouring symbols.

    Where a node applies one function, the derivative is written in the node's own output, as a
    textbook does: for ``h = sigmoid(z)``, :math:`\partial h/\partial z = h(1-h)`.

    >>> import symbackprop as sb
    >>> g = sb.Graph(); z = g.inputs("z"); h = g.node("h", sb.sigmoid(z))
    >>> sb.local_partial(g, h, z)
    h*(1 - h)
    """
    require_graph(g, "local_partial")
    c, p = g.symbol(child), g.symbol(parent)
    cache = derivations(g).local
    if (c, p) not in cache:
        d = raw_partial(g, c, p)
        fn = _function_nodes(g)
        own = g.definition(c).expr
        neighbours = set(g.parents(c))
        reps = {}
        for e in d.atoms(sp.Function):
            s = c if e == own else fn.get(e)
            if s is not None and (s == c or e.free_symbols <= neighbours):
                reps[e] = s
        cache[c, p] = d.xreplace(reps) if reps else d
    return cache[c, p]


def full_substitution(g: Graph) -> dict[sp.Symbol, sp.Expr]:
    """Every node Symbol -> its expression in the leaves (built as a shared DAG).

    Written out, a chain of nodes nests one level a node; past :data:`MAX_FORM_DEPTH` levels
    SymPy's recursive algorithms fail on it, so a graph whose output (or a node it uses) would
    be nested deeper raises :class:`~symbackprop.LimitError`, counted before anything is built.
    """
    d = derivations(g)
    if d.full is None:
        depths = substituted_depths(g)
        if g.nodes:
            needed = g.ancestors(g.output) | {g.output}
            deepest = max((n.symbol for n in g.nodes if n.symbol in needed),
                          key=lambda s: depths[s])
            if depths[deepest] > MAX_FORM_DEPTH:
                raise LimitError(
                    f"written out in the leaves, {deepest.name!r} would be nested "
                    f"{depths[deepest]:,} levels deep, past the limit of {MAX_FORM_DEPTH}; use "
                    "the backprop program (backprop(g): gradient(v, form='program'), "
                    "evaluate(point) for numbers) or the chain form's local factors, whose "
                    "steps stay shallow")
        sub: dict[sp.Symbol, sp.Expr] = {}
        for node in g.nodes:
            if depths[node.symbol] <= MAX_FORM_DEPTH:  # deeper ones never reach the output
                sub[node.symbol] = node.expr.xreplace(sub)
        d.full = sub
    return d.full


def substituted_depths(g: Graph) -> dict[sp.Symbol, int]:
    """Depth of every node written out in the leaves, counted, not built."""
    d = derivations(g)
    if d.depths is None:
        depths: dict[sp.Symbol, int] = {s: 1 for s in g.leaf_symbols}
        for node in g.nodes:
            depths[node.symbol] = weighted_depth(node.expr, depths)
        d.depths = depths
    return d.depths


def substituted_sizes(g: Graph) -> dict[sp.Symbol, int]:
    """Tree size of every node with all nodes substituted, counted, not built."""
    d = derivations(g)
    if d.tree_sizes is None:
        sizes: dict[sp.Symbol, int] = {s: 1 for s in g.leaf_symbols}
        for node in g.nodes:
            sizes[node.symbol] = tree_size(node.expr, weights=sizes)
        d.tree_sizes = sizes
    return d.tree_sizes
