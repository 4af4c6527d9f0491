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
import operator
from collections.abc import Sequence
from dataclasses import dataclass

import sympy as sp

from .errors import LayerSpecError, LimitError, UnknownNameError, UnknownVariableError
from .functions import function_latex
from .graph import Graph
from .registry import Activation, Loss, activation_entry, loss_entry
from .types import ActivationLike, LossLike

__all__ = ["MAX_LAYERS", "MAX_PARAMS", "MAX_WIDTH", "MEMORY_SHARE", "NAMINGS", "LayerSymbols",
           "Network", "ParamSymbols", "mlp"]

NAMINGS = ("sequential", "textbook")
MAX_WIDTH = 1_000_000
"""Widest layer :func:`mlp` builds (a layer is one matrix symbol, so width costs nothing)."""
MAX_LAYERS = 64
"""Most layers (input and output included) :func:`mlp` builds."""
MAX_PARAMS = 20_000
"""Most parameters of a network's *scalar* graph: one SymPy symbol and expression per weight,
made when a scalar derivation (chain, expanded, backprop, verify, notes of a weight) first asks
for it (the 64-32-10 digits net has 2,410). The matrix derivation, compile and train have no
such ceiling; only memory for theta bounds them (:data:`MEMORY_SHARE`)."""
SHOWN_SCALAR = 200
"""A network with more parameters than this prints on matrices until its scalar graph is made."""
MEMORY_SHARE = 0.25
"""The share of the machine's memory that theta, its gradient and an optimizer's two moment
vectors (four arrays of 8-byte floats) may take at most."""


@dataclass(frozen=True)
class LayerSymbols:
    r"""The network on matrices: one SymPy ``MatrixSymbol`` per layer quantity.

    ``W[l-1]`` is :math:`W^{(l)}` (:math:`n_l \times n_{l-1}`), ``b[l-1]`` :math:`b^{(l)}`,
    ``z[l-1]`` the pre-activations :math:`z^{(l)}` and ``h[l]`` the activations
    :math:`h^{(l)}` (``h[0]`` is the input ``x``; ``h[L]`` the prediction :math:`\hat y`),
    each a column (:math:`n_l \times 1`); ``t`` the targets. ``tex`` maps each to its LaTeX.
    They cost nothing in the width: a 784-wide layer is one symbol.
    """

    x: sp.MatrixSymbol
    t: sp.MatrixSymbol
    W: tuple[sp.MatrixSymbol, ...]
    b: tuple[sp.MatrixSymbol, ...]
    z: tuple[sp.MatrixSymbol, ...]
    h: tuple[sp.MatrixSymbol, ...]
    tex: dict[sp.MatrixSymbol, str]


class ParamSymbols(Sequence):
    """The parameters of a network whose scalar graph is not built yet, made one at a time.

    Equal, element by element, to ``net.param_symbols`` once the graph is built (the same
    names, SymPy symbols of the same name and assumptions), in the same order (layer by layer:
    the weight matrix row by row, then the bias vector).
    """

    def __init__(self, net: Network):
        self._net = net

    def __len__(self) -> int:
        return self._net.n_params

    def __getitem__(self, i):
        if isinstance(i, slice):
            return tuple(self[k] for k in range(*i.indices(len(self))))
        n = len(self)
        try:
            k = operator.index(i)  # an int, or NumPy's
        except TypeError:
            raise TypeError(f"parameter indices are integers, not {type(i).__name__}") from None
        if isinstance(i, bool) or not -n <= k < n:
            raise IndexError(f"parameter index {i!r} out of range for {n} parameters")
        return sp.Symbol(self._net.parameter_name(k % n), real=True)

    def __eq__(self, other) -> bool:
        return isinstance(other, Sequence) and len(other) == len(self) and all(
            a == b for a, b in zip(self, other, strict=True))

    def __hash__(self) -> int:  # as the tuple it equals
        return hash(tuple(self))

    def __repr__(self) -> str:
        shown = ", ".join(s.name for s in self[:4])
        return f"<{len(self):,} parameters: {shown}{', ...' if len(self) > 4 else ''}>"


