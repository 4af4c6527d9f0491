r"""TikZ figures for the notes: a network (layers, named weights, the point's values and deltas,
the derived weight's path highlighted) or a circuit (each node's operation, the forward value
above each wire and the gradient below it, as CS231n draws them).

The figures are plain TikZ (no library), written into the document so that they compile with
it and a lecturer can edit them. Each function returns the ``tikzpicture`` and its height in
points (the slides' frame budget uses it), or None when the graph is too large to draw legibly.
"""

from __future__ import annotations

import sympy as sp

__all__ = ["LABEL_BOX", "MAX_DRAWN", "circuit_tikz", "label_positions", "network_tikz"]

MAX_DRAWN = 6          # widest layer drawn; a wider network gets no figure
MAX_LABELLED = 16      # most weights labelled on their edges (more: only the highlighted ones)
MAX_NODES = 14         # most nodes and leaves in a drawn circuit
_CM = 28.45            # points per centimetre


def _pick(values: dict | None, s) -> str | None:
    return None if values is None else values.get(s)


def network_tikz(net, tex, values: dict | None, deltas: dict | None, highlight=(),
                 slides: bool = False, compact: bool = False) -> tuple[str, float] | None:
    """The network as TikZ: inputs on the left, one column per layer, the loss on the right.

    ``tex(symbol)`` prints a symbol; ``values`` and ``deltas`` map node symbols to the LaTeX
    of their numbers (None without a point); ``highlight``: weights whose edge and path to the
    loss are drawn thick.
    """
    layers = net.layers
    if max(layers) > MAX_DRAWN:
        return None
    cols = len(layers)
    dx = min(3.6, (10.5 if slides else 14.0) / cols)
    dy = 1.75 if slides else 1.9
    if compact:  # no numbers at the neurons (a problem sheet): a smaller picture
        dx, dy = min(dx, 2.6), 1.2
    top = max(layers)
    out = [(f"\\begin{{tikzpicture}}[x={dx:.2f}cm,y={dy:.2f}cm,>=stealth,"
            "neuron/.style={circle,draw,minimum size=8.5mm,inner sep=0pt},"
            "w/.style={font=\\scriptsize,fill=white,inner sep=1pt},"
            "v/.style={font=\\scriptsize,fill=white,inner sep=1pt}]")]

    def y(l, j):
        return (layers[l] - 1) / 2 - (j - 1)

    names = {}
    for j, x in enumerate(net.input_symbols, 1):
        names[(0, j)] = f"n0_{j}"
        v = _pick(values, x)
        lab = f",label={{[v]above:${v}$}}" if v is not None else ""
        out.append(f"\\node[neuron{lab}] (n0_{j}) at (0,{y(0, j):.2f}) {{${tex(x)}$}};")
    hot_neurons: set[tuple[int, int]] = set()
    hot_edges: set[tuple[tuple[int, int], tuple[int, int]]] = set()
    for l, W in enumerate(net.weights, 1):
        for j in range(1, W.rows + 1):
            for k in range(1, W.cols + 1):
                if W[j - 1, k - 1] in highlight:
                    hot_edges.add(((l - 1, k), (l, j)))
                    hot_neurons.add((l, j))
    # the path on from a highlighted neuron: every edge out of it, up to the loss
    for l in range(1, cols):
        for j in range(1, layers[l] + 1):
            if (l, j) in hot_neurons and l < cols - 1:
                for i in range(1, layers[l + 1] + 1):
                    hot_edges.add(((l, j), (l + 1, i)))
                    hot_neurons.add((l + 1, i))
    for l in range(1, cols):
        for j in range(1, layers[l] + 1):
            z = net.preactivations[l - 1][j - 1]
            h = net.activations[l - 1][j - 1]
            labels = []
            v = _pick(values, h) or _pick(values, z)
            if v is not None:
                labels.append(f"label={{[v]above:${v}$}}")
            d = _pick(deltas, z)
            if d is not None:
                labels.append(f"label={{[v,text=red!70!black]below:$\\delta = {d}$}}")
            opts = ",".join(["neuron", *(["very thick"] if (l, j) in hot_neurons else []),
                             *labels])
            out.append(f"\\node[{opts}] (n{l}_{j}) at ({l},{y(l, j):.2f}) {{${tex(z)}$}};")
    loss = net.output
    lv = _pick(values, loss)
    lab = f",label={{[v]above:${lv}$}}" if lv is not None else ""
    out.append(f"\\node[neuron{lab}] (E) at ({cols - 1 + 0.7:.2f},0) {{${tex(loss)}$}};")
    labelled = sum(W.rows * W.cols for W in net.weights) <= MAX_LABELLED
    shown = [((l - 1, k), (l, j)) for l, W in enumerate(net.weights, 1)
             for j in range(1, W.rows + 1) for k in range(1, W.cols + 1)
             if labelled or ((l - 1, k), (l, j)) in hot_edges]
    at = label_positions(shown, {(l, j): (l * dx, y(l, j) * dy) for l in range(cols)
                                 for j in range(1, layers[l] + 1)},
                         numbers=values is not None or deltas is not None)
    for l, W in enumerate(net.weights, 1):
        for j in range(1, W.rows + 1):
            for k in range(1, W.cols + 1):
                w = W[j - 1, k - 1]
                edge = ((l - 1, k), (l, j))
                style = "->,very thick,blue!70!black" if edge in hot_edges else "->"
                label = (f" node[w,pos={at[edge]:.2f},sloped] {{${tex(w)}$}}" if edge in at
                         else "")
                out.append(f"\\draw[{style}] (n{l - 1}_{k}) --{label} (n{l}_{j});")
    for j in range(1, layers[-1] + 1):
        hot = (cols - 1, j) in hot_neurons
        out.append(f"\\draw[{'->,very thick,blue!70!black' if hot else '->'}] "
                   f"(n{cols - 1}_{j}) -- (E);")
    out.append("\\end{tikzpicture}")
    height = (top - 1) * dy * _CM + 24 + (14 if values is not None else 0) \
        + (14 if deltas is not None else 0)
    return "\n".join(out), height


