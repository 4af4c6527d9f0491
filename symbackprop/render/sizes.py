"""Side-by-side sizes of the forms of one derivative: the student's "why not just expand?".

Examples
========
>>> import symbackprop as sb
>>> net = sb.mlp([2, 2, 1], activation="sigmoid", naming="sequential")
>>> t = sb.compare_sizes(net, "w1")
>>> [r.form for r in t.rows]  # doctest: +NORMALIZE_WHITESPACE
['expanded', 'expanded, multiplied out', 'chain (1 path)', 'backprop program (all 9 gradients)',
 'CSE of all 9 expanded gradients']
>>> t.row("chain (1 path)").tree < t.row("expanded").tree
True
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from functools import cached_property
from numbers import Integral
from pathlib import Path

import sympy as sp

from ..core.errors import (
    ExpressionTooLargeError,
    InputTypeError,
    InvalidValueError,
    LimitError,
    UnknownVariableError,
)
from ..core.graph import Graph, require_graph
from ..core.types import PathLike, SymbolLike
from ..derive import (
    backprop,
    chain,
    count_paths,
    estimate_chain_size,
    estimate_expanded_size,
    estimate_multiplied_out,
    expanded,
)
from ..derive.estimate import budget_value
from ..derive.measure import dag_size, tree_size
from .printer import check_print_depth, latex

__all__ = ["STUDY_BUDGET", "Size", "SizeRow", "SizeTable", "compare_sizes", "size", "size_study",
           "size_study_rows", "study_header", "study_row", "study_table"]



def _cse_ops(exprs: list[sp.Expr]) -> int:
    replacements, reduced = sp.cse(exprs, order="none")
    return (sum(sp.count_ops(rhs) for _, rhs in replacements)
            + sum(sp.count_ops(r) for r in reduced))


@dataclass(frozen=True)
class Size:
    """Sizes of one expression (or of a list of expressions taken together).

    ``tree``: nodes of the expression tree as printed (a subexpression that appears twice
    counts twice); ``dag``: distinct subexpressions (what SymPy keeps in memory); ``cse``:
    operations left after :func:`sympy.cse`; ``ops``: :func:`sympy.count_ops`;
    ``latex_chars``: characters of the LaTeX. ``tree`` and ``dag`` are cheap (one memoised
    walk, so a tree of 2^60 nodes is counted at once); the others are computed when asked for.
    """

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

    def _shallow(self, what: str) -> None:
        for e in self.exprs:
            check_print_depth(e, what)

    @cached_property
    def cse(self) -> int:
        """Operations (as :func:`sympy.count_ops` counts them) after :func:`sympy.cse`."""
        self._shallow("sympy.cse")
        return _cse_ops(list(self.exprs))

    @cached_property
    def ops(self) -> int:
        """Operations of the tree as printed, without sharing (:func:`sympy.count_ops`)."""
        self._shallow("sympy.count_ops")
        return sum(sp.count_ops(e) for e in self.exprs)

    @cached_property
    def latex_chars(self) -> int:
        """Characters of the LaTeX form."""
        self._shallow("the LaTeX printer")
        return sum(len(latex(e)) for e in self.exprs)

    def __repr__(self) -> str:
        return f"Size(tree={self.tree}, dag={self.dag})"


def size(expr: sp.Expr | Iterable[sp.Expr]) -> Size:
    """Measure an expression (or several at once): ``.tree``, ``.dag``, ``.cse``, ``.latex_chars``.

    Examples
    ========
    >>> import sympy as sp
    >>> x = sp.Symbol("x")
    >>> size((x + 1)**2).tree
    5
    >>> s = size(x*sp.Symbol("y") + sp.sin(x*sp.Symbol("y")))
    >>> s.tree, s.dag
    (8, 5)
    """
    if isinstance(expr, sp.Basic):
        if not isinstance(expr, sp.Expr):
            raise InputTypeError(f"size measures expressions, not a {type(expr).__name__}")
        return Size((expr,))
    if isinstance(expr, (str, bytes)) or not isinstance(expr, Iterable):
        raise InputTypeError(f"size measures SymPy expressions, not a {type(expr).__name__}; "
                             "build the expression with SymPy first")
    exprs = tuple(expr)
    for e in exprs:
        if not isinstance(e, sp.Expr):
            raise InputTypeError(f"size measures SymPy expressions, not a {type(e).__name__}")
    return Size(exprs)

CSE_LIMIT = 30_000  # largest tree handed to sympy.cse in a comparison (it is the slow column)


@dataclass(frozen=True)
class SizeRow:
    """One form's sizes; ``built`` is False where the tree size is an estimate, not a count."""

    form: str
    tree: int
    dag: int | None
    cse: int | None
    latex_chars: int | None
    built: bool = True


