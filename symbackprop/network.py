r"""``mlp(...)``: a multilayer perceptron as a Graph whose names follow textbook notation.

Each layer ``l`` computes the affine pre-activation ``z = W h_prev + b`` neuron by neuron, then
the activation ``h = a(z)``; the loss node compares the last layer with the targets.

Namings
-------
``"textbook"`` (Nielsen's): ``w{l}_{j}{k}`` is :math:`w^{(l)}_{jk}`, the weight into neuron *j*
of layer *l* from neuron *k* of layer *l-1*; ``b{l}_{j}``, ``z{l}_{j}`` (pre-activation) and
``h{l}_{j}`` (activation) likewise; inputs ``x1, x2, ...``; targets ``t`` or ``t1, t2, ...``.

``"sequential"`` (seed 004's 2-2-1 net): weights ``w1, w2, ...`` numbered layer by layer, neuron by
neuron, source by source (w1: x1->h1, w2: x2->h1, w3: x1->h2, w4: x2->h2, w5: h1->y, w6: h2->y),
biases ``b1, b2, ...`` the same way, hidden pre-activations ``h1, h2, ...``, output
pre-activation ``y`` (``y1, y2, ...`` for several outputs), and activations ``a_h1``, ``a_y``.

Examples
========
>>> import symbackprop as sb
>>> net = sb.mlp([2, 2, 1], activation="a", loss="half_se", naming="sequential")
>>> print(net)  # doctest: +NORMALIZE_WHITESPACE
inputs: x1, x2
params: w1, w2, w3, w4, b1, b2, w5, w6, b3
targets: t
let h1 = b1 + w1*x1 + w2*x2
    a_h1 = a(h1)
    h2 = b2 + w3*x1 + w4*x2
    a_h2 = a(h2)
    y = a_h1*w5 + a_h2*w6 + b3
    a_y = a(y)
    E = (-a_y + t)**2/2
in  E
"""

from __future__ import annotations

from collections.abc import Sequence

import sympy as sp

from .errors import LayerSpecError, UnknownNameError
from .functions import generic_activation, leaky_relu, relu, sigmoid, softplus
from .graph import Graph

__all__ = ["ACTIVATIONS", "LOSSES", "NAMINGS", "Network", "activation_function", "mlp"]

ACTIVATIONS = ("a", "identity", "leaky_relu", "relu", "sigmoid", "softplus", "tanh")
OUTPUT_ACTIVATIONS = (*ACTIVATIONS, "softmax")
LOSSES = ("bce", "half_se", "mse", "softmax_ce")
NAMINGS = ("sequential", "textbook")

_FUNCTIONS = {
    "sigmoid": sigmoid,
    "tanh": sp.tanh,
    "relu": relu,
    "softplus": softplus,
    "leaky_relu": leaky_relu,
}


def activation_function(name: str):
    """The SymPy function class for an activation name (``None`` for identity)."""
    if name not in ACTIVATIONS:
        raise UnknownNameError("activation", name, ACTIVATIONS)
    if name == "identity":
        return None
    if name == "a":
        return generic_activation("a")
    return _FUNCTIONS[name]


class Network(Graph):
    """A Graph built by :func:`mlp`, which also knows its layer structure.

    ``weights[l]`` is the matrix of weight Symbols of layer ``l+1`` (rows: neurons of that layer,
    columns: neurons of the layer before); ``biases[l]``, ``preactivations[l]`` and
    ``activations[l]`` are vectors of Symbols; ``predictions`` are the network's outputs (ŷ) as
    expressions over the graph's symbols.
    """

    layers: tuple[int, ...]
    activation: str
    output_activation: str
    loss: str
    naming: str
    weights: list[sp.Matrix]
    biases: list[sp.Matrix]
    preactivations: list[sp.Matrix]
    activations: list[sp.Matrix]
    predictions: tuple[sp.Expr, ...]

    def __repr__(self) -> str:
        shape = "-".join(map(str, self.layers))
        return (f"<Network {shape} activation={self.activation!r} "
                f"output_activation={self.output_activation!r} loss={self.loss!r} "
                f"naming={self.naming!r}: {len(self.param_symbols)} params>")

    @property
    def n_inputs(self) -> int:
        return self.layers[0]

    @property
    def n_outputs(self) -> int:
        return self.layers[-1]