# attributes of Graph (and of Network's scalar view) that the scalar graph makes
_SCALAR = frozenset({"_symbols", "_kinds", "_nodes", "_output", "meta", "weights", "biases",
                     "preactivations", "activations", "predictions", "source_terms"})


class Network(Graph):
    """A Graph built by :func:`mlp`, which also knows its layer structure.

    A network lives on two levels. On matrices (``net.matrices``, a :class:`LayerSymbols`),
    which :func:`~symbackprop.matrix_form` derives and :func:`~symbackprop.compile` compiles at
    any width. And as a scalar Graph, one Symbol per weight, made the first time something asks
    for it (``net.weights``, ``sb.chain(net, "w1_11")``, notes of a weight): building a net
    costs nothing in its width, and only the scalar graph has a ceiling (:data:`MAX_PARAMS`).

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

    def __init__(self, name: str | None = None):
        # the scalar graph (Graph's own state) is made on first use: see _build_scalar
        self.name = name
        self._version = 0
        self._structure = {}

    def __getattr__(self, attr: str):
        # only reached for attributes not set yet: the scalar graph's, made now
        if attr in _SCALAR and "layers" in self.__dict__ and "_building" not in self.__dict__:
            self._build_scalar()
            return self.__dict__[attr]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {attr!r}")

    @property
    def plain(self) -> bool:
        """Whether the network is still only its matrices and the registry's entries (as
        :func:`mlp` made it): every activation reads only its pre-activation and the loss only
        the last layer and the targets. A net changed since (a node added, another output)
        is not, and every path checks it again on its scalar graph."""
        return bool(self.__dict__.get("_plain")) and self._version == 0

    @property
    def scalar_built(self) -> bool:
        """Whether the scalar graph (one Symbol per weight) has been made."""
        return "_symbols" in self.__dict__

    def _build_scalar(self) -> None:
        n = self.n_params
        if n > MAX_PARAMS:
            shape = "-".join(map(str, self.layers))
            raise LimitError(
                f"the net {shape} has {n:,} parameters; its scalar graph (a SymPy symbol and "
                f"expression for every weight, which chain, expanded, backprop, verify and notes "
                f"of a weight need) is built for at most {MAX_PARAMS:,} parameters "
                f"(symbackprop.core.network.MAX_PARAMS). sb.matrix_form(net), sb.compile(net) "
                f"and sb.train work at this size{_smaller(list(self.layers))}")
        self.__dict__["_building"] = True
        version = self._version
        try:
            Graph.__init__(self, self.name)
            _build(self)
        except BaseException:
            for attr in _SCALAR:
                self.__dict__.pop(attr, None)
            raise
        finally:
            del self.__dict__["_building"]
            self._version = version
            self._structure = {}

    def _on_matrices(self) -> bool:
        """Whether to print the network on matrices: a wide net whose scalar graph is not made."""
        return not self.scalar_built and self.n_params > SHOWN_SCALAR

    def _sympystr(self, printer) -> str:
        if not self._on_matrices():
            return super()._sympystr(printer)
        S, L = self.matrices, self.depth
        shape = lambda m: f"{m.shape[0]}x{m.shape[1]}"
        lines = [f"inputs: {S.x.name} ({shape(S.x)})",
                 "params: " + ", ".join(f"{m.name} ({shape(m)})" for W, b in zip(S.W, S.b,
                                                                             strict=True)
                                        for m in (W, b)),
                 f"targets: {S.t.name} ({shape(S.t)})"]
        for l in range(1, L + 1):
            lines.append(("let " if l == 1 else "    ")
                         + f"{S.z[l - 1].name} = {S.W[l - 1].name}*{S.h[l - 1].name} + "
                           f"{S.b[l - 1].name}")
            fn = self.output_activation if l == L else self.activation
            if fn != "identity":
                lines.append(f"    {S.h[l].name} = {fn}({S.z[l - 1].name})")
        read = S.z[-1] if self.loss_entry.from_logits else S.h[-1]
        E = self.loss_entry.symbol
        lines += [f"    {E} = {self.loss}({read.name}, {S.t.name})", f"in  {E}"]
        return "\n".join(lines)

    def _latex(self, printer) -> str:
        if not self._on_matrices():
            return super()._latex(printer)
        S, L = self.matrices, self.depth
        marker = sp.Symbol("UARG")
        rows = []
        for l in range(1, L + 1):
            z = S.tex[S.z[l - 1]]
            rows.append(f"{z} &= {S.tex[S.W[l - 1]]} {S.tex[S.h[l - 1]]} + {S.tex[S.b[l - 1]]}")
            entry = self.output_entry if l == L else self.activation_entry
            if entry is None:  # the prediction of a loss on the logits
                name = function_latex(self.output_activation)
                rows.append(f"{S.tex[S.h[l]]} &= {name}\\left({z}\\right)")
            elif not entry.is_identity:
                applied = printer._print(entry(marker)).replace("UARG", z)
                if S.tex[S.h[l]] != applied:
                    rows.append(f"{S.tex[S.h[l]]} &= {applied}")
        return "\\begin{aligned}" + " \\\\ ".join(rows) + "\\end{aligned}"

    def __repr__(self) -> str:
        if "layers" not in self.__dict__:
            return super().__repr__()
        shape = "-".join(map(str, self.layers))
        return (f"<Network {shape} activation={self.activation!r} "
                f"output_activation={self.output_activation!r} loss={self.loss!r} "
                f"naming={self.naming!r}: {self.n_params:,} params>")

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

    @property
    def n_params(self) -> int:
        """Number of parameters (weights and biases), counted without building anything."""
        return _count_params(self.layers)

    @property
    def param_symbols(self):
        """The parameters in theta's order; before the scalar graph is built, a
        :class:`ParamSymbols` sequence that makes each Symbol when it is asked for."""
        if self.scalar_built:
            return super().param_symbols
        return ParamSymbols(self)

    @property
    def input_symbols(self) -> tuple[sp.Symbol, ...]:
        """The inputs x1, x2, ... (the columns of X), without building the scalar graph."""
        if self.scalar_built:
            return super().input_symbols
        return tuple(sp.Symbol(f"x{k}", real=True) for k in range(1, self.n_inputs + 1))

    @property
    def target_symbols(self) -> tuple[sp.Symbol, ...]:
        """The targets t or t1, t2, ... (the columns of T), without building the scalar graph."""
        if self.scalar_built:
            return super().target_symbols
        m = self.n_outputs
        return tuple(sp.Symbol(n, real=True)
                     for n in (["t"] if m == 1 else [f"t{j}" for j in range(1, m + 1)]))

    def parameter_name(self, i: int) -> str:
        """The name of theta's entry ``i`` (``w1_12``, ``b2_1``; ``w3``, ``b1`` sequentially)."""
        textbook = self.naming == "textbook"
        seq_w = seq_b = 0
        for l in range(1, self.depth + 1):
            n_in, n_out = self.layers[l - 1], self.layers[l]
            if i < n_in * n_out:
                j, k = divmod(i, n_in)
                return f"w{l}_{_idx(j + 1, k + 1)}" if textbook else f"w{seq_w + i + 1}"
            i -= n_in * n_out
            if i < n_out:
                return f"b{l}_{_idx(i + 1)}" if textbook else f"b{seq_b + i + 1}"
            i -= n_out
            seq_w += n_in * n_out
            seq_b += n_out
        raise IndexError("parameter index out of range")

    def param_slices(self) -> list[tuple[slice, slice]]:
        """Where each layer's weights and biases sit in theta: ``(weights, biases)`` slices
        per layer; ``theta[weights].reshape(n_l, n_{l-1})`` is :math:`W^{(l)}`."""
        out, offset = [], 0
        for n_in, n_out in itertools.pairwise(self.layers):
            w = slice(offset, offset + n_in * n_out)
            offset = w.stop + n_out
            out.append((w, slice(w.stop, offset)))
        return out

    @property
    def matrices(self) -> LayerSymbols:
        """The network on matrices (a :class:`LayerSymbols`), made once."""
        found = self.__dict__.get("_matrices")
        if found is None:
            found = self.__dict__["_matrices"] = _layer_symbols(self)
        return found