@dataclass(frozen=True)
class SizeTable:
    """The rows of :func:`compare_sizes`, printable as text or Markdown."""

    title: str
    rows: tuple[SizeRow, ...]

    def row(self, form: str) -> SizeRow:
        """The row of one form (its label as printed)."""
        for r in self.rows:
            if r.form == form:
                return r
        raise UnknownVariableError(form, [r.form for r in self.rows], where="this table")

    def as_dicts(self) -> list[dict]:
        """The rows as dicts (for pandas or CSV)."""
        return [asdict(r) for r in self.rows]

    def _cells(self) -> list[list[str]]:
        def f(v, exact=True):
            if v is None:
                return "-"
            return f"{v:,}" if exact else f"≈{v:.3g}" if v >= 1e6 else f"≈{v:,}"
        return [[r.form, f(r.tree, r.built), f(r.dag), f(r.cse), f(r.latex_chars)]
                for r in self.rows]

    _HEAD = ("form", "tree", "DAG", "after CSE (ops)", "LaTeX chars")

    def __str__(self) -> str:
        cells = [self._HEAD, *self._cells()]
        widths = [max(len(c[i]) for c in cells) for i in range(len(self._HEAD))]
        lines = [self.title]
        for k, c in enumerate(cells):
            lines.append("  ".join(c[0].ljust(widths[0]) if i == 0 else c[i].rjust(widths[i])
                                   for i in range(len(c))).rstrip())
            if k == 0:
                lines.append("  ".join("-" * w for w in widths))
        if any(not r.built for r in self.rows):
            lines.append("≈: estimated by counting; too large to build within the budget")
        return "\n".join(lines)

    def to_markdown(self) -> str:
        """The table in Markdown."""
        out = [f"**{self.title}**", "", "| " + " | ".join(self._HEAD) + " |",
               "|" + "---|" + "---:|" * (len(self._HEAD) - 1)]
        out += ["| " + " | ".join(c) + " |" for c in self._cells()]
        return "\n".join(out)


