r"""TikZ figures for the notes: a network (layers, named weights, the point's values and deltas,
the derived weight's path highlighted) or a circuit (each node's operation, the forward value
above each wire and the gradient below it, as CS231n draws them).

The figures are plain TikZ (no library), written into the document so that they compile with
it and a lecturer can edit them. Each function returns the ``tikzpicture`` and its height in
points (the slides' frame budget uses it), or None when the graph is too large to draw legibly.
"""

from __future__ import annotations

import sympy as sp

__all__ = ["MAX_DRAWN", "circuit_tikz", "network_tikz"]

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
    for l, W in enumerate(net.weights, 1):
        for j in range(1, W.rows + 1):
            for k in range(1, W.cols + 1):
                w = W[j - 1, k - 1]
                hot = ((l - 1, k), (l, j)) in hot_edges
                style = "->,very thick,blue!70!black" if hot else "->"
                pos = 0.2 + 0.16 * (j - 1) / max(1, W.rows - 1)  # apart where edges part
                label = (f" node[w,pos={pos:.2f},sloped] {{${tex(w)}$}}" if labelled or hot
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
