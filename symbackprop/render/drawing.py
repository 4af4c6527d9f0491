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

from ..core.errors import InputTypeError, InvalidValueError, LimitError, UnknownVariableError
from ..core.graph import Graph
from ..core.network import Network
from ..core.types import PathLike, Point, SymbolLike
from ..derive import backprop, local_partial
from .plain import format_number, inline
from .plot import check_figsize, check_figure_path, new_figure, save_figure
from .printer import latex

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["DPI", "draw"]

DPI = 110
"""Resolution of the drawings (dots per inch)."""


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


def _numbers(g: Graph, at, grads: bool):
    """Every symbol's value, and its gradient when asked, at the point (or None, None)."""
    if at is None:
        return None, None
    point = g.full_point(at)
    return g.evaluate(point), backprop(g).evaluate(point) if grads else None


def _short(x) -> str:
    if isinstance(x, sp.Basic) and x.is_number:
        return format_number(x, digits=4)
    s = inline(x)
    return s if len(s) <= 18 else s[:16] + "…"


def draw(graph: Graph, at: Point | None = None, grads: bool = True,
         highlight: SymbolLike | None = None, path: PathLike | None = None,
         figsize: tuple[float, float] | None = None, force: bool = False) -> Figure:
    """Draw ``graph`` as a left-to-right circuit; return the matplotlib Figure.

    A network from :func:`~symbackprop.mlp` is drawn as a neural network: one circle per neuron
    (its pre-activation and activation together), layer by layer, weights named on the edges,
    and beside the drawing a table of every weight and bias with its value and gradient (when
    more than four edges join two layers, only the table names them, so nothing overlaps).

    With ``at`` (every leaf's value) the nodes show their forward values (black) and, if
    ``grads``, their gradients ∂L/∂node (red), and the edges show the local derivatives' values;
    without it the edges show the local derivatives symbolically. ``highlight`` (a variable)
    marks every path from it to the output. ``path`` saves the figure (PNG, SVG or PDF).
    """
    if not isinstance(graph, Graph):
        raise InputTypeError(f"draw needs a Graph or a network, not {type(graph).__name__}; "
                             "read a text graph with parse_graph first")
    for what, value in (("grads", grads), ("force", force)):
        if not isinstance(value, bool):
            raise InputTypeError(f"{what} must be True or False, not {value!r}")
    if highlight is not None:
        _check_highlight(graph, highlight)
    if figsize is not None:
        figsize = check_figsize(figsize, DPI)
    if path is not None:
        check_figure_path(path, force)
    if not graph.nodes:
        raise InvalidValueError("the graph has no nodes to draw; define one with g.node(...)")
    # drawn to a file, the figure is not held by pyplot: drawings made in a loop never pile up
    if isinstance(graph, Network):
        fig = _draw_network(graph, at, grads, highlight, figsize, path is None)
    else:
        fig = _draw_graph(graph, at, grads, highlight, figsize, path is None)
    if path is not None:
        save_figure(fig, path, force)
    return fig


def _check_highlight(g: Graph, highlight) -> None:
    if not isinstance(highlight, (str, sp.Symbol)):
        raise InputTypeError(f"highlight must be a variable's name or Symbol, not "
                             f"{type(highlight).__name__} {highlight!r}")
    if highlight not in g:
        raise UnknownVariableError(highlight.name if isinstance(highlight, sp.Symbol)
                                   else highlight, [s.name for s in g.symbols],
                                   where="the graph, so it cannot be highlighted")


def _figure(size: tuple[float, float], given: bool, shown: bool):
    """A new figure of ``size`` inches; a drawing too big for one is refused before it is made."""
    if not given:
        try:
            size = check_figsize(size, DPI, "the drawing")
        except LimitError as e:
            raise LimitError(f"{e}; draw a smaller graph or give a smaller figsize") from None
    return new_figure(size, DPI, shown)


