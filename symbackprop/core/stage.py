r"""``stage(expr)``: a plain SymPy loss as a Graph of named intermediates.

Every function application becomes a node (``h1, h2, ...``) and every compound argument of one
becomes a node too (``z1, z2, ...``, the affine sums that feed activations); the whole
expression is the output node. Identical subexpressions become one node that feeds several
(fan-out). So the chain rule of the staged graph shows the real chain of the expression.
Subexpressions nested deeper than :data:`STAGE_DEPTH` are staged as ``s1, s2, ...`` too, so
any expression, however deep, becomes a graph of shallow nodes.

Examples
========
>>> import sympy as sp
>>> import symbackprop as sb
>>> w1, w2, b1, b2, x, t = sp.symbols("w1 w2 b1 b2 x t", real=True)
>>> L = (t - sp.tanh(w2*sp.tanh(w1*x + b1) + b2))**2 / 2
>>> g = sb.stage(L, params=[w1, w2, b1, b2], targets=[t])
>>> print(g)
inputs: x
params: w1, w2, b1, b2
targets: t
let z1 = b1 + w1*x
    h1 = tanh(z1)
    z2 = b2 + h1*w2
    h2 = tanh(z2)
    L = (-h2 + t)**2/2
in  L
>>> len(sb.chain(g, "w1").paths[0].factors)
5
"""

from __future__ import annotations

from collections.abc import Iterable

import sympy as sp
from sympy.core.function import Application

from .errors import InputTypeError, InvalidValueError
from .graph import Graph
from .names import canonical_name
from .types import SymbolLike

__all__ = ["STAGE_DEPTH", "stage"]

STAGE_DEPTH = 24
"""Deepest subexpression kept inside one node; deeper ones are staged as nodes of their own."""


def _symbols(items, what: str) -> list[sp.Symbol]:
    if items is None:
        return []
    if isinstance(items, (sp.Symbol, str)):
        items = [items]
    if not isinstance(items, Iterable):
        raise InputTypeError(f"{what} must be a list of Symbols, not {type(items).__name__}")
    out = []
    for s in items:
        if isinstance(s, str):
            s = sp.Symbol(s, real=True)
        if not isinstance(s, sp.Symbol):
            raise InputTypeError(f"{what} must be Symbols, not {s!r}")
        out.append(s)
    return out


def stage(expr: sp.Expr, params: Iterable[SymbolLike] | None = None,
          targets: Iterable[SymbolLike] | None = None,
          inputs: Iterable[SymbolLike] | None = None, output: str = "L",
          name: str | None = None) -> Graph:
    """Turn a plain SymPy expression into a :class:`Graph` of named intermediates.

    ``params`` and ``targets`` mark leaves (Symbols or names); every other free symbol is an
    input (in the order of ``inputs`` if given, else sorted by name). ``output`` names the
    output node. See the module docstring.
    """
    try:
        expr = sp.sympify(expr, strict=True)
    except sp.SympifyError:
        raise InputTypeError(f"stage needs a SymPy expression, not {type(expr).__name__}") \
            from None
    if not isinstance(expr, sp.Expr):
        raise InputTypeError(f"stage needs a SymPy expression, not {type(expr).__name__}")
    free = {canonical_name(s.name): s for s in expr.free_symbols}
    ps = _symbols(params, "params")
    ts = _symbols(targets, "targets")
    given = _symbols(inputs, "inputs")
    marked = [canonical_name(s.name) for s in [*ps, *ts, *given]]
    if len(set(marked)) != len(marked):
        raise InvalidValueError("a symbol is marked twice (as a param, target or input)")
    rest = sorted(n for n in free if n not in marked)
    g = Graph(name=name)
    ins = [canonical_name(s.name) for s in given] + rest
    if ins:
        g.inputs(ins)
    if ps:
        g.params([s.name for s in ps])
    if ts:
        g.targets([s.name for s in ts])
    taken = set(free) | set(marked) | {output}
    counters = {"z": 0, "h": 0, "s": 0}

    def fresh(prefix: str) -> str:
        while True:
            counters[prefix] += 1
            n = f"{prefix}{counters[prefix]}"
            if n not in taken:
                taken.add(n)
                return n

    own = {s: g.symbol(canonical_name(s.name)) for s in expr.free_symbols}
    staged: dict[sp.Expr, sp.Expr] = {}   # subexpression -> its replacement (a node or inline)
    depth: dict[sp.Expr, int] = {}
    arguments: dict[sp.Expr, sp.Symbol] = {}  # compound argument -> its z node
    def argument(a: sp.Basic) -> sp.Basic:
        """An argument of a function application: a compound expression becomes a node (one
        per distinct argument); a Piecewise's pair or a condition keeps its form, with the
        compound expressions inside it made nodes the same way."""
        if a.is_Atom:
            return a
        if not isinstance(a, sp.Expr):
            return a.func(*[argument(b) for b in a.args])
        if a not in arguments:
            arguments[a] = g.node(fresh("z"), a)
            depth[arguments[a]] = 1
        return arguments[a]

    stack = [(expr, False)]
    while stack:  # post-order, iteratively: children are staged before their parents
        e, ready = stack.pop()
        if e in staged:
            continue
        if e.is_Atom:
            staged[e] = own.get(e, e)
            depth[e] = 1
            continue
        if not ready:
            stack.append((e, True))
            stack.extend((a, False) for a in e.args if a not in staged)
            continue
        is_app = isinstance(e, Application) and e.args
        args = [argument(staged[a]) if is_app else staged[a] for a in e.args]
        rebuilt = e.func(*args)
        d = 1 + max((depth.get(a, 1) for a in args), default=0)
        # only expressions become nodes: never a Piecewise's (expression, condition) pair, a
        # condition such as x > 0, or a logical And/Or of conditions
        if is_app and e is not expr and isinstance(rebuilt, sp.Expr):
            rebuilt = g.node(fresh("h"), rebuilt)
            d = 1
        elif d > STAGE_DEPTH and e is not expr and isinstance(rebuilt, sp.Expr):
            rebuilt = g.node(fresh("s"), rebuilt)
            d = 1
        staged[e] = rebuilt
        depth[rebuilt] = d
    top = staged[expr]
    g.node(output, top)
    return g