def _layer_symbols(net: Network) -> LayerSymbols:
    sizes, L = net.layers, net.depth
    textbook = net.naming == "textbook"
    tex: dict[sp.MatrixSymbol, str] = {}

    def make(name: str, rows: int, cols: int, latex: str) -> sp.MatrixSymbol:
        m = sp.MatrixSymbol(name, rows, cols)
        tex[m] = latex
        return m

    def vec(letter: str, n: int) -> str:  # a vector in bold, a single number not
        return f"\\boldsymbol{{{letter}}}" if n > 1 else letter

    x = make("x", sizes[0], 1, vec("x", sizes[0]))
    t = make("t", sizes[-1], 1, vec("t", sizes[-1]))
    W = tuple(make(f"W{l}", sizes[l], sizes[l - 1], f"W^{{({l})}}") for l in range(1, L + 1))
    b = tuple(make(f"b{l}", sizes[l], 1, vec("b", sizes[l]) + f"^{{({l})}}")
              for l in range(1, L + 1))
    z, h = [], [x]
    for l in range(1, L + 1):
        last, n = l == L, sizes[l]
        if textbook:
            zt = vec("z", n) + f"^{{({l})}}"
            ht = f"\\hat{{{vec('y', n)}}}" if last else vec("h", n) + f"^{{({l})}}"
        else:  # the lecture notes' names: h for a hidden pre-activation, y for the output
            zt = vec("y", n) if last else vec("h", n) + f"^{{({l})}}"
            ht = f"a({zt})"
        if textbook:
            zname, hname = f"z{l}", ("yhat" if last else f"h{l}")
        else:  # as the scalar graph names them: h1 pre-activation, a_h1 its activation
            zname = "y" if last else f"h{l}"
            hname = f"a_{zname}"
        z.append(make(zname, sizes[l], 1, zt))
        h.append(make(hname, sizes[l], 1, ht))
    return LayerSymbols(x, t, W, b, tuple(z), tuple(h), tex)


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
    need, have = 4 * 8 * n_params, _memory()
    if have and need > MEMORY_SHARE * have:
        raise LimitError(
            f"the net {'-'.join(map(str, out))} has {n_params:,} parameters: theta, its gradient "
            f"and an optimizer's moments take {need / 2**30:.1f} GiB, more than "
            f"{MEMORY_SHARE:.0%} of this machine's {have / 2**30:.1f} GiB of memory; build a "
            f"smaller net")
    return tuple(out)