def compare_sizes(g: Graph, v: SymbolLike | None = None, budget: float | None = None,
                  cse_limit: int = CSE_LIMIT) -> SizeTable:
    """Sizes of the expanded, multiplied-out, chain and backprop forms of ∂output/∂v, side by side.

    ``v`` defaults to the first parameter (in an ``mlp``, a first-layer weight: the deepest).
    Forms past ``budget`` are not built: their tree size is estimated by counting and marked.
    """
    require_graph(g, "compare_sizes")
    if isinstance(cse_limit, bool) or not isinstance(cse_limit, int) or cse_limit < 0:
        raise InvalidValueError(f"cse_limit must be a whole number of tree nodes (0 or more), "
                                f"not {cse_limit!r}")
    budget = budget_value(budget)
    wrt = g.symbol((g.param_symbols or g.leaf_symbols)[0] if v is None else v)
    rows: list[SizeRow] = []

    def measured(form, expr, with_cse=True):
        s = size(expr)
        cse = s.cse if with_cse and s.tree <= cse_limit else None
        lat = s.latex_chars if s.tree <= budget else None
        return SizeRow(form, s.tree, s.dag, cse, lat)

    try:
        e = expanded(g, wrt, budget=budget)
        rows.append(measured("expanded", e))
        _, est = estimate_multiplied_out(e)
        if est <= budget:
            rows.append(measured("expanded, multiplied out", sp.expand(e)))
        else:
            rows.append(SizeRow("expanded, multiplied out", est, None, None, None, built=False))
    except LimitError:  # too large to build within the budget, or nested too deeply
        rows.append(SizeRow("expanded", estimate_expanded_size(g, wrt), None, None, None, False))
        rows.append(SizeRow("expanded, multiplied out", estimate_expanded_size(g, wrt),
                            None, None, None, built=False))

    n = count_paths(g, wrt)
    label = f"chain ({n:,} path{'s' if n != 1 else ''})"
    try:
        rows.append(measured(label, chain(g, wrt, budget=budget).local))
    except ExpressionTooLargeError:
        rows.append(SizeRow(label, estimate_chain_size(g, wrt), None, None, None, built=False))

    prog = backprop(g)
    grads = [s for s in g.param_symbols] or list(g.leaf_symbols)
    rhs = [s.expr for s in prog.steps]
    memo: dict = {}
    tree = sum(tree_size(r, memo=memo) + 2 for r in rhs)  # + target symbol and the assignment
    rows.append(SizeRow(f"backprop program (all {len(grads)} gradients)", tree, dag_size(rhs),
                        sum(sp.count_ops(r) for r in rhs), len(_program_latex(prog))))

    label = f"CSE of all {len(grads)} expanded gradients"
    ests = [estimate_expanded_size(g, p) for p in grads]
    exprs = None
    if sum(ests) <= cse_limit:
        try:
            exprs = [expanded(g, p, budget=budget) for p in grads]
        except LimitError:  # nested too deeply to build
            exprs = None
    if exprs is None:
        rows.append(SizeRow(label, sum(ests), None, None, None, built=False))
    else:
        s = size(exprs)
        rows.append(SizeRow(label, s.tree, s.dag, s.cse, None))
    title = f"Sizes of ∂{g.output.name}/∂{wrt.name}"
    return SizeTable(title, tuple(rows))


def _program_latex(prog) -> str:
    return latex(prog)


STUDY_COLUMNS = ("width", "depth", "params", "expanded_tree", "expanded_built", "expanded_dag",
                 "expanded_cse", "chain_paths", "chain_tree", "backprop_tree", "backprop_steps")

STUDY_BUDGET = 100_000
"""Most parameters, summed over its nets, that one size study builds: every net's backprop
program is built and measured, about a second per 1,500 parameters (``max_params=`` raises
it)."""


def _study_net(width: int, depth: int) -> list[int]:
    return [width] * (depth + 1) + [1]


