r"""``mlp(...)``: a multilayer perceptron as a Graph whose names follow textbook notation.

Each layer ``l`` computes the affine pre-activation ``z = W h_prev + b`` neuron by neuron, then
the activation ``h = a(z)``; the loss node compares the last layer with the targets.

Namings
=======
``"textbook"`` (Nielsen's): ``w{l}_{j}{k}`` is :math:`w^{(l)}_{jk}`, the weight into neuron *j*
of layer *l* from neuron *k* of layer *l-1*; ``b{l}_{j}``, ``z{l}_{j}`` (pre-activation) and
``h{l}_{j}`` (activation) likewise; the last layer's activations are the predictions
:math:`\hat y_j`; inputs ``x1, x2, ...``; targets ``t`` or ``t1, t2, ...``.

``"sequential"`` (seed 004's 2-2-1 net): weights ``w1, w2, ...`` numbered layer by layer, neuron by
neuron, source by source (w1: x1->h1, w2: x2->h1, w3: x1->h2, w4: x2->h2, w5: h1->y, w6: h2->y),
biases ``b1, b2, ...`` the same way, hidden pre-activations ``h1, h2, ...``, output
pre-activation ``y`` (``y1, y2, ...`` for several outputs), and activations ``a_h1``, ``a_y``
(typeset :math:`a(h_1)`, :math:`a(y)`).

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

import itertools
from collections.abc import Sequence

import sympy as sp

from .errors import LayerSpecError, LimitError, UnknownNameError, UnknownVariableError
from .graph import Graph
from .registry import Activation, Loss, activation_entry, loss_entry
from .types import ActivationLike, LossLike

__all__ = ["MAX_LAYERS", "MAX_PARAMS", "MAX_WIDTH", "NAMINGS", "Network", "mlp"]

NAMINGS = ("sequential", "textbook")
MAX_WIDTH = 2_048
"""Widest layer :func:`mlp` builds."""
MAX_LAYERS = 64
"""Most layers (input and output included) :func:`mlp` builds."""
MAX_PARAMS = 20_000
"""Most parameters :func:`mlp` builds symbolically (the 64-32-10 digits net has 2,410)."""


class Network(Graph):
    """A Graph built by :func:`mlp`, which also knows its layer structure.

    ``weights[l]`` is the matrix of weight Symbols of layer ``l+1`` (rows: neurons of that layer,
    columns: neurons of the layer before); ``biases[l]``, ``preactivations[l]`` and
    ``activations[l]`` are vectors of Symbols (an identity layer's activations are its
    pre-activations); ``predictions`` are the Symbols of the network's outputs ŷ. For losses
    computed from the logits (``bce``, ``softmax_ce``) the predictions are nodes that the loss
    does not use: the loss reads the logits, so its gradient with respect to them is ŷ − t
    (softmax cross-entropy: (Σ_k t_k) ŷ − t, which is ŷ − t for targets that sum to 1).
    """

    layers: tuple[int, ...]
    activation: str
    output_activation: str
    loss: str
    naming: str
    activation_entry: Activation
    output_entry: Activation | None
    loss_entry: Loss
    weights: list[sp.Matrix]
    biases: list[sp.Matrix]
    preactivations: list[sp.Matrix]
    activations: list[sp.Matrix]
    predictions: tuple[sp.Symbol, ...]

    def __repr__(self) -> str:
        if not hasattr(self, "layers"):
            return super().__repr__()
        shape = "-".join(map(str, self.layers))
        return (f"<Network {shape} activation={self.activation!r} "
                f"output_activation={self.output_activation!r} loss={self.loss!r} "
                f"naming={self.naming!r}: {len(self.param_symbols)} params>")

    @property
    def n_inputs(self) -> int:
        """Number of inputs (columns of X)."""
        return self.layers[0]

    @property
    def n_outputs(self) -> int:
        """Number of outputs (columns of T)."""
        return self.layers[-1]

    @property
    def depth(self) -> int:
        """Number of layers with weights."""
        return len(self.layers) - 1


def parse_layers(layers: str | Sequence[int]) -> tuple[int, ...]:
    """``[2, 2, 1]`` or ``"2-2-1"`` -> ``(2, 2, 1)``, checked against the limits."""
    if isinstance(layers, str):
        parts = layers.strip().replace("x", "-").split("-")
        if len(parts) > MAX_LAYERS or len(layers) > 400:
            raise LimitError(f"a net has at most {MAX_LAYERS} layers")
        try:
            layers = [int(p) for p in parts]
        except ValueError:
            raise LayerSpecError(
                f"layer list {layers!r} is not of the form '2-2-1' (sizes joined by '-')") from None
    if not isinstance(layers, Sequence) or len(layers) < 2:
        raise LayerSpecError(
            f"layers must list at least an input and an output size, e.g. [2, 2, 1]; got {layers!r}")
    if len(layers) > MAX_LAYERS:
        raise LimitError(f"a net has at most {MAX_LAYERS} layers; got {len(layers)}")
    out = []
    for i, n in enumerate(layers):
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise LayerSpecError(
                f"layer {i} has size {n!r}; every layer size must be a positive integer")
        if n > MAX_WIDTH:
            raise LimitError(f"layer {i} has {n:,} neurons; the limit is {MAX_WIDTH:,}")
        out.append(int(n))
    n_params = _count_params(out)
    if n_params > MAX_PARAMS:
        raise LimitError(
            f"the net {'-'.join(map(str, out))} has {n_params:,} parameters; mlp builds a SymPy "
            f"symbol and expression for every weight, so it builds nets of up to {MAX_PARAMS:,} "
            f"parameters (symbackprop.core.network.MAX_PARAMS){_smaller(out)}")
    return tuple(out)


def _count_params(layers: Sequence[int]) -> int:
    return sum((a + 1) * b for a, b in itertools.pairwise(layers))


def _smaller(layers: list[int]) -> str:
    """A way out of MAX_PARAMS: the same net with narrower hidden layers, when one fits."""
    hidden = max(layers[1:-1], default=0)
    width = 0
    lo, hi = 1, hidden  # the widest cap on the hidden layers that fits
    while lo <= hi:
        mid = (lo + hi) // 2
        if _count_params([layers[0], *(min(n, mid) for n in layers[1:-1]), layers[-1]]) \
                <= MAX_PARAMS:
            width, lo = mid, mid + 1
        else:
            hi = mid - 1
    if not width:
        return "; use fewer inputs or outputs"
    fit = [layers[0], *(min(n, width) for n in layers[1:-1]), layers[-1]]
    return (f"; build a smaller net, e.g. {'-'.join(map(str, fit))} "
            f"({_count_params(fit):,} parameters)")


def _idx(*ks: int) -> str:
    return "".join(map(str, ks)) if all(k < 10 for k in ks) else "_".join(map(str, ks))


def _sub(*ks: int) -> str:
    return "".join(map(str, ks)) if all(k < 10 for k in ks) else ",".join(map(str, ks))


def _output_entry(name, loss: Loss, hidden: Activation):
    """The output activation's entry (None for a link loss, which has its own prediction)."""
    if loss.from_logits:
        if name not in (None, loss.output):
            raise LayerSpecError(
                f"{loss.name} is computed from the logits of a {loss.output} output; "
                f"output_activation must be {loss.output!r} (or left out), not {name!r}")
        return None
    if name is None:
        return hidden
    if name in ("softmax",):
        raise LayerSpecError("a softmax output goes with loss='softmax_ce'")
    try:
        return activation_entry(name)
    except UnknownNameError as e:
        raise UnknownNameError("output activation", name, [*e.valid, "softmax"]) from None