def _draw_graph(g: Graph, at, grads: bool, highlight, figsize, shown: bool):
    from matplotlib.patches import FancyBboxPatch
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
    values, grads_v = _numbers(g, at, grads)
    on_path: set[tuple[sp.Symbol, sp.Symbol]] = set()
    if highlight is not None:
        v = g.symbol(highlight)
        reach_out = g.ancestors(g.output) | {g.output}
        below_v = g.descendants(v) | {v}
        for n in g.nodes:
            for p in g.parents(n.symbol):
                if p in below_v and n.symbol in below_v and n.symbol in reach_out:
                    on_path.add((p, n.symbol))
    fig = _figure(figsize or (max(5.0, 2.6 * (depth + 1)), max(3.0, 1.5 * tallest + 1)),
                  figsize is not None, shown)
    ax = fig.add_subplot()
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
        if not g.is_leaf(s):  # the node's operation, above its box: what the gate computes
            op = _short(g.definition(s).expr).replace("Max(", "max(").replace("Min(", "min(")
            ax.text(x, y + 0.38, f"= {op}", ha="center", va="bottom", fontsize=8,
                    color="#555555")
        if values is not None:
            ax.text(x, y - 0.15, _short(values[s]), ha="center", va="center", fontsize=8)
        if grads_v is not None:
            ax.text(x, y - 0.45, _short(grads_v[s]), ha="center", va="center", fontsize=8,
                    color="#c0392b")
    ax.set_xlim(-1.1, depth * 3.2 + 1.1)
    ys = [y for _, y in pos.values()]
    ax.set_ylim(min(ys) - 0.8, max(ys) + 0.75)
    title = f"forward values (black), gradients ∂{g.output.name}/∂· (red)" if grads_v else (
        "forward values" if values is not None else "each node's operation above it")
    edges = ("blue on each edge u → v: the local derivative ∂v/∂u"
             + (" at this point" if values is not None else ""))
    ax.set_title(f"{title}\n{edges}", fontsize=9)
    # the axes are hidden and fill the figure: fixed margins, no text measuring (tight_layout
    # measures every label, seconds for a deep net)
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=0.88)
    return fig


# ---- networks ------------------------------------------------------------------------------

MAX_EDGE_LABELS = 4
"""Most edges between two layers that are labelled on the drawing; more go to the table."""

MAX_LIST = 16
"""Most parameters listed one per row beside the drawing; more are shown as matrices."""


def _hot(net: Network, layers, highlight):
    """Edges (layer, source, target) and neurons (layer, j) on the paths from ``highlight``."""
    edges: set[tuple[int, int, int]] = set()
    nodes: set[tuple[int, int]] = set()
    if highlight is None:
        return edges, nodes
    v = net.symbol(highlight)
    meta = net.meta.get(v.name, {})
    start: set[tuple[int, int]] = set()
    if meta.get("role") == "weight":
        edges.add((meta["layer"], meta["k"] - 1, meta["j"] - 1))
        start.add((meta["layer"], meta["j"] - 1))
    elif meta.get("role") in ("bias", "preactivation", "activation", "prediction"):
        start.add((meta["layer"], meta["j"] - 1))
    elif meta.get("role") == "input":
        start.add((0, meta["j"] - 1))
    nodes |= start
    for l in range(len(layers) - 1):
        here = [j for (l0, j) in nodes if l0 == l]
        for j1 in here:
            for j2 in range(len(layers[l + 1])):
                edges.add((l + 1, j1, j2))
                nodes.add((l + 1, j2))
    return edges, nodes


