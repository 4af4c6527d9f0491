"""The backprop program: all gradients in one reverse sweep, each delta computed once.

Examples
========
>>> import symbackprop as sb
>>> g = sb.parse_graph("q = x + y\\nf = q*z")
>>> sb.backprop(g).evaluate({"x": -2, "y": 5, "z": -4})[g.symbol("x")]
-4
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from ..core.errors import StaleError, UnknownNameError
from ..core.graph import Graph, LatexRepr, ProgramSymbol, in_graph, print_expr, require_graph
from ..core.progress import progress
from ..core.types import Point, SymbolLike
from .cache import derivations
from .estimate import check_budget
from .local import full_substitution, local_partial, substituted_sizes
from .measure import tree_size

__all__ = ["DELTA_NAME", "GRAD_NAME", "Program", "Step", "backprop", "delta_symbol",
           "grad_symbol"]

DELTA_NAME = "delta_{}"
"""How a node's delta prints: ``delta_q`` holds ∂output/∂q."""
GRAD_NAME = "d{}_d{}"
"""How a leaf's gradient prints: ``df_dx`` holds ∂f/∂x."""


def _display_name(g: Graph, name: str) -> str:
    """``name``, or with ``_`` appended until no symbol of the graph has it (for printing)."""
    while name in g:
        name += "_"
    return name


def delta_symbol(g: Graph, node: SymbolLike) -> ProgramSymbol:
    """The program variable holding ∂output/∂node (printed ``delta_<node>``)."""
    require_graph(g, "delta_symbol")
    s = g.symbol(node)
    out = g.output.name
    return ProgramSymbol(_display_name(g, DELTA_NAME.format(s.name)), "delta", s.name, out)


def grad_symbol(g: Graph, leaf: SymbolLike) -> ProgramSymbol:
    """The program variable holding ∂output/∂leaf (printed ``d<output>_d<leaf>``)."""
    require_graph(g, "grad_symbol")
    s = g.symbol(leaf)
    out = g.output.name
    return ProgramSymbol(_display_name(g, GRAD_NAME.format(out, s.name)), "grad", s.name, out)


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