def mlp(layers: str | Sequence[int], activation: ActivationLike = "sigmoid",
        output_activation: ActivationLike | None = None, loss: LossLike = "half_se",
        naming: str = "textbook") -> Network:
    r"""Build a fully connected network and its loss as a :class:`Network` (a Graph).

    Parameters
    ==========
    layers : sizes from input to output, e.g. ``[2, 2, 1]`` or ``"2-2-1"``.
    activation : hidden activation: a name in :data:`symbackprop.ACTIVATIONS` (``a`` is the
        generic one) or a callable ``z -> SymPy expression`` such as ``lambda z: z*sb.sigmoid(z)``.
    output_activation : defaults to ``activation`` for losses on the outputs (seed 004 writes
        :math:`E = \frac12 (t - a(y))^2`); ``bce`` and ``softmax_ce`` are computed from the
        logits with the prediction ``sigmoid`` / ``softmax``. Use ``"identity"`` for regression.
    loss : a name in :data:`symbackprop.LOSSES` or a callable ``(outputs, targets) -> SymPy
        expression`` for one example.
    naming : ``textbook`` or ``sequential`` (see the module docstring).

    Examples
    ========
    >>> import symbackprop as sb
    >>> net = sb.mlp([2, 3, 2], activation="tanh", loss="softmax_ce")
    >>> net.symbol("w2_13")
    w2_13
    >>> net.definition(net.predictions[0]).expr
    exp(z2_1 - logsumexp(z2_1, z2_2))
    """
    shape = parse_layers(layers)
    if naming not in NAMINGS:
        raise UnknownNameError("naming", naming, NAMINGS)
    hidden = activation_entry(activation)
    loss_e = loss_entry(loss)
    out_e = _output_entry(output_activation, loss_e, hidden)
    if shape[-1] < loss_e.min_outputs:
        raise LayerSpecError(f"{loss_e.name} needs at least {loss_e.min_outputs} outputs"
                             + (" (use bce for one)" if loss_e.name == "softmax_ce" else ""))

    net = Network(name="-".join(map(str, shape)))
    net.layers, net.naming = shape, naming
    net.activation = hidden.name
    net.output_activation = loss_e.output if out_e is None else out_e.name
    net.loss = loss_e.name
    net.activation_entry, net.output_entry, net.loss_entry = hidden, out_e, loss_e
    n_layers = len(shape) - 1
    m = shape[-1]
    textbook = naming == "textbook"

    xs = net.inputs([f"x{k}" for k in range(1, shape[0] + 1)])
    for k, x in enumerate(xs, 1):
        net.meta[x.name] = {"role": "input", "j": k, "latex": f"x_{{{k}}}"}
    ts = net.targets(["t"] if m == 1 else [f"t{j}" for j in range(1, m + 1)])
    for j, t in enumerate(ts, 1):
        net.meta[t.name] = {"role": "target", "j": j, "latex": "t" if m == 1 else f"t_{{{j}}}"}

    net.weights, net.biases, net.preactivations, net.activations = [], [], [], []
    prev = list(xs)
    seq_w = seq_b = seq_h = 0
    for l in range(1, n_layers + 1):
        last = l == n_layers
        entry = out_e if last else hidden
        names = []  # per neuron: (weight names, bias name, pre-activation, activation)
        for j in range(1, shape[l] + 1):
            if textbook:
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
        for j, ((_, bname, zname, hname), ws, b) in enumerate(zip(names, W_rows, bs, strict=False), 1):
            for k, w in enumerate(ws, 1):
                tex = f"w^{{({l})}}_{{{_sub(j, k)}}}" if textbook else \
                    f"w_{{{w.name[1:]}}}"
                net.meta[w.name] = {"role": "weight", "layer": l, "j": j, "k": k, "latex": tex}
            net.meta[bname] = {"role": "bias", "layer": l, "j": j,
                               "latex": f"b^{{({l})}}_{{{_sub(j)}}}" if textbook
                               else f"b_{{{bname[1:]}}}"}
            z = net.node(zname, sp.Add(*[w * h for w, h in zip(ws, prev, strict=False)], b), op="affine")
            ztex = (f"z^{{({l})}}_{{{_sub(j)}}}" if textbook else
                    (zname if len(zname) == 1 else f"{zname[0]}_{{{zname[1:]}}}"))
            net.meta[zname] = {"role": "preactivation", "layer": l, "j": j, "latex": ztex}
            if entry is None or entry.is_identity:
                h = z
            else:
                h = _node(net, hname, entry(z), entry.name, "activation", z)
                if textbook:
                    htex = (("\\hat{y}" if m == 1 else f"\\hat{{y}}_{{{j}}}") if last
                            else f"h^{{({l})}}_{{{_sub(j)}}}")
                else:
                    htex = f"a({ztex})"
                net.meta[hname] = {"role": "activation", "layer": l, "j": j, "latex": htex}
            zs.append(z)
            hs.append(h)
        net.weights.append(sp.Matrix(W_rows))
        net.biases.append(sp.Matrix(bs))
        net.preactivations.append(sp.Matrix(zs))
        net.activations.append(sp.Matrix(hs))
        prev = hs

    outs = prev
    if loss_e.from_logits:  # the predictions are nodes the loss does not read
        preds = []
        for j, (z, e) in enumerate(zip(outs, loss_e.predictions(outs), strict=True), 1):
            name = (f"h{n_layers}_{_idx(j)}" if textbook else f"a_{z.name}")
            p = net.node(name, e, op=loss_e.output)
            ptex = ("\\hat{y}" if m == 1 else f"\\hat{{y}}_{{{j}}}") if textbook else \
                f"a({net.meta[z.name]['latex']})"
            net.meta[name] = {"role": "prediction", "layer": n_layers, "j": j, "latex": ptex}
            preds.append(p)
        net.activations[-1] = sp.Matrix(preds)
        net.predictions = tuple(preds)
    else:
        net.predictions = tuple(outs)
    lname = loss_e.symbol
    if lname in net:
        raise LayerSpecError(f"the loss name {lname!r} is taken")
    _node(net, lname, loss_e(outs, ts), loss_e.name, "loss", *outs)
    net.meta[lname] = {"role": "loss", "latex": lname}
    return net


def _node(net: Network, name: str, expr: sp.Expr, op: str, what: str, *args: sp.Symbol):
    """Add the node of an activation or the loss, which must depend on its arguments."""
    if not expr.free_symbols & set(args):
        of = "its argument z" if what == "activation" else "the network's outputs"
        raise LayerSpecError(
            f"the {what} {op!r} does not depend on {of} (it gave {_shown(expr)} for "
            f"{', '.join(map(str, args))}), so every gradient through it would be 0")
    try:
        return net.node(name, expr, op=op)
    except UnknownVariableError as e:
        raise UnknownVariableError(
            e.name, e.known, f"the network, used by the {what} {op!r} (it may use its "
            "arguments and the network's own symbols, such as x1 or a weight)") from None


def _shown(expr) -> str:
    text = str(expr)
    return text if len(text) <= 40 else text[:37] + "..."
