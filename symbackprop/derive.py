r"""Derivatives of a graph's output in three forms that are proven equal.

* :func:`expanded` substitutes every node into the output and differentiates once;
* :func:`chain` writes the multivariate chain rule as data: a sum over every path from the
  variable to the output of the product of local partial derivatives along the path;
* :func:`backprop` is the reverse sweep: every node's delta (its adjoint) is computed once, then
  reused by everything below it.

:func:`verify` checks the three against each other. The expanded and chain forms grow fast with
depth and width, so both estimate their size before building and refuse past a budget.

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
>>> sb.backprop(g).evaluate({x: -2, y: 5, z: -4})[x]
-4
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

import sympy as sp

from .errors import ExpressionTooLargeError, VerificationError
from .graph import Graph, ProgramSymbol
from .metrics import tree_size

__all__ = [
    "DEFAULT_BUDGET",
    "DELTA_NAME",
    "GRAD_NAME",
    "Chain",
    "Factor",
    "Path",
    "Program",
    "ProgramSymbol",
    "Step",
    "backprop",
    "chain",
    "delta_symbol",
    "estimate_expanded_size",
    "expanded",
    "grad_symbol",
    "local_partial",
    "verify",
]

DEFAULT_BUDGET = 200_000
"""Largest expression tree (in nodes) that the expanded and chain forms will build."""

DELTA_NAME = "delta_{}"
GRAD_NAME = "d{}_d{}"


def _display_name(g: Graph, name: str) -> str:
    """``name``, or with ``_`` appended until no symbol of the graph has it (for printing)."""
    while name in g:
        name += "_"
    return name


def delta_symbol(g: Graph, node) -> ProgramSymbol:
    """The program variable holding ∂output/∂node (printed ``delta_<node>``)."""
    s = g.symbol(node)
    out = g.output.name
    return ProgramSymbol(_display_name(g, DELTA_NAME.format(s.name)), "delta", s.name, out)


def grad_symbol(g: Graph, leaf) -> ProgramSymbol:
    """The program variable holding ∂output/∂leaf (printed ``d<output>_d<leaf>``)."""
    s = g.symbol(leaf)
    out = g.output.name
    return ProgramSymbol(_display_name(g, GRAD_NAME.format(out, s.name)), "grad", s.name, out)


# ---- shared pieces ----------------------------------------------------------------------------

def _diff(g: Graph, node, v: sp.Symbol) -> sp.Expr:
    """``sympy.diff`` of a node's expression, but a sum only differentiates its terms with ``v``.

    An affine node of a wide layer has one term per source; differentiating all of them for
    each weight would make building the program quadratic in the width. The index from symbol
    to terms is built once per node.
    """
    expr = node.expr
    if not expr.is_Add:
        return sp.diff(expr, v)
    index = g._cache.setdefault("terms", {})
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


def local_partial(g: Graph, child, parent) -> sp.Expr:
    r"""The local derivative :math:`\partial\,\mathrm{child}/\partial\,\mathrm{parent}` in neighbouring symbols.

    Where a node applies one function, the derivative is written in the node's own output, as a
    textbook does: for ``h = sigmoid(z)``, :math:`\partial h/\partial z = h(1-h)`.

    >>> import symbackprop as sb
    >>> g = sb.Graph(); z = g.inputs("z"); h = g.node("h", sb.sigmoid(z))
    >>> sb.local_partial(g, h, z)
    h*(1 - h)
    """
    cache = g._cache.setdefault("local", {})
    c, p = g.symbol(child), g.symbol(parent)
    key = (c, p)
    if key not in cache:
        d = _raw_partial(g, c, p)
        expr = g.definition(c).expr
        if isinstance(expr, (sp.Function, sp.core.function.AppliedUndef)):
            d = d.xreplace({expr: c})
        cache[key] = d
    return cache[key]


def _raw_partial(g: Graph, child: sp.Symbol, parent: sp.Symbol) -> sp.Expr:
    cache = g._cache.setdefault("raw_local", {})
    key = (child, parent)
    if key not in cache:
        cache[key] = _diff(g, g.definition(child), parent)
    return cache[key]


def _reaching(g: Graph, target: sp.Symbol) -> set[sp.Symbol]:
    """Symbols from which ``target`` can be reached (including itself)."""
    return g.ancestors(target) | {target}


def _substituted_sizes(g: Graph) -> dict[sp.Symbol, int]:
    """Tree size of every node with all nodes substituted, counted, not built."""
    cache = g._cache
    if "tsize" not in cache:
        sizes: dict[sp.Symbol, int] = {s: 1 for s in g.leaf_symbols}
        for node in g.nodes:
            sizes[node.symbol] = tree_size(node.expr, weights=sizes)
        cache["tsize"] = sizes
    return cache["tsize"]


def _full_substitution(g: Graph) -> dict[sp.Symbol, sp.Expr]:
    """Every node Symbol -> its expression in the leaves (built as a shared DAG)."""
    cache = g._cache
    if "full" not in cache:
        sub: dict[sp.Symbol, sp.Expr] = {}
        for node in g.nodes:
            sub[node.symbol] = node.expr.xreplace(sub)
        cache["full"] = sub
    return cache["full"]


def _check_budget(what: str, estimate: float, budget: float | None, hint: str) -> None:
    limit = DEFAULT_BUDGET if budget is None else budget
    if estimate > limit:
        raise ExpressionTooLargeError(what, estimate, limit, hint)


def _name(g: Graph, v: sp.Symbol) -> str:
    return f"∂{g.output.name}/∂{v.name}"


# ---- the expanded form ------------------------------------------------------------------------

def estimate_expanded_size(g: Graph, v) -> int:
    """Estimated tree size of :func:`expanded` ``(g, v)``, counted without building it.

    The derivative of a node is the sum over its parents of (local partial, substituted) times
    (the parent's derivative), which is how SymPy's ``diff`` builds it; memoised over the graph.
    """
    v = g.symbol(v)
    T = _substituted_sizes(g)
    up = _reaching(g, g.output)
    D: dict[sp.Symbol, int] = {v: 1}
    if v not in up:
        return 1
    below = g.ancestors(v)
    for node in g.nodes:
        s = node.symbol
        if s == v or s in below:
            continue
        total = 0
        for p in g.parents(s):
            if D.get(p, 0):
                total += tree_size(_raw_partial(g, s, p), weights=T) + D[p] + 1
        if total:
            D[s] = total + 1
    return D.get(g.output, 1)


def estimate_multiplied_out(expr: sp.Expr) -> tuple[int, int]:
    """(terms, tree size) of ``sympy.expand(expr)``, estimated by memoised counting.

    An upper bound: terms that would combine or cancel are counted separately.
    """
    memo: dict = {}
    stack = [(expr, False)]
    while stack:
        e, ready = stack.pop()
        if e in memo:
            continue
        if not e.args:
            memo[e] = (1, 1)
            continue
        if not ready:
            stack.append((e, True))
            stack.extend((a, False) for a in e.args if a not in memo)
            continue
        parts = [memo[a] for a in e.args]
        if e.is_Add:
            memo[e] = (sum(t for t, _ in parts), 1 + sum(s for _, s in parts))
        elif e.is_Mul or (e.is_Pow and e.exp.is_Integer and e.exp > 1):
            if e.is_Mul:
                factors = parts
            else:
                factors = [parts[0]] * int(min(e.exp, 10_000))
            terms = 1
            avg = 1.0
            for t, s in factors:
                terms *= t
                avg += s / t
            memo[e] = (terms, int(terms * avg) + (terms > 1))
        else:  # functions, non-integer powers: one term, their insides expanded
            memo[e] = (1, 1 + sum(s for _, s in parts))
    return memo[expr]


def expanded(g: Graph, v, multiply_out: bool = False, budget: float | None = None) -> sp.Expr:
    r"""The derivative of the output with respect to ``v`` with every node substituted: one
    expression in the leaves.

    ``v`` may be a leaf or a node (then the node is held fixed while differentiating, as its
    delta in backpropagation is, and its definition is substituted afterwards).
    ``multiply_out=True`` also expands products of sums. Past ``budget`` tree nodes (default
    :data:`DEFAULT_BUDGET`) it raises :class:`ExpressionTooLargeError` before building anything.

    Examples
    ========
    Seed 003: f(x, y) = 2x + 3xy + y³.

    >>> import symbackprop as sb
    >>> g = sb.parse_graph("f = 2*x + 3*x*y + y**3")
    >>> sb.expanded(g, "x"), sb.expanded(g, "y")
    (3*y + 2, 3*x + 3*y**2)
    """
    v = g.symbol(v)
    est = estimate_expanded_size(g, v)
    hint = (f"use chain(g, {v.name!r}) for the chain-rule form or backprop(g) for all gradients "
            "with shared deltas, or pass a larger budget=")
    _check_budget(f"the expanded derivative {_name(g, v)}", est, budget, hint)
    key = ("expanded", v)
    if key not in g._cache:
        out = g.output
        if v not in _reaching(g, out):
            result = sp.S.Zero
        elif g.is_leaf(v):
            result = sp.diff(_full_substitution(g)[out], v)
        else:
            # hold v fixed: substitute every node but v, differentiate, then substitute v
            sub: dict[sp.Symbol, sp.Expr] = {}
            for node in g.nodes:
                if node.symbol != v:
                    sub[node.symbol] = node.expr.xreplace(sub)
            d = sp.diff(sub[out] if out != v else out, v)
            result = d.xreplace({v: _full_substitution(g)[v]})
        g._cache[key] = result
    result = g._cache[key]
    if multiply_out:
        terms, est = estimate_multiplied_out(result)
        _check_budget(f"the multiplied-out derivative {_name(g, v)} ({terms:,} terms)",
                      est, budget, hint.replace("use chain", "leave it factored, or use chain"))
        result = sp.expand(result)
    return result


# ---- the chain form ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Factor:
    r"""One local derivative on a path: ``child`` depends directly on ``parent``.

    ``leibniz`` is the unevaluated :math:`\partial\,\mathrm{child}/\partial\,\mathrm{parent}`;
    ``local`` is its value in the neighbouring symbols (``h*(1 - h)`` for a sigmoid node);
    ``substituted`` is ``local`` with every node written out in the leaves.
    """

    child: sp.Symbol
    parent: sp.Symbol
    local: sp.Expr
    substituted: sp.Expr

    @property
    def leibniz(self) -> sp.Derivative:
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


def count_paths(g: Graph, v) -> int:
    """Number of paths from ``v`` to the output, counted without listing them."""
    v = g.symbol(v)
    n = {v: 1}
    for node in g.nodes:
        c = sum(n.get(p, 0) for p in g.parents(node.symbol))
        if c:
            n[node.symbol] = c
    return n.get(g.output, 1 if v == g.output else 0)


def estimate_chain_size(g: Graph, v) -> int:
    """Tree size of the chain form written out in the local symbols (all paths), not built."""
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


class Chain:
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

    def format(self, show=sp.sstr, d: str = "∂", dot: str = " · ",
               always_sum: bool = True) -> str:
        """Text: the Leibniz product of each path, its local factors, and their sum.

        ``show`` prints an expression; ``d`` and ``dot`` are the partial sign and the product
        sign (plain ASCII: ``d="d", dot=" * "``). With ``always_sum=False`` the last line is
        left out when it would repeat a single factor.
        """
        head = f"{d}{self.output.name}/{d}{self.wrt.name} = "
        pad = " " * (len(head) - 2) + "= "
        if not self.paths:
            return head + "0   (no path reaches the output)"

        def paren(e):
            s = show(e)
            return f"({s})" if (e.is_Add or s.startswith("-")) else s

        joiner = "\n" + " " * (len(head) - 2) + "+ "
        lines = [head + joiner.join(dot.join(f"{d}{f.child.name}/{d}{f.parent.name}"
                                             for f in p.factors) for p in self.paths)]
        lines.append(pad + joiner.join(dot.join(paren(f.local) for f in p.factors)
                                       for p in self.paths))
        if always_sum or len(self.paths) > 1 or len(self.paths[0].factors) > 1:
            lines.append(pad + show(self.local))
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.format()

    def _repr_latex_(self) -> str:
        from .latex import latex
        return f"$\\displaystyle {latex(self)}$"

    def __repr__(self) -> str:
        return f"<Chain ∂{self.output.name}/∂{self.wrt.name}: {len(self.paths)} path(s)>"


def chain(g: Graph, v, budget: float | None = None) -> Chain:
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
    v = g.symbol(v)
    est = estimate_chain_size(g, v)
    n = count_paths(g, v)
    _check_budget(f"the chain form of {_name(g, v)} ({n:,} paths)", est, budget,
                  "use backprop(g), which computes each delta once and shares it, "
                  "or pass a larger budget=")
    key = ("chain", v)
    if key not in g._cache:
        full = _full_substitution(g)
        out = g.output
        factor_cache: dict[tuple, Factor] = {}

        def factor(c, p):
            if (c, p) not in factor_cache:
                loc = local_partial(g, c, p)
                factor_cache[c, p] = Factor(c, p, loc, loc.xreplace(full))
            return factor_cache[c, p]

        paths: list[Path] = []
        reach = _reaching(g, out)
        stack = [(v, (v,))]
        while stack:  # depth first, children in graph order
            s, trail = stack.pop()
            if s == out:
                facs = tuple(factor(trail[i + 1], trail[i]) for i in reversed(range(len(trail) - 1)))
                paths.append(Path(trail, facs))
                continue
            for c in reversed(g.children(s)):
                if c in reach:
                    stack.append((c, (*trail, c)))
        g._cache[key] = Chain(g, v, tuple(paths))
    return g._cache[key]


# ---- the backprop program ---------------------------------------------------------------------

@dataclass(frozen=True)
class Step:
    """One assignment of the program: ``target = expr``.

    ``kind`` is ``"forward"`` (a node's value), ``"delta"`` (a node's adjoint) or ``"grad"`` (a
    leaf's gradient); ``of`` is the graph symbol it belongs to.
    """

    kind: str
    target: sp.Symbol
    expr: sp.Expr
    of: sp.Symbol

    def __str__(self) -> str:
        return f"{self.target.name} = {sp.sstr(self.expr)}"


class Program:
    """Backpropagation as an ordered program: forward values, one delta per node, gradients.

    Each delta is the sum over the node's children of (child's delta) x (local derivative), so
    it is computed once and reused by every symbol below it.
    """

    def __init__(self, graph: Graph, steps: tuple[Step, ...], zero: tuple[sp.Symbol, ...]):
        self.graph = graph
        self.output = graph.output
        self.steps = steps
        self._by_of = {(s.kind, s.of): s for s in steps}
        self.unreached = zero  # symbols the output does not depend on: gradient 0

    @property
    def forward(self) -> tuple[Step, ...]:
        return tuple(s for s in self.steps if s.kind == "forward")

    @property
    def deltas(self) -> tuple[Step, ...]:
        return tuple(s for s in self.steps if s.kind == "delta")

    @property
    def grads(self) -> tuple[Step, ...]:
        return tuple(s for s in self.steps if s.kind == "grad")

    def step_for(self, v) -> Step | None:
        """The delta (node) or grad (leaf) step of a symbol; None if it does not reach the output."""
        v = self.graph.symbol(v)
        kind = "grad" if self.graph.is_leaf(v) else "delta"
        return self._by_of.get((kind, v))

    def gradient(self, v, form: str = "leaves", budget: float | None = None) -> sp.Expr:
        """The gradient of the output with respect to a leaf or node.

        ``form="leaves"`` (default) writes it in the leaves, like :func:`expanded`;
        ``form="program"`` gives the step's right-hand side in the program's own symbols.
        """
        from .errors import UnknownNameError
        if form not in ("leaves", "program"):
            raise UnknownNameError("form", form, ("leaves", "program"))
        step = self.step_for(v)
        if step is None:
            return sp.S.Zero
        if form == "program":
            return step.expr
        est = self._leaves_sizes()[step.target]
        _check_budget(f"the backprop gradient {_name(self.graph, step.of)} written in the leaves",
                      est, budget, "use form='program' or evaluate(point) for numbers, "
                      "or pass a larger budget=")
        return self._in_leaves(step.target)

    def _leaves_sizes(self) -> dict[sp.Symbol, int]:
        if not hasattr(self, "_lsizes"):
            sizes = dict(_substituted_sizes(self.graph))
            for s in self.steps:
                if s.kind != "forward":
                    sizes[s.target] = tree_size(s.expr, weights=sizes)
            self._lsizes = sizes
        return self._lsizes

    def _in_leaves(self, target: sp.Symbol) -> sp.Expr:
        if not hasattr(self, "_leaves"):
            self._leaves: dict[sp.Symbol, sp.Expr] = dict(_full_substitution(self.graph))
        if target not in self._leaves:
            for s in self.steps:  # in order, so everything a step uses is already there
                if s.kind != "forward" and s.target not in self._leaves:
                    self._leaves[s.target] = s.expr.xreplace(self._leaves)
                if s.target == target:
                    break
        return self._leaves[target]

    @property
    def gradients(self) -> dict[sp.Symbol, sp.Expr]:
        """Every leaf Symbol -> its gradient written in the leaves (computed on first use)."""
        if not hasattr(self, "_grads"):
            self._grads = {s: self.gradient(s) for s in self.graph.leaf_symbols}
        return self._grads

    def evaluate(self, at: Mapping) -> dict[sp.Symbol, sp.Expr]:
        """Run the program at a point: every leaf and node Symbol -> its gradient value.

        Exact inputs give exact values; floats give floats.
        """
        values = self.graph.evaluate(at)
        env = dict(values)
        out: dict[sp.Symbol, sp.Expr] = {}
        for s in self.steps:
            if s.kind == "forward":
                continue
            env[s.target] = s.expr.xreplace(env)
            out[s.of] = env[s.target]
        for sym in self.unreached:
            out[sym] = sp.S.Zero
        return {sym: out[sym] for sym in self.graph.symbols}

    @property
    def n_steps(self) -> int:
        return len(self.steps)

    def __str__(self) -> str:
        blocks = []
        for kind, title in (("forward", "forward"), ("delta", "backward (deltas)"),
                            ("grad", "gradients")):
            lines = [f"  {s}" for s in self.steps if s.kind == kind]
            if lines:
                blocks.append(f"# {title}\n" + "\n".join(lines))
        return "\n".join(blocks)

    def __repr__(self) -> str:
        return (f"<Program {len(self.forward)} forward, {len(self.deltas)} delta, "
                f"{len(self.grads)} gradient steps>")

    def _repr_latex_(self) -> str:
        from .latex import latex
        return f"$\\displaystyle {latex(self)}$"


def backprop(g: Graph) -> Program:
    """All gradients of the output in one reverse sweep, as an ordered :class:`Program`.

    Examples
    ========
    >>> import symbackprop as sb
    >>> g = sb.parse_graph("q = x + y\\nf = q*z")
    >>> print(sb.backprop(g))
    # forward
      q = x + y
      f = q*z
    # backward (deltas)
      delta_f = 1
      delta_q = z
    # gradients
      df_dx = delta_q
      df_dy = delta_q
      df_dz = q
    """
    if "backprop" in g._cache:
        return g._cache["backprop"]
    out = g.output
    reach = _reaching(g, out)
    steps: list[Step] = [Step("forward", n.symbol, n.expr, n.symbol) for n in g.nodes]
    delta: dict[sp.Symbol, sp.Expr] = {}
    def adjoint(s: sp.Symbol) -> sp.Expr:
        terms = [delta[c] * local_partial(g, c, s) for c in g.children(s) if c in delta]
        return sp.Add(*terms)

    delta_out = delta_symbol(g, out)
    steps.append(Step("delta", delta_out, sp.S.One, out))
    delta[out] = sp.S.One  # seed: dL/dL = 1, written as a number so products stay clean
    for node in reversed(g.nodes):
        s = node.symbol
        if s == out or s not in reach:
            continue
        d = delta_symbol(g, s)
        steps.append(Step("delta", d, adjoint(s), s))
        delta[s] = d
    grads = [s for s in (*g.param_symbols, *g.input_symbols, *g.target_symbols) if s in reach]
    for s in grads:
        target = grad_symbol(g, s)
        steps.append(Step("grad", target, adjoint(s), s))
    unreached = tuple(s for s in g.symbols if s not in reach)
    prog = Program(g, tuple(steps), unreached)
    g._cache["backprop"] = prog
    return prog


# ---- verification -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Agreement:
    """One line of :func:`verify`'s report."""

    variable: sp.Symbol
    forms: tuple[str, ...]
    how: str  # "identical", "symbolic" or "at N random rational points"


def _random_point(g: Graph, rng: random.Random) -> dict[sp.Symbol, sp.Expr]:
    # rationals with small numerators, away from 0 so kinks (relu, abs, max) are not hit
    def r():
        num = rng.randint(1, 40) * rng.choice((-1, 1))
        return sp.Rational(num, rng.randint(7, 23))
    return {s: r() for s in g.leaf_symbols}


def _same_at(a: sp.Expr, b: sp.Expr) -> bool:
    d = a - b
    if d == 0:
        return True
    d = sp.expand(d)
    if d == 0:
        return True
    val = d.evalf(60)
    if val.is_number:
        scale = max(abs(sp.N(a, 60)), abs(sp.N(b, 60)), 1)
        return abs(val) <= sp.Float("1e-40", 60) * scale
    return sp.simplify(d) == 0


def verify(g: Graph, wrt=None, points: int = 3, seed: int = 0,
           budget: float | None = None) -> list[Agreement]:
    """Check that the expanded, chain and backprop forms agree for every leaf (or ``wrt``).

    Each pair is compared symbolically where SymPy can decide cheaply, otherwise exactly at
    ``points`` random rational points. Forms too large for the budget are left out of the
    comparison; if fewer than two remain for a variable, :class:`ExpressionTooLargeError` is
    raised. Raises :class:`VerificationError` at the first disagreement; returns a report.

    >>> import symbackprop as sb
    >>> report = sb.verify(sb.mlp([2, 2, 1], activation="sigmoid", naming="sequential"))
    >>> len(report), report[0].forms
    (12, ('expanded', 'chain', 'backprop'))
    """
    variables = list(g.leaf_symbols) if wrt is None else g.resolve(wrt)
    prog = backprop(g)
    rng = random.Random(seed)
    pts = [_random_point(g, rng) for _ in range(points)]
    evaluated = [prog.evaluate(p) for p in pts]
    report = []
    for v in variables:
        forms: dict[str, sp.Expr] = {}
        try:
            forms["expanded"] = expanded(g, v, budget=budget)
        except ExpressionTooLargeError:
            pass
        try:
            forms["chain"] = chain(g, v, budget=budget).doit()
        except ExpressionTooLargeError:
            pass
        try:
            forms["backprop"] = prog.gradient(v, budget=budget)
        except ExpressionTooLargeError:
            pass
        names = list(forms)
        if not names:
            raise ExpressionTooLargeError(f"every symbolic form of {_name(g, v)}",
                                          estimate_expanded_size(g, v),
                                          DEFAULT_BUDGET if budget is None else budget,
                                          "check the compiled gradient numerically instead")
        first = forms[names[0]]
        how = "identical"
        for other in names[1:]:
            e = forms[other]
            if e == first:
                continue
            if _cheap_symbolic_zero(first - e):
                how = "symbolic" if how == "identical" else how
                continue
            for p in pts:
                if not _same_at(first.xreplace(p), e.xreplace(p)):
                    raise VerificationError(
                        f"{names[0]} and {other} forms of {_name(g, v)} disagree at "
                        f"{ {k.name: v_ for k, v_ in p.items()} }:\n  {names[0]}: {first}\n"
                        f"  {other}: {e}")
            how = f"at {len(pts)} random rational points"
        # the backprop program run numerically must agree too
        for p, vals in zip(pts, evaluated):
            if not _same_at(first.xreplace(p), vals[v]):
                raise VerificationError(
                    f"{names[0]} form of {_name(g, v)} and the backprop program run at "
                    f"{ {k.name: v_ for k, v_ in p.items()} } disagree: "
                    f"{first.xreplace(p)} vs {vals[v]}")
        report.append(Agreement(v, tuple(names), how))
    return report


def _cheap_symbolic_zero(d: sp.Expr) -> bool:
    if d == 0:
        return True
    if tree_size(d) > 2_000:
        return False
    try:
        return sp.expand(d) == 0
    except Exception:  # noqa: BLE001 - any SymPy failure just means "not decided here"
        return False