def _plan_study(widths, depths, max_params) -> list[tuple[int, int, int]]:
    """(width, depth, parameters) of every net of the study, in order, each checked against
    the limits of :func:`~symbackprop.mlp` and their sum against ``max_params``: before any
    net is built."""
    from ..core.network import MAX_LAYERS, MAX_PARAMS, MAX_WIDTH

    def values(items, what: str) -> list[int]:
        if isinstance(items, (str, bytes)) or not isinstance(items, Iterable):
            raise InputTypeError(f"{what} must be a list of positive integers, not "
                                 f"{type(items).__name__}")
        out = list(items)
        for v in out:
            if isinstance(v, bool) or not isinstance(v, Integral) or v < 1:
                raise InvalidValueError(f"{what} must be positive integers; got {v!r}")
        if not out:
            raise InvalidValueError(f"{what} is empty; give at least one value")
        return [int(v) for v in out]

    ws, ds = values(widths, "widths"), values(depths, "depths")
    budget = STUDY_BUDGET if max_params is None else max_params
    if isinstance(budget, bool) or not isinstance(budget, (int, float)) \
            or not budget >= 1:  # "not >=" also refuses NaN
        raise InvalidValueError(f"max_params must be a positive number of parameters, not "
                                f"{budget!r}")
    deepest = MAX_LAYERS - 2  # the hidden layers, the input and the output
    for d in ds:
        if d > deepest:
            raise LimitError(f"depth {d} makes nets of {d + 2} layers ({d} hidden, the input "
                             f"and the output); mlp takes at most {MAX_LAYERS} layers, so the "
                             f"depth goes up to {deepest}")
    for w in ws:
        if w > MAX_WIDTH:
            raise LimitError(f"width {w} is past the limit of {MAX_WIDTH:,} neurons a layer")
    plan = []
    for d in ds:
        for w in ws:
            n = d * w * (w + 1) + w + 1
            if n > MAX_PARAMS:
                most = (MAX_PARAMS - w - 1) // (w * (w + 1))
                way = (f"with width {w} the depth goes up to {most}" if most >= 1 else
                       f"width {w} is too wide even with one hidden layer")
                raise LimitError(
                    f"width {w} and depth {d} make the net {'-'.join(map(str, _study_net(w, d)))}"
                    f" with {n:,} parameters; mlp takes at most {MAX_PARAMS:,} ({way})")
            plan.append((w, d, n))
    total = sum(n for _, _, n in plan)
    if total > budget:
        raise LimitError(
            f"the study builds {len(plan):,} nets with {total:,} parameters in all (about "
            f"{max(total // 1500, 1):,} s), past the limit of {budget:,.0f}; ask for fewer or "
            "narrower nets, or pass a larger max_params= (--max-params on the command line)")
    return plan


def size_study_rows(widths=range(1, 5), depths=range(1, 9), activation: str = "sigmoid",
                    loss: str = "half_se", budget: float = 5_000,
                    max_params: float | None = None,
                    progress: bool | None = None) -> Iterator[dict]:
    """The rows of :func:`size_study`, each yielded as soon as its net is measured.

    The whole study is checked before this returns: every net within the limits of
    :func:`~symbackprop.mlp`, the activation and loss known, and the parameters of all nets
    together within ``max_params`` (default :data:`STUDY_BUDGET`). ``progress`` shows a bar
    over the parameters (by default when standard error is a terminal and the study is long).

    >>> rows = size_study_rows(widths=[1, 2], depths=[1])
    >>> [(r["width"], r["params"]) for r in rows]
    [(1, 4), (2, 9)]
    """
    from ..core.network import mlp
    budget = budget_value(budget)
    plan = _plan_study(widths, depths, max_params)
    w, d, _ = plan[0]  # the first net, built now: a bad activation or loss fails at once
    first = mlp(_study_net(w, d), activation=activation, loss=loss)
    return _study_rows(plan, first, activation, loss, budget, progress)


def _study_rows(plan, first, activation, loss, budget, progress) -> Iterator[dict]:
    from ..core.network import mlp
    from ..core.progress import progress as show_progress
    total = sum(n for _, _, n in plan)
    with show_progress(total, "size study (parameters)", enabled=progress,
                       minimum=5_000) as bar:
        for i, (w, d, n) in enumerate(plan):
            net = first if i == 0 else mlp(_study_net(w, d), activation=activation, loss=loss)
            first = None
            yield _study_row(net, w, d, budget)
            bar.update(n)