def _draw_network(net: Network, at, grads: bool, highlight, figsize, shown: bool):
    from matplotlib.patches import Circle, FancyBboxPatch
    values, grads_v = _numbers(net, at, grads)
    layers = [list(net.input_symbols)] + [list(z) for z in net.preactivations]
    acts = [list(net.input_symbols)] + [list(h) for h in net.activations]
    n_layers = len(layers)
    tallest = max(len(col) for col in layers)
    dx, dy, r = 3.0, (1.9 if values is not None else 1.5), 0.42
    pos: dict[sp.Symbol, tuple[float, float]] = {}
    for l, col in enumerate(layers):
        for j, s in enumerate(col):
            pos[s] = (l * dx, ((len(col) - 1) / 2 - j) * dy)
    loss_x = n_layers * dx - 0.6
    hot_edges, hot_nodes = _hot(net, layers, highlight)
    crowded = {l: len(layers[l - 1]) * len(layers[l]) > MAX_EDGE_LABELS
               for l in range(1, n_layers)}
    side = values is not None  # a table of the parameters' numbers beside the drawing
    wide = len(net.param_symbols) > MAX_LIST
    w, h = figsize or (1.9 * n_layers + 1.8 + (4.6 if side and wide else 3.2 if side else 0),
                       max(3.2, (1.5 if values is not None else 1.2) * tallest + 1.4))
    fig = _figure((w, h), figsize is not None, shown)
    frac = 1.0 if not side else (1.9 * n_layers + 1.8) / w
    ax = fig.add_axes([0.01, 0.02, frac - 0.02, 0.88])
    ax.set_axis_off()
    label_box = {"boxstyle": "round,pad=0.12", "fc": "white", "ec": "#d6eaf8"}
    for l in range(1, n_layers):
        W = net.weights[l - 1]
        for j, tgt in enumerate(layers[l]):
            for k in range(len(acts[l - 1])):
                (x0, y0), (x1, y1) = pos[layers[l - 1][k]], pos[tgt]
                hot = (l, k, j) in hot_edges
                ax.annotate("", xy=(x1 - r, y1 + (y0 - y1) * r / dx),
                            xytext=(x0 + r, y0 + (y1 - y0) * r / dx),
                            arrowprops={"arrowstyle": "-|>", "lw": 2.6 if hot else 0.9,
                                        "color": "#e67e22" if hot else "#7f8c8d",
                                        "shrinkA": 0, "shrinkB": 0})
                if not crowded[l]:  # near the source, where the edges have parted
                    t = 0.22 if abs(y1 - y0) < 1e-9 else 0.36
                    ax.text(x0 + t * (x1 - x0) + 0.1, y0 + t * (y1 - y0),
                            f"${latex(W[j, k], graph=net)}$", fontsize=10, ha="center",
                            va="center", color="#1f618d", zorder=5, bbox=label_box)
    out = net.output
    ys = [y for _, y in pos.values()]
    number_box = {"boxstyle": "round,pad=0.08", "fc": "white", "ec": "none", "alpha": 0.9}
    for l, col in enumerate(layers):
        for j, s in enumerate(col):
            x, y = pos[s]
            hot = (l, j) in hot_nodes
            face = "#eaf2f8" if l == 0 else ("#e8f8f5" if l == n_layers - 1 else "#fdfefe")
            ax.add_patch(Circle((x, y), r, fc=face, ec="#e67e22" if hot else "#2c3e50",
                                lw=2.2 if hot else 1.2, zorder=3))
            ax.text(x, y, f"${latex(s, graph=net)}$", ha="center", va="center", fontsize=11,
                    zorder=4)
            lines = []
            if values is not None:
                hs = acts[l][j]
                lines.append((_short(values[s]) if hs == s else
                              f"{_short(values[s])} → {_short(values[hs])}", "#1c2833"))
                if grads_v is not None:
                    lines.append(((_short(grads_v[s]) if l == 0 else
                                   f"δ = {_short(grads_v[s])}"), "#c0392b"))
            elif l > 0:  # no numbers: the neuron's bias
                lines.append((f"$+\\,{latex(net.biases[l - 1][j], graph=net)}$", "#7d6608"))
            for i, (text, color) in enumerate(lines):
                ax.text(x, y - r - 0.12 - 0.3 * i, text, ha="center", va="top", fontsize=8,
                        color=color, zorder=6, bbox=number_box)
    ax.add_patch(FancyBboxPatch((loss_x - 0.45, -0.32), 0.9, 0.64, boxstyle="round,pad=0.05",
                                fc="#fdebd0", ec="#e67e22" if hot_nodes else "#2c3e50",
                                lw=2.2 if hot_nodes else 1.2))
    ax.text(loss_x, 0, f"${latex(out, graph=net)}$", ha="center", va="center", fontsize=12)
    if values is not None:
        ax.text(loss_x, -0.55, _short(values[out]), ha="center", va="top", fontsize=8)
    for j, s in enumerate(layers[-1]):
        x, y = pos[s]
        hot = (n_layers - 1, j) in hot_nodes
        ax.annotate("", xy=(loss_x - 0.47, 0), xytext=(x + r, y),
                    arrowprops={"arrowstyle": "-|>", "lw": 2.6 if hot else 0.9,
                                "color": "#e67e22" if hot else "#7f8c8d"})
    ts = ", ".join(f"${latex(t, graph=net)}$" + (f" = {_short(values[t])}" if values else "")
                   for t in net.target_symbols)
    ax.text(loss_x, 0.6, ts, ha="center", va="bottom", fontsize=8, color="#6c3483")
    ax.set_xlim(-0.7, loss_x + 0.8)
    ax.set_ylim(min(ys) - (1.3 if values is not None else 0.9), max(ys) + 0.8)
    ax.set_aspect("equal", adjustable="box")
    if side:
        tx = fig.add_axes([frac, 0.02, 0.99 - frac, 0.88])
        tx.set_axis_off()
        (_matrices if wide else _list)(tx, net, values, grads_v)
    title = ("values z → a(z) (black), gradients (red; δ = ∂E/∂z)" if grads_v
             else "forward values" if values is not None else "weights on the edges, biases below")
    if values is None and any(crowded.values()):
        title = "biases below the neurons"
    fig.suptitle(f"{'-'.join(map(str, net.layers))} network: {title}", fontsize=10, y=0.98)
    return fig