LABEL_BOX = (0.7, 0.42)
r"""Half a weight label's width and height, with a margin, in centimetres (``\scriptsize``
:math:`w^{(1)}_{23}` is about 0.9 cm by 0.5 cm)."""
_CANDIDATES = (0.2, 0.26, 0.32, 0.38, 0.44, 0.5, 0.56, 0.62, 0.68, 0.74)


def label_positions(edges, centres: dict, numbers: bool = False, rounds: int = 4) -> dict:
    """Where along its edge each weight's label goes (TikZ's ``pos``, from the source).

    Each label goes where it is farthest from the other labels and from the neurons (with,
    when ``numbers``, the value above and the delta below each), the distance measured in
    label boxes (:data:`LABEL_BOX`): apart by 1 or more, two labels do not overlap. The labels
    are placed in turn, then each placed again among the others for a few ``rounds``; ties go
    to the position nearest the source, where the edges leaving one neuron part.
    ``centres`` maps (layer, index) to a neuron's centre in centimetres."""
    bw, bh = LABEL_BOX
    fixed = [(x, y, 0.45 / bw + 1, 0.45 / bh + 1) for x, y in centres.values()]  # neurons
    if numbers:
        fixed += [(x, y + d, 2.4, 1.5) for x, y in centres.values() for d in (0.65, -0.65)]
    ends = {e: (centres[e[0]], centres[e[1]]) for e in edges}

    def spot(e, p):
        (x0, y0), (x1, y1) = ends[e]
        return x0 + p * (x1 - x0), y0 + p * (y1 - y0)

    def room(e, p, others):
        x, y = spot(e, p)
        return min((max(abs(x - a) / bw / sx, abs(y - b) / bh / sy)
                    for a, b, sx, sy in others), default=float("inf"))

    out: dict = {}
    for turn in range(rounds):
        for e in edges:
            others = fixed + [(*spot(o, q), 2.0, 2.0) for o, q in out.items() if o != e]
            if turn and e in out and room(e, out[e], others) >= 1.0:
                continue  # already clear of everything
            def score(p, e=e, o=others):  # the most room (enough is enough), then nearest
                return min(room(e, p, o), 2.0), -p

            out[e] = max(_CANDIDATES, key=score)
    return out


