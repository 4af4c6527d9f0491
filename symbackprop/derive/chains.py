r"""The chain form: the multivariate chain rule as a sum over paths of products of local
derivatives.

Examples
========
Seed 001's circuit f = (x + y) z:

>>> import symbackprop as sb
>>> g = sb.Graph()
>>> x, y, z = g.inputs("x y z")
>>> q = g.node("q", x + y)
>>> f = g.node("f", q * z)
>>> print(sb.chain(g, x))
∂f/∂x = ∂f/∂q · ∂q/∂x
      = z · 1
      = z
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import sympy as sp

from ..core.graph import Graph, LatexRepr, in_graph, require_graph
from ..core.types import SymbolLike
from .cache import derivations
from .estimate import check_budget, count_paths, estimate_chain_size
from .local import full_substitution, local_partial

__all__ = ["Chain", "Factor", "Path", "chain"]


@dataclass(frozen=True)
class Factor:
    r"""One local derivative on a path: ``child`` depends directly on ``parent``.

    ``leibniz`` is the unevaluated :math:`\partial\,\mathrm{child}/\partial\,\mathrm{parent}`;
    ``local`` is its value in the neighbouring symbols (``h*(1 - h)`` for a sigmoid node);
    ``substituted`` is ``local`` with every node written out in the leaves, built when first
    asked for (a long chain of nodes is too deep to write out: then it raises
    :class:`~symbackprop.LimitError`, while the local factors still work).
    """

    child: sp.Symbol
    parent: sp.Symbol
    local: sp.Expr
    graph: Graph = field(repr=False, compare=False)

    @cached_property
    def substituted(self) -> sp.Expr:
        """``local`` with every node written out in the leaves."""
        return self.local.xreplace(full_substitution(self.graph))

    @property
    def leibniz(self) -> sp.Derivative:
        """The unevaluated ``Derivative(child, parent)``."""
        return sp.Derivative(self.child, self.parent, evaluate=False)

    def __str__(self) -> str:
        return f"∂{self.child.name}/∂{self.parent.name}"


@dataclass(frozen=True)
class Path:
    """One path from the variable to the output; ``symbols`` run from the variable upward."""

    symbols: tuple[sp.Symbol, ...]
    factors: tuple[Factor, ...]  # from the output down to the variable, as written

    @property
    def local(self) -> sp.Expr:
        """The product of the local factors, in the neighbouring symbols."""
        return sp.Mul(*[f.local for f in self.factors])

    @property
    def substituted(self) -> sp.Expr:
        """The product of the factors, in the leaves."""
        return sp.Mul(*[f.substituted for f in self.factors])

    def __str__(self) -> str:
        return " · ".join(str(f) for f in self.factors)


class Chain(LatexRepr):
    r"""The chain rule for :math:`\partial\,\mathrm{output}/\partial v` as a sum over paths.

    ``paths`` lists every path; each has its factors (Leibniz form, local expression,
    substituted expression). ``doit()`` multiplies and adds them: the expanded derivative.
    """

    def __init__(self, graph: Graph, wrt: sp.Symbol, paths: tuple[Path, ...]):
        self.graph = graph
        self.wrt = wrt
        self.output = graph.output
        self.paths = paths

    @property
    def leibniz(self) -> sp.Expr:
        """The sum of products of unevaluated ``Derivative`` objects (SymPy orders the factors)."""
        return sp.Add(*[sp.Mul(*[f.leibniz for f in p.factors]) for p in self.paths])

    @property
    def local(self) -> sp.Expr:
        """The assembled sum of products in the neighbouring symbols."""
        return sp.Add(*[p.local for p in self.paths])

    def doit(self) -> sp.Expr:
        """The derivative in the leaves: multiply along every path, add over paths."""
        return sp.Add(*[p.substituted for p in self.paths])

    @cached_property
    def factors(self) -> tuple[Factor, ...]:
        """The distinct local factors over all paths, from the output downward."""
        seen: dict[tuple, Factor] = {}
        for p in self.paths:
            for f in p.factors:
                seen.setdefault((f.child, f.parent), f)
        return tuple(seen.values())

    def __len__(self) -> int:
        return len(self.paths)

    # ---- printing: through SymPy's printers (str, and LaTeX with symbackprop's printer) -------
    def _sympystr(self, printer) -> str:
        settings = getattr(printer, "_settings", {})
        d = settings.get("partial", "∂")
        dot = settings.get("dot", " · ")

        def frac(a, b):
            return f"{d}{printer._print(a)}/{d}{printer._print(b)}"

        head = frac(self.output, self.wrt) + " = "
        if not self.paths:
            return head + "0   (no path reaches the output)"
        if self.wrt == self.output:
            return head + "1   (the output itself)"
        pad = " " * (len(head) - 2) + "= "
        joiner = "\n" + " " * (len(head) - 2) + "+ "

        def paren(e):
            s = printer._print(e)
            return f"({s})" if (e.is_Add or s.startswith("-")) else s

        single = len(self.paths) == 1 and len(self.paths[0].factors) == 1
        lines = []
        if not single:
            lines.append(head + joiner.join(dot.join(frac(f.child, f.parent) for f in p.factors)
                                            for p in self.paths))
        lines.append((head if single else pad)
                     + joiner.join(dot.join(paren(f.local) for f in p.factors)
                                   for p in self.paths))
        if not single:
            lines.append(pad + printer._print(self.local))
        return "\n".join(lines)

    def _latex(self, printer) -> str:
        with in_graph(printer, self.graph):
            head = printer._print(sp.Derivative(self.output, self.wrt, evaluate=False))
            if not self.paths:
                return f"{head} = 0"
            if self.wrt == self.output:
                return f"{head} = 1"
            leib = " + ".join(" ".join(printer._print(f.leibniz) for f in path.factors)
                              for path in self.paths)
            local = printer._print(self.local)
        if leib in (local, head):  # one factor: its Leibniz form is the head itself
            return f"{head} = {local}"
        return f"{head} = {leib} = {local}"

    def __str__(self) -> str:
        return sp.sstr(self)

    def __repr__(self) -> str:
        return f"<Chain ∂{self.output.name}/∂{self.wrt.name}: {len(self.paths)} path(s)>"


def chain(g: Graph, v: SymbolLike, budget: float | None = None) -> Chain:
    r"""The chain rule for :math:`\partial L/\partial v` as a sum over paths of products of
    local derivatives.

    Examples
    ========
    Seed 004's 2-2-1 net: w1 reaches E by one path.

    >>> import symbackprop as sb
    >>> net = sb.mlp([2, 2, 1], activation="a", naming="sequential")
    >>> c = sb.chain(net, "w1")
    >>> print(c.paths[0])
    ∂E/∂a_y · ∂a_y/∂y · ∂y/∂a_h1 · ∂a_h1/∂h1 · ∂h1/∂w1
    >>> c.local
    w5*x1*(a_y - t)*a'(h1)*a'(y)
    """
    require_graph(g, "chain")
    v = g.symbol(v)
    n = count_paths(g, v)
    check_budget(f"the chain form of ∂{g.output.name}/∂{v.name} ({n:,} paths)",
                 estimate_chain_size(g, v), budget,
                 "use backprop(g), which computes each delta once and shares it, "
                 "or pass a larger budget=")
    cache = derivations(g).chains
    if v not in cache:
        out = g.output
        factor_cache: dict[tuple, Factor] = {}

        def factor(c, p):
            if (c, p) not in factor_cache:
                factor_cache[c, p] = Factor(c, p, local_partial(g, c, p), g)
            return factor_cache[c, p]

        paths: list[Path] = []
        reach = g.ancestors(out) | {out}
        stack: list[tuple[sp.Symbol, tuple[sp.Symbol, ...]]] = [(v, (v,))]
        while stack:  # depth first, children in graph order
            s, trail = stack.pop()
            if s == out:
                facs = tuple(factor(trail[i + 1], trail[i])
                             for i in reversed(range(len(trail) - 1)))
                paths.append(Path(trail, facs))
                continue
            for c in reversed(g.children(s)):
                if c in reach:
                    stack.append((c, (*trail, c)))
        cache[v] = Chain(g, v, tuple(paths))
    return cache[v]