def _list(ax, net: Network, values, grads_v) -> None:
    """One row per parameter: name, value, gradient."""
    head = ["", "value"] + ([f"∂{net.output.name}/∂·"] if grads_v is not None else [])
    cells = []
    for s in net.param_symbols:
        row = [f"${latex(s, graph=net)}$", _short(values[s])]
        if grads_v is not None:
            row.append(_short(grads_v[s]))
        cells.append(row)
    tab = ax.table(cellText=cells, colLabels=head, loc="upper center", cellLoc="right",
                   colLoc="right", edges="horizontal")
    tab.auto_set_font_size(False)
    tab.set_fontsize(9)
    tab.scale(1.0, 1.25)


def _matrices(ax, net: Network, values, grads_v) -> None:
    """Each layer's weights and biases as a matrix [W | b], and their gradients beneath."""
    def num(v) -> str:
        return format_number(v, digits=2).rjust(6)

    blocks = []
    for l, (W, b) in enumerate(zip(net.weights, net.biases, strict=True), 1):
        rows = [" ".join(num(values[W[j, k]]) for k in range(W.cols)) + " │" + num(values[b[j]])
                for j in range(W.rows)]
        blocks.append((f"[W⁽{l}⁾ │ b⁽{l}⁾]", rows, "#1c2833"))
        if grads_v is not None:
            rows = [" ".join(num(grads_v[W[j, k]]) for k in range(W.cols)) + " │"
                    + num(grads_v[b[j]]) for j in range(W.rows)]
            blocks.append((f"∂{net.output.name}/∂[W⁽{l}⁾ │ b⁽{l}⁾]", rows, "#c0392b"))
    n_lines = sum(len(rows) + 1.6 for _, rows, _ in blocks)
    fig = ax.figure
    height_pt = ax.get_position().height * fig.get_figheight() * 72
    size = min(9.0, height_pt / (1.3 * n_lines))  # the largest font that fits every line
    step = 1.3 * size / height_pt  # one line, in axes coordinates
    y = 1.0
    for title, rows, color in blocks:
        ax.text(0.0, y, title, fontsize=size, va="top", ha="left", color=color,
                fontweight="bold", transform=ax.transAxes)
        y -= step * 1.2
        ax.text(0.0, y, "\n".join(rows), fontsize=size, va="top", ha="left", color=color,
                family="monospace", transform=ax.transAxes, linespacing=1.15)
        y -= step * (len(rows) * 1.15 + 0.5)