class Program(LatexRepr):
    """Backpropagation as an ordered program: forward values, one delta per node, gradients.

    Each delta is the sum over the node's children of (child's delta) x (local derivative), so
    it is computed once and reused by every symbol below it. A program belongs to one version
    of its graph: after the graph changes, using it raises :class:`~symbackprop.StaleError`.
    """

    def __init__(self, graph: Graph, steps: tuple[Step, ...], zero: tuple[sp.Symbol, ...]):
        self.graph = graph
        self.version = graph.version
        self.output = graph.output
        self.steps = steps
        self._by_of = {(s.kind, s.of): s for s in steps}
        self.unreached = zero  # symbols the output does not depend on: gradient 0
        self._lsizes: dict[sp.Symbol, int] | None = None
        self._leaves: dict[sp.Symbol, sp.Expr] | None = None
        self._grads: dict[sp.Symbol, sp.Expr] | None = None

    def _fresh(self) -> Graph:
        if self.graph.version != self.version:
            raise StaleError("the graph changed after this program was built; call "
                             "backprop(g) again")
        return self.graph

    @property
    def forward(self) -> tuple[Step, ...]:
        """The forward steps: every node's value."""
        return tuple(s for s in self.steps if s.kind == "forward")

    @property
    def deltas(self) -> tuple[Step, ...]:
        """The backward steps: one delta per node that reaches the output."""
        return tuple(s for s in self.steps if s.kind == "delta")

    @property
    def grads(self) -> tuple[Step, ...]:
        """The gradient steps: one per leaf that reaches the output."""
        return tuple(s for s in self.steps if s.kind == "grad")

    def step_for(self, v: SymbolLike) -> Step | None:
        """The delta (node) or grad (leaf) step of a symbol; None if it does not reach the output."""
        g = self._fresh()
        v = g.symbol(v)
        kind = "grad" if g.is_leaf(v) else "delta"
        return self._by_of.get((kind, v))

    def gradient(self, v: SymbolLike, form: str = "leaves",
                 budget: float | None = None) -> sp.Expr:
        """The gradient of the output with respect to a leaf or node.

        ``form="leaves"`` (default) writes it in the leaves, like :func:`expanded`;
        ``form="program"`` gives the step's right-hand side in the program's own symbols.
        """
        if form not in ("leaves", "program"):
            raise UnknownNameError("form", form, ("leaves", "program"))
        step = self.step_for(v)
        if step is None:
            return sp.S.Zero
        if form == "program":
            return step.expr
        est = self._leaves_sizes()[step.target]
        check_budget(f"the backprop gradient ∂{self.output.name}/∂{step.of.name} written in "
                     "the leaves", est, budget, "use form='program' or evaluate(point) for "
                     "numbers, or pass a larger budget=")
        return self._in_leaves(step.target)

    def _leaves_sizes(self) -> dict[sp.Symbol, int]:
        if self._lsizes is None:
            sizes = dict(substituted_sizes(self.graph))
            for s in self.steps:
                if s.kind != "forward":
                    sizes[s.target] = tree_size(s.expr, weights=sizes)
            self._lsizes = sizes
        return self._lsizes

    def _in_leaves(self, target: sp.Symbol) -> sp.Expr:
        if self._leaves is None:
            self._leaves = dict(full_substitution(self.graph))
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
        if self._grads is None:
            self._grads = {s: self.gradient(s) for s in self._fresh().leaf_symbols}
        return self._grads

    def evaluate(self, at: Point) -> dict[sp.Symbol, sp.Expr]:
        """Run the program at a point: every leaf and node Symbol -> its gradient value.

        Exact inputs give exact values; floats give floats.
        """
        g = self._fresh()
        env = g.evaluate(at)
        out: dict[sp.Symbol, sp.Expr] = {}
        for s in self.steps:
            if s.kind == "forward":
                continue
            env[s.target] = s.expr.xreplace(env)
            out[s.of] = env[s.target]
        for sym in self.unreached:
            out[sym] = sp.S.Zero
        return {sym: out[sym] for sym in g.symbols}

    @property
    def n_steps(self) -> int:
        """Number of assignments."""
        return len(self.steps)

    # ---- printing ---------------------------------------------------------------------------
    def _sympystr(self, printer) -> str:
        blocks = []
        for kind, title in (("forward", "forward"), ("delta", "backward (deltas)"),
                            ("grad", "gradients")):
            lines = [f"  {printer._print(s.target)} = {print_expr(printer, s.expr)}"
                     for s in self.steps if s.kind == kind]
            if lines:
                blocks.append(f"# {title}\n" + "\n".join(lines))
        return "\n".join(blocks)

    def _latex(self, printer) -> str:
        with in_graph(printer, self.graph):
            rows = [f"{printer._print(s.target)} &= {print_expr(printer, s.expr)}"
                    for s in self.steps]
        return "\\begin{aligned}" + " \\\\ ".join(rows) + "\\end{aligned}"

    def __str__(self) -> str:
        return sp.sstr(self)

    def __repr__(self) -> str:
        return (f"<Program {len(self.forward)} forward, {len(self.deltas)} delta, "
                f"{len(self.grads)} gradient steps>")


def backprop(g: Graph) -> Program:
    """All gradients of the output in one reverse sweep, as an ordered :class:`Program`.

    The sweep visits each node once and each edge once: its cost is linear in the graph.

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
    require_graph(g, "backprop")
    cache = derivations(g)
    if cache.program is not None:
        return cache.program
    out = g.output
    reach = g.ancestors(out) | {out}
    steps: list[Step] = [Step("forward", n.symbol, n.expr, n.symbol) for n in g.nodes]
    delta: dict[sp.Symbol, sp.Expr] = {}

    def adjoint(s: sp.Symbol) -> sp.Expr:
        terms = [delta[c] * local_partial(g, c, s) for c in g.children(s) if c in delta]
        return sp.Add(*terms)

    steps.append(Step("delta", delta_symbol(g, out), sp.S.One, out))
    delta[out] = sp.S.One  # seed: dL/dL = 1, written as a number so products stay clean
    with progress(len(g.nodes), "backprop", minimum=5_000) as bar:
        for node in reversed(g.nodes):
            bar.update(1)
            s = node.symbol
            if s == out or s not in reach:
                continue
            d = delta_symbol(g, s)
            steps.append(Step("delta", d, adjoint(s), s))
            delta[s] = d
    leaves = [s for s in (*g.param_symbols, *g.input_symbols, *g.target_symbols) if s in reach]
    for s in leaves:
        steps.append(Step("grad", grad_symbol(g, s), adjoint(s), s))
    unreached = tuple(s for s in g.symbols if s not in reach)
    cache.program = Program(g, tuple(steps), unreached)
    return cache.program