_GATES = {"add": "+", "mul": "\\times", "max": "\\max", "min": "\\min"}


def circuit_tikz(g, tex, values: dict | None, grads: dict | None,
                 slides: bool = False) -> tuple[str, float] | None:
    """A graph as a circuit: leaves on the left, each node a gate, the output on the right;
    above each wire the value it carries, below it (red) the gradient of the output."""
    leaves = [s for s in g.leaf_symbols if any(s in n.expr.free_symbols for n in g.nodes)]
    nodes = [n for n in g.nodes if g.reaches_output(n.symbol) or n.symbol == g.output]
    if len(leaves) + len(nodes) > MAX_NODES:
        return None
    level = {s: 0 for s in leaves}
    pos: dict = {}
    for k, s in enumerate(leaves):
        pos[s] = -1.6 * k
    for n in nodes:
        ins = [s for s in n.expr.free_symbols if s in level]
        level[n.symbol] = 1 + max((level[s] for s in ins), default=0)
        pos[n.symbol] = sum(pos[s] for s in ins) / len(ins) if ins else 0.0
    # no two nodes of one level at one height
    taken: dict = {}
    for n in nodes:
        key = (level[n.symbol], round(pos[n.symbol], 2))
        while key in taken:
            pos[n.symbol] -= 1.6
            key = (level[n.symbol], round(pos[n.symbol], 2))
        taken[key] = n
    depth = max(level.values())
    dx = min(2.8, (11.0 if slides else 14.0) / (depth + 1.5))
    dy = 0.75 if slides else 1.0
    out = [(f"\\begin{{tikzpicture}}[x={dx:.2f}cm,y={dy:.2f}cm,>=stealth,"
            "gate/.style={circle,draw,minimum size=7mm,inner sep=1pt},"
            "box/.style={rectangle,draw,rounded corners,inner sep=3pt},"
            "val/.style={font=\\scriptsize,above,sloped},"
            "grad/.style={font=\\scriptsize,below,sloped,text=red!70!black}]")]

    def nid(s) -> str:
        return "s" + "".join(ch if ch.isalnum() else "_" for ch in s.name) + str(
            len(s.name))

    for s in leaves:
        out.append("\\node (" + nid(s) + f") at (0,{pos[s]:.2f}) {{${tex(s)}$}};")
    for n in nodes:
        ins = [s for s in n.expr.free_symbols if s in level]
        gate = _GATES.get(n.op)
        plain = gate is not None and (
            (n.op == "add" and n.expr == sp.Add(*ins)) or (n.op == "mul" and n.expr == sp.Mul(*ins))
            or n.op in ("max", "min"))
        if plain:
            body = f"${gate}$"
            style = "gate"
        else:
            body = f"${tex(n.symbol)}$"
            style = "box"
        lab = f",label={{[font=\\scriptsize]above:${tex(n.symbol)}$}}" if plain else ""
        out.append(f"\\node[{style}{lab}] ({nid(n.symbol)}) at ({level[n.symbol]},"
                   f"{pos[n.symbol]:.2f}) {{{body}}};")
    for n in nodes:
        for s in sorted((s for s in n.expr.free_symbols if s in level), key=lambda s: s.name):
            val = _pick(values, s)
            gr = _pick(grads, s)
            lab = ((f" node[val,pos=0.4] {{${val}$}}" if val is not None else "")
                   + (f" node[grad,pos=0.4] {{${gr}$}}" if gr is not None else ""))
            out.append(f"\\draw[->] ({nid(s)}) --{lab} ({nid(n.symbol)});")
    o = g.output
    val, gr = _pick(values, o), _pick(grads, o)
    lab = ((f" node[val] {{${val}$}}" if val is not None else "")
           + (f" node[grad] {{${gr}$}}" if gr is not None else ""))
    out.append(f"\\draw[->] ({nid(o)}) --{lab} +(1.1,0);")
    out.append("\\end{tikzpicture}")
    span = max(pos.values()) - min(pos.values()) if pos else 0.0
    return "\n".join(out), span * dy * _CM + 30