def _study_row(net, w: int, d: int, budget: float) -> dict:
    v = net.param_symbols[0]
    est = estimate_expanded_size(net, v)
    row: dict[str, object] = {"width": w, "depth": d, "params": len(net.param_symbols)}
    e = None
    if est <= budget:
        try:
            e = expanded(net, v, budget=budget)
        except LimitError:  # nested too deeply to build: counted instead
            e = None
    if e is not None:
        s = size(e)
        row.update({"expanded_tree": s.tree, "expanded_built": True, "expanded_dag": s.dag,
                    "expanded_cse": s.cse if s.tree <= CSE_LIMIT else None})
    else:
        row.update({"expanded_tree": est, "expanded_built": False, "expanded_dag": None,
                    "expanded_cse": None})
    row["chain_paths"] = count_paths(net, v)
    row["chain_tree"] = estimate_chain_size(net, v)
    prog = backprop(net)
    memo: dict = {}
    row["backprop_tree"] = sum(tree_size(s.expr, memo=memo) + 2 for s in prog.steps)
    row["backprop_steps"] = len(prog.steps)
    return row


def size_study(widths=range(1, 5), depths=range(1, 9), activation: str = "sigmoid",
               loss: str = "half_se", budget: float = 5_000, max_params: float | None = None,
               progress: bool | None = None) -> list[dict]:
    """Sizes of ∂L/∂w for the first weight of nets with ``depth`` hidden layers of ``width``.

    The net is ``[width] * (depth + 1) + [1]``. Forms within ``budget`` are built and measured
    exactly; past it the expanded tree is counted (``expanded_built`` is False) and the chain's
    tree is counted over its paths, never built. The backprop program (all gradients) is always
    built: it grows linearly. The whole study is checked before any net is built (see
    :func:`size_study_rows`, which yields the rows as they come).

    >>> rows = size_study(widths=[2], depths=[1, 2, 3])
    >>> [r["expanded_tree"] > r["chain_tree"] for r in rows]
    [True, True, True]
    """
    return list(size_study_rows(widths, depths, activation=activation, loss=loss,
                                budget=budget, max_params=max_params, progress=progress))


_STUDY_HEAD = ("width", "depth", "params", "expanded tree", "expanded DAG", "chain paths",
               "chain tree", "backprop program")
_STUDY_WIDTHS = (5, 5, 7, 13, 12, 11, 11, 16)


def _study_cells(r: dict) -> list[str]:
    exp = f"{r['expanded_tree']:,}" if r["expanded_built"] else f"≈{r['expanded_tree']:.3g}"
    return [str(r["width"]), str(r["depth"]), f"{r['params']:,}", exp,
            f"{r['expanded_dag']:,}" if r["expanded_dag"] is not None else "-",
            f"{r['chain_paths']:,}", f"{r['chain_tree']:,}", f"{r['backprop_tree']:,}"]


def study_header() -> str:
    """The head of the size study's table, for rows printed as they come (:func:`study_row`)."""
    cells = [h.rjust(w) for h, w in zip(_STUDY_HEAD, _STUDY_WIDTHS, strict=True)]
    return "  ".join(cells) + "\n" + "  ".join("-" * w for w in _STUDY_WIDTHS)


def study_row(row: dict) -> str:
    """One row of the size study, in the columns of :func:`study_header`."""
    return "  ".join(c.rjust(w) for c, w in zip(_study_cells(row), _STUDY_WIDTHS, strict=True))


def study_table(rows: list[dict]) -> str:
    """The size study as an aligned text table (≈ marks counted, not built)."""
    head = list(_STUDY_HEAD)
    cells = [head] + [_study_cells(r) for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(head))]
    lines = ["  ".join(c[i].rjust(widths[i]) for i in range(len(head))) for c in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def save_study_csv(rows: list[dict], path: PathLike, force: bool = False) -> Path:
    """Write the size study as CSV, atomically; an existing file needs ``force=True``."""
    import csv
    import io

    from ..io import write_text

    buf = io.StringIO()
    wr = csv.DictWriter(buf, fieldnames=STUDY_COLUMNS, lineterminator="\n")
    wr.writeheader()
    for r in rows:
        wr.writerow({k: r[k] for k in STUDY_COLUMNS})
    return write_text(path, buf.getvalue(), force=force)