def _parse_layers(layers) -> tuple[int, ...]:
    if isinstance(layers, str):
        parts = layers.replace("x", "-").split("-")
        try:
            layers = [int(p) for p in parts]
        except ValueError:
            raise LayerSpecError(
                f"layer list {layers!r} is not of the form '2-2-1' (sizes joined by '-')") from None
    if not isinstance(layers, Sequence) or len(layers) < 2:
        raise LayerSpecError(
            f"layers must list at least an input and an output size, e.g. [2, 2, 1]; got {layers!r}")
    out = []
    for i, n in enumerate(layers):
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise LayerSpecError(
                f"layer {i} has size {n!r}; every layer size must be a positive integer")
        out.append(int(n))
    return tuple(out)


def _idx(*ks: int) -> str:
    return "".join(map(str, ks)) if all(k < 10 for k in ks) else "_".join(map(str, ks))


def mlp(layers, activation: str = "sigmoid", output_activation: str | None = None,
        loss: str = "half_se", naming: str = "textbook") -> Network:
    r"""Build a fully connected network and its loss as a :class:`Network` (a Graph).

    Parameters
    ==========
    layers : sizes from input to output, e.g. ``[2, 2, 1]`` or ``"2-2-1"``.
    activation : hidden activation, one of ``a`` (generic), ``sigmoid``, ``tanh``, ``relu``,
        ``identity``, ``softplus``, ``leaky_relu``.
    output_activation : defaults to ``activation`` for ``half_se`` and ``mse`` (seed 004 writes
        :math:`E = \frac12 (t - a(y))^2`), ``sigmoid`` for ``bce`` and ``softmax`` for
        ``softmax_ce``; those two losses are computed from the logits (stable, and with the
        textbook gradient :math:`\hat y - t`). Use ``"identity"`` for regression.
    loss : ``half_se`` (½ Σ (t - ŷ)²), ``mse`` (mean over outputs), ``bce``, ``softmax_ce``.
    naming : ``textbook`` or ``sequential`` (see the module docstring).

    Examples
    ========
    >>> import symbackprop as sb
    >>> net = sb.mlp([2, 3, 2], activation="tanh", loss="softmax_ce")
    >>> net.symbol("w2_13")
    w2_13
    >>> net.predictions[0]
    exp(z2_1 - logsumexp(z2_1, z2_2))
    """
    shape = _parse_layers(layers)
    if loss not in LOSSES:
        raise UnknownNameError("loss", loss, LOSSES)
    if naming not in NAMINGS:
        raise UnknownNameError("naming", naming, NAMINGS)
    hidden_fn = activation_function(activation)
    if output_activation is None:
        output_activation = {"bce": "sigmoid", "softmax_ce": "softmax"}.get(loss, activation)
    if output_activation not in OUTPUT_ACTIVATIONS:
        raise UnknownNameError("output activation", output_activation, OUTPUT_ACTIVATIONS)
    if loss == "bce" and output_activation != "sigmoid":
        raise LayerSpecError("bce is computed from the logits of a sigmoid output; "
                             f"output_activation must be 'sigmoid', not {output_activation!r}")
    if loss == "softmax_ce" and output_activation != "softmax":
        raise LayerSpecError("softmax_ce is computed from the logits of a softmax output; "
                             f"output_activation must be 'softmax', not {output_activation!r}")
    if output_activation == "softmax" and loss != "softmax_ce":
        raise LayerSpecError("a softmax output goes with loss='softmax_ce'")
    if loss == "softmax_ce" and shape[-1] < 2:
        raise LayerSpecError("softmax_ce needs at least 2 outputs (use bce for one)")
    from_logits = loss in ("bce", "softmax_ce")
    out_fn = None if from_logits else activation_function(output_activation)

    net = Network(name="-".join(map(str, shape)))
    net.layers, net.activation, net.output_activation = shape, activation, output_activation
    net.loss, net.naming = loss, naming
    n_layers = len(shape) - 1
    m = shape[-1]

    xs = net.inputs([f"x{k}" for k in range(1, shape[0] + 1)])
    for k in range(1, shape[0] + 1):
        net.meta[f"x{k}"] = {"role": "input", "j": k}
    ts = net.targets(["t"] if m == 1 else [f"t{j}" for j in range(1, m + 1)])
    for j, t in enumerate(ts, 1):
        net.meta[t.name] = {"role": "target", "j": j}

    net.weights, net.biases, net.preactivations, net.activations = [], [], [], []
    prev = list(xs)
    seq_w = seq_b = seq_h = 0
    for l in range(1, n_layers + 1):
        last = l == n_layers
        fn = out_fn if last else hidden_fn
        names = []  # per neuron: (weight names, bias name, pre-activation name, activation name)
        for j in range(1, shape[l] + 1):
            if naming == "textbook":
                wnames = [f"w{l}_{_idx(j, k)}" for k in range(1, len(prev) + 1)]
                names.append((wnames, f"b{l}_{_idx(j)}", f"z{l}_{_idx(j)}", f"h{l}_{_idx(j)}"))
            else:
                wnames = [f"w{seq_w + k}" for k in range(1, len(prev) + 1)]
                seq_w += len(prev)
                seq_b += 1
                if last:
                    zname = "y" if m == 1 else f"y{j}"
                else:
                    seq_h += 1
                    zname = f"h{seq_h}"
                names.append((wnames, f"b{seq_b}", zname, f"a_{zname}"))
        # parameters layer by layer: the weight matrix row by row, then the bias vector
        W_rows = [list(net.params(wn)) for wn, _, _, _ in names]
        bs = list(net.params([bn for _, bn, _, _ in names]))
        zs, hs = [], []
        for j, ((_, bname, zname, hname), ws, b) in enumerate(zip(names, W_rows, bs), 1):
            for k, w in enumerate(ws, 1):
                net.meta[w.name] = {"role": "weight", "layer": l, "j": j, "k": k}
            net.meta[bname] = {"role": "bias", "layer": l, "j": j}
            z = net.node(zname, sp.Add(*[w * h for w, h in zip(ws, prev)], b), op="affine")
            net.meta[zname] = {"role": "preactivation", "layer": l, "j": j}
            if fn is None:
                h = z
            else:
                h = net.node(hname, fn(z), op=output_activation if last else activation)
                net.meta[hname] = {"role": "activation", "layer": l, "j": j}
            zs.append(z)
            hs.append(h)
        net.weights.append(sp.Matrix(W_rows))
        net.biases.append(sp.Matrix(bs))
        net.preactivations.append(sp.Matrix(zs))
        net.activations.append(sp.Matrix(hs))
        prev = hs

    outs = prev
    if loss == "half_se":
        expr = sp.Rational(1, 2) * sp.Add(*[(t - o) ** 2 for t, o in zip(ts, outs)])
    elif loss == "mse":
        expr = sp.Rational(1, m) * sp.Add(*[(t - o) ** 2 for t, o in zip(ts, outs)])
    elif loss == "bce":
        expr = sp.Add(*[softplus(z) - t * z for t, z in zip(ts, outs)])
    else:  # softmax_ce: -sum_j t_j log softmax_j(z) = (sum t) LSE(z) - sum t_j z_j
        from .functions import logsumexp
        expr = sp.Add(*ts) * logsumexp(*outs) - sp.Add(*[t * z for t, z in zip(ts, outs)])
    lname = "E" if loss == "half_se" else "L"
    net.node(lname, expr, op=loss)
    net.meta[lname] = {"role": "loss"}

    if loss == "bce":
        net.predictions = tuple(sigmoid(z) for z in outs)
    elif loss == "softmax_ce":
        from .functions import logsumexp
        lse = logsumexp(*outs)
        net.predictions = tuple(sp.exp(z - lse) for z in outs)
    else:
        net.predictions = tuple(outs)
    return net