def _memory() -> int:
    """The machine's physical memory in bytes (0 where the system does not say)."""
    import os
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return 0


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
    net.output_activation = str(loss_e.output) if out_e is None else out_e.name
    net.loss = loss_e.name
    net.activation_entry, net.output_entry, net.loss_entry = hidden, out_e, loss_e
    net.__dict__["_plain"] = _plain(hidden, out_e, loss_e, shape[-1])
    if not net.plain:  # an activation or loss that reads more: its scalar graph says what
        net._build_scalar()
    return net


_PROBE = sp.Symbol("z", real=True)


def _plain(hidden: Activation, out: Activation | None, loss: Loss, m: int) -> bool:
    """Whether the network is its matrices and nothing more: every activation reads only its
    own pre-activation, the loss only the last layer and the targets, and the loss has a matrix
    form. Such a net's scalar graph is made only when asked for; any other is built at once,
    so that what its functions read is checked (and named) when it is made."""
    for entry in (hidden, out):
        if entry is not None and not entry.is_identity:
            expr = entry(_PROBE)
            if expr.free_symbols != {_PROBE}:
                return False
    if loss.matrix is None or m > 64:
        return loss.matrix is not None  # wide outputs: the registry's form is trusted
    ys = [sp.Symbol(f"_y{j}", real=True) for j in range(m)]
    ts = [sp.Symbol(f"_t{j}", real=True) for j in range(m)]
    reads = loss(ys, ts).free_symbols
    if not reads & set(ys) or not reads <= set(ys) | set(ts):
        return False
    if loss.from_logits:
        loss.predictions(ys)  # one per logit, or a clear error now
    return True


def _build(net: Network) -> None:
    """The scalar graph of a network: one Symbol per weight, bias and neuron."""
    shape, naming = net.layers, net.naming
    hidden, out_e, loss_e = net.activation_entry, net.output_entry, net.loss_entry
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
