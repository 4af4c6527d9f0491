"""Draw a graph: nodes with forward values, local derivatives on the edges, gradients on nodes.

Uses matplotlib (the optional extra ``plot``), headless; PNG, SVG or PDF by the file's ending.

Examples
========
>>> import symbackprop as sb
>>> g = sb.parse_graph("q = x + y\\nf = q*z")
>>> fig = sb.draw(g, at={"x": -2, "y": 5, "z": -4}, highlight="x")
>>> len(fig.axes[0].patches) >= 5
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sympy as sp

from ..core.graph import Graph
from ..core.types import PathLike, Point, SymbolLike
from ..derive import backprop, local_partial
from .plot import check_figure_path, pyplot, save_figure
from .printer import latex
from .text import format_number, inline

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["draw"]


def _levels(g: Graph) -> dict[sp.Symbol, int]:
    """Columns: a node one right of its last parent; a leaf one left of its first consumer."""
    level = {s: 0 for s in g.leaf_symbols}
    for n in g.nodes:
        level[n.symbol] = 1 + max((level[p] for p in g.parents(n.symbol)), default=0)
    for s in g.leaf_symbols:
        kids = g.children(s)
        if kids:
            level[s] = min(level[k] for k in kids) - 1
    return level


def _short(x) -> str:
    if isinstance(x, sp.Basic) and x.is_number:
        return format_number(x, digits=4)
    s = inline(x)
    return s if len(s) <= 18 else s[:16] + "…"


def draw(graph: Graph, at: Point | None = None, grads: bool = True,
         highlight: SymbolLike | None = None, path: PathLike | None = None,
         figsize: tuple[float, float] | None = None, force: bool = False) -> Figure:
    """Draw ``graph`` as a left-to-right circuit; return the matplotlib Figure.

    With ``at`` (every leaf's value) the nodes show their forward values (black) and, if
    ``grads``, their gradients ∂L/∂node (red), and the edges show the local derivatives' values;
    without it the edges show the local derivatives symbolically. ``highlight`` (a variable)
    marks every path from it to the output. ``path`` saves the figure (PNG, SVG or PDF).
    """
    if path is not None:
        check_figure_path(path, force)
    plt = pyplot()
    from matplotlib.patches import FancyBboxPatch
    g = graph
    level = _levels(g)
    by_level: dict[int, list[sp.Symbol]] = {}
    for s in g.symbols:
        by_level.setdefault(level[s], []).append(s)
    depth = max(by_level)
    tallest = max(len(v) for v in by_level.values())
    pos = {}
    for lv in sorted(by_level):
        syms = by_level[lv]
        for i, s in enumerate(syms):
            pos[s] = (lv * 3.2, (len(syms) - 1) / 2 - i)
    values = grads_v = None
    if at is not None:
        point = g.full_point(at)
        values = g.evaluate(point)
        if grads:
            grads_v = backprop(g).evaluate(point)
    on_path: set[tuple[sp.Symbol, sp.Symbol]] = set()
    if highlight is not None:
        v = g.symbol(highlight)
        reach_out = g.ancestors(g.output) | {g.output}
        below_v = g.descendants(v) | {v}
        for n in g.nodes:
            for p in g.parents(n.symbol):
                if p in below_v and n.symbol in below_v and n.symbol in reach_out:
                    on_path.add((p, n.symbol))
    w = figsize or (max(5.0, 2.6 * (depth + 1)), max(3.0, 1.5 * tallest + 1))
    fig, ax = plt.subplots(figsize=w, dpi=110)
    ax.set_axis_off()
    for n in g.nodes:
        c = n.symbol
        for p in g.parents(c):
            (x0, y0), (x1, y1) = pos[p], pos[c]
            hot = (p, c) in on_path
            ax.annotate("", xy=(x1 - 0.85, y1), xytext=(x0 + 0.85, y0),
                        arrowprops={"arrowstyle": "-|>", "lw": 2.4 if hot else 1.0,
                                    "color": "#e67e22" if hot else "#555555"})
            loc = local_partial(g, c, p)
            label = _short(loc.xreplace(values)) if values is not None else _short(loc)
            ax.text(x0 + 0.6 * (x1 - x0), y0 + 0.6 * (y1 - y0) + 0.1, label, fontsize=7, ha="center",
                    va="bottom", color="#1f618d",
                    bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.8})
    for s, (x, y) in pos.items():
        kind = g.kind(s)
        face = {"input": "#eaf2f8", "param": "#fef9e7", "target": "#f4ecf7"}.get(kind, "#ffffff")
        if s == g.output:
            face = "#e8f8f5"
        ax.add_patch(FancyBboxPatch((x - 0.8, y - 0.3), 1.6, 0.6,
                                    boxstyle="round,pad=0.05", fc=face, ec="#333333", lw=1))
        ax.text(x, y + (0.08 if values is not None else 0), f"${latex(s, graph=g)}$",
                ha="center", va="center", fontsize=10)
        if values is not None:
            ax.text(x, y - 0.15, _short(values[s]), ha="center", va="center", fontsize=8)
        if grads_v is not None:
            ax.text(x, y - 0.45, _short(grads_v[s]), ha="center", va="center", fontsize=8,
                    color="#c0392b")
    ax.set_xlim(-1.1, depth * 3.2 + 1.1)
    ys = [y for _, y in pos.values()]
    ax.set_ylim(min(ys) - 0.8, max(ys) + 0.6)
    title = f"forward values (black), gradients ∂{g.output.name}/∂· (red)" if grads_v else (
        "forward values" if values is not None else "local derivatives on the edges")
    ax.set_title(title, fontsize=9)
    # the axes are hidden and fill the figure: fixed margins, no text measuring (tight_layout
    # measures every label, seconds for a deep net)
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=0.93)
    if path is not None:
        save_figure(fig, path, force)
    return fig
