r"""The matrix form of backpropagation, derived on matrices: any width, any number of classes.

A network built by :func:`~symbackprop.mlp` is, on matrices, ``net.matrices``: SymPy
``MatrixSymbol`` s :math:`W^{(l)} \in \mathbb{R}^{n_l \times n_{l-1}}`, :math:`b^{(l)}`,
:math:`x`, :math:`t`, and the columns :math:`z^{(l)}, h^{(l)}`. Its forward pass is
:math:`z^{(l)} = W^{(l)} h^{(l-1)} + b^{(l)}` and :math:`h^{(l)} = a(z^{(l)})` entry by entry;
the loss reads the last layer. :func:`matrix_form` derives the backward pass by the chain rule
on matrices, one vector-Jacobian product per step of the forward pass, walked from the loss down:

* the loss: its gradient in what it reads, from the loss's registry entry (the matrix form its
  compiled code uses): :math:`\hat y - t` for ``half_se``, :math:`(\sum_k t_k)\,\hat y - t` for
  softmax cross-entropy on the logits, :math:`\hat y - t` for ``bce`` on the logit;
* an elementwise map :math:`h = a(z)`: its Jacobian is :math:`\operatorname{diag} a'(z)`, so the
  gradient in :math:`z` is the gradient in :math:`h` times :math:`a'(z)` entry by entry
  (:math:`\odot`);
* an affine map :math:`z = W h + b`: :math:`\partial z/\partial h = W`, so the gradient in
  :math:`h` is :math:`W^\top` times the gradient in :math:`z`; and
  :math:`\partial L/\partial W = (\partial L/\partial z)\, h^\top`,
  :math:`\partial L/\partial b = \partial L/\partial z`.

Naming :math:`\delta^{(l)} = \partial L/\partial z^{(l)}` gives the four equations of
backpropagation, BP1–BP4, as results of the derivation rather than a template:

.. math::
    \delta^{(L)} = \nabla_{\hat y} L \odot a'(z^{(L)}), \quad
    \delta^{(l)} = \bigl((W^{(l+1)})^\top \delta^{(l+1)}\bigr) \odot a'(z^{(l)}), \quad
    \frac{\partial L}{\partial W^{(l)}} = \delta^{(l)} (h^{(l-1)})^\top, \quad
    \frac{\partial L}{\partial b^{(l)}} = \delta^{(l)}.

None of this depends on the widths: 784-256-256-10 is derived in milliseconds.
``mf.grad(l)`` is :math:`\partial L/\partial W^{(l)}` with the deltas as symbols and
``mf.grad(l, expanded=True)`` the same in :math:`W, b, x, t` alone (every delta and every layer
substituted): the matrix twin of the expanded scalar derivative.

For nets small enough to have a scalar graph, every entry is also available one scalar at a time
(``mf.deltas``, ``mf.dW``, ``mf.gradient("w1_11")``, the fields this class always had), and
``mf.explicit(expr)`` writes any matrix expression out entry by entry in the scalar graph's
symbols, so the matrix derivation is checked against the scalar one entry by entry.
Where the loss reads a parameter or a hidden node itself (an L2 term on a weight), its direct
partial derivative is added (``direct`` lists them; on matrices, a term
:math:`\nabla_{W^{(l)}} L_{\text{direct}}`). A net whose activation reads anything besides its
own pre-activation (a parameter, PReLU-style) has no matrix form in these four equations;
:func:`matrix_form` says so.

Examples
========
>>> import symbackprop as sb
>>> mf = sb.matrix_form(sb.mlp([784, 256, 10], activation="relu", loss="softmax_ce"))
>>> print(mf.grad(1))
delta1*x.T
>>> print(mf.text(mf.delta_equations[0]))
(W2.T*delta2) ⊙ relu'(z1)
>>> print(mf.text(mf.grad(2, expanded=True)))
(Σt*softmax(W2*relu(W1*x + b1) + b2) - t)*relu(W1*x + b1).T
>>> mf = sb.matrix_form(sb.mlp([2, 2, 1], activation="sigmoid"))
>>> mf.deltas[1][0]
h2_1*(1 - h2_1)*(h2_1 - t)
>>> mf.deltas[0][1]
delta_z2_1*h1_2*w2_12*(1 - h1_2)
>>> mf.dW[0][1, 0]
delta_z1_2*x1
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import SimpleNamespace

import sympy as sp
from sympy.core.symbol import Str
from sympy.matrices.expressions import MatrixExpr

from ..core.errors import InvalidValueError, LimitError
from ..core.functions import function_latex
from ..core.graph import Graph, LatexRepr, in_graph
from ..core.network import MAX_PARAMS, LayerSymbols, Network
from ..core.registry import Activation
from ..core.rows import rowsum
from .cache import derivations
from .local import full_substitution, local_partial
from .program import delta_symbol

__all__ = ["Apply", "LayerFunction", "MatrixForm", "VectorMap", "matrix_form", "matrix_form_obstacle",
           "reads_beyond"]

_U = sp.Symbol("u", real=True)
TOTAL = sp.Symbol("sum_t", real=True)
"""The sum of the targets, :math:`\\sum_k t_k`, in softmax cross-entropy's gradient."""


class Apply(MatrixExpr):
    """A function applied to every entry of a matrix expression: ``Apply(name, Lambda, arg)``.

    ``name`` is how it prints: an activation's name (``sigmoid``), its derivative's
    (``sigmoid'``), or ``f`` for a loss's elementwise gradient.
    """

    def __new__(cls, name, function, arg):
        name = name if isinstance(name, Str) else Str(name)  # a name, not a free symbol
        return MatrixExpr.__new__(cls, name, function, arg)

    @property
    def name(self) -> str:
        return self.args[0].name

    @property
    def function(self) -> sp.Lambda:
        return self.args[1]

    @property
    def arg(self) -> MatrixExpr:
        return self.args[2]

    @property
    def shape(self):
        return self.args[2].shape

    def _entry(self, i, j, **kwargs):
        return self.function(self.arg._entry(i, j, **kwargs))

    def doit(self, **hints):
        return self

    def _sympystr(self, printer) -> str:
        return f"{self.name}({printer._print(self.arg)})"


class VectorMap(MatrixExpr):
    """A map of a whole column to a column of its size that mixes the entries: the prediction
    of a loss on the logits (``softmax``, or ``sigmoid`` for one logit)."""

    def __new__(cls, name, arg):
        name = name if isinstance(name, Str) else Str(name)
        return MatrixExpr.__new__(cls, name, arg)

    @property
    def name(self) -> str:
        return self.args[0].name

    @property
    def arg(self) -> MatrixExpr:
        return self.args[1]

    @property
    def shape(self):
        return self.args[1].shape

    def doit(self, **hints):
        return self

    def _sympystr(self, printer) -> str:
        return f"{self.name}({printer._print(self.arg)})"


def reads_beyond(net: Network) -> tuple[str, sp.Symbol, frozenset[sp.Symbol]] | None:
    """The first node that keeps the four equations from holding as they stand, or None:
    ``(kind, node, what it reads)``, kind ``"activation"`` (an activation that reads more
    than its own pre-activation, say a parameter), ``"prediction"`` (a prediction of a loss on
    the logits that reads more than the logits) or ``"loss"`` (a loss on the logits that reads
    its predictions)."""
    link = net.loss_entry.from_logits
    for l in range(net.depth):
        zs, hs = list(net.preactivations[l]), list(net.activations[l])
        last_link = link and l == net.depth - 1
        for z, h in zip(zs, hs, strict=True):
            if z == h:
                continue
            extra = net.definition(h).expr.free_symbols - (set(zs) if last_link else {z})
            if extra:
                return ("prediction" if last_link else "activation", h, frozenset(extra))
    if link:
        read = set(net.parents(net.output)) & set(net.activations[-1])
        if read:
            return ("loss", net.output, frozenset(read))
    return None


def matrix_form_obstacle(net: Network) -> str | None:
    """Why the four equations do not hold for this network as they stand, or None.

    They need every activation (and every prediction of a loss on the logits) to read only
    the pre-activations of its layer, and a loss on the logits not to read its predictions.
    """
    loss = net.loss_entry.symbol
    if net.output.name != loss:
        return (f"the output is {net.output.name}, not the network's loss {loss} (a node was "
                "added after it)")
    found = reads_beyond(net)
    if found is None:
        return None
    kind, node, extra = found
    if kind == "loss":
        return f"the loss reads the predictions {_names(extra)} besides the logits"
    return (f"the {kind} {node.name} = {net.definition(node).expr} reads {_names(extra)} "
            f"besides its pre-activation{'s' if kind == 'prediction' else ''}")


# ---- the derivation ----------------------------------------------------------------------------

@dataclass(frozen=True)
class LayerFunction:
    """One layer's activation as the derivation and the compilers use it (``entry`` None: the
    identity, or the prediction of a loss on the logits)."""

    entry: Activation | None
    value: sp.Expr | None = None  # a(u)
    slope: sp.Expr | None = None  # a'(u), in u alone (to evaluate)
    textbook: sp.Expr | None = None  # a'(z) in z and h = a(z), as the scalar engine writes it

    def apply(self, z: sp.Expr) -> sp.Expr:
        """:math:`a(z)` for a symbol (or expression) ``z``."""
        if self.entry is None or self.value is None:
            return z
        return self.value.xreplace({_U: z})

    def derivative(self, z: sp.Expr, h: sp.Expr) -> sp.Expr:
        """:math:`a'(z)` written as the scalar engine writes it, in ``z`` and ``h = a(z)``
        (sigmoid: :math:`h(1-h)`), so compiled code reuses what the forward pass computed."""
        if self.entry is None or self.textbook is None:
            return sp.S.One
        return self.textbook.xreplace({_Z: z, _H: h})


_Z, _H = sp.Symbol("_z", real=True), sp.Symbol("_h", real=True)
_TEXTBOOK: dict[str, tuple[sp.Expr, sp.Expr]] = {}


def _layer(entry: Activation | None) -> LayerFunction:
    if entry is None or entry.is_identity:
        return LayerFunction(None)
    value = entry(_U)
    key = sp.srepr(value)
    if key not in _TEXTBOOK:  # the scalar engine's textbook form, on a one-node graph
        g = Graph()
        z = g.inputs("z")
        h = g.node("h", entry(z))
        _TEXTBOOK[key] = (sp.diff(value, _U), local_partial(g, h, z).xreplace({z: _Z, h: _H}))
    slope, textbook = _TEXTBOOK[key]
    return LayerFunction(entry, value, slope, textbook)


class _Derivation:
    """The chain rule on matrices: adjoints accumulated from the loss down the forward pass."""

    def __init__(self) -> None:
        self.adjoint: dict[sp.MatrixSymbol, MatrixExpr] = {}

    def add(self, target: sp.MatrixSymbol, term: MatrixExpr) -> None:
        have = self.adjoint.get(target)
        self.adjoint[target] = term if have is None else sp.MatAdd(have, term)


def _convert(expr: sp.Expr, leaves: Mapping[sp.Symbol, object]) -> MatrixExpr | sp.Expr:
    """A loss's elementwise formula over whole matrices (from its registry matrix form) as a
    matrix expression: sums and scalar multiples stay matrix algebra, a product of two
    matrices is ⊙, anything else of one matrix is applied entry by entry."""
    if expr in leaves:
        return leaves[expr]
    if not expr.free_symbols & set(leaves):
        return expr

    def is_matrix(e) -> bool:
        return isinstance(e, MatrixExpr)

    if expr.is_Add:
        terms = [_convert(a, leaves) for a in expr.args]
        if all(is_matrix(t) for t in terms):
            return sp.MatAdd(*terms)
    elif expr.is_Mul:
        parts = [_convert(a, leaves) for a in expr.args]
        mats = [m for m in parts if is_matrix(m)]
        coeff = sp.Mul(*[m for m in parts if not is_matrix(m)])
        if mats:
            core = mats[0] if len(mats) == 1 else sp.HadamardProduct(*mats)
            return core if coeff == 1 else sp.MatMul(coeff, core)
    used = [s for s in expr.free_symbols if s in leaves]
    if len(used) == 1 and is_matrix(leaves[used[0]]):
        return Apply("_f", sp.Lambda(_U, expr.xreplace({used[0]: _U})), leaves[used[0]])
    raise _NoForm


class _NoForm(Exception):
    pass


def _loss_gradient(net: Network, S: LayerSymbols, read: sp.MatrixSymbol):
    """The loss's gradient in the matrix it reads, from its registry entry's matrix form; an
    opaque symbol when the entry has no matrix form that converts."""
    entry = net.loss_entry
    m = net.n_outputs
    if entry.matrix is not None:
        Y, T = sp.Symbol("_Y", real=True), sp.Symbol("_T", real=True)
        form = entry.matrix(Y, T, m)
        leaves: dict[sp.Symbol, object] = {Y: read, T: S.t}
        if form.prediction is not None:
            leaves[form.prediction] = S.h[-1]
        try:
            for lhs, rhs in form.steps:
                if lhs in leaves:
                    continue
                if rhs == rowsum(T):
                    leaves[lhs] = TOTAL
                elif lhs in form.delta.free_symbols:
                    leaves[lhs] = _convert(rhs, leaves)
            return _convert(form.delta, leaves)
        except _NoForm:
            pass
    return sp.MatrixSymbol("gradL", m, 1)


def _reads(net: Network) -> dict[str, set]:
    """What the loss reads besides the last layer and the targets, by kind (scalar graph)."""
    if net.plain:
        return {}
    E = net.output
    link = net.loss_entry.from_logits
    main = set(net.preactivations[-1] if link else net.activations[-1])
    out: dict[str, set] = {}
    for s in net.parents(E):
        if s in main or s in net.target_symbols or s in net.input_symbols:
            continue
        out.setdefault(_where(net, s), set()).add(s)
    return out


def _part(S: LayerSymbols, kind: str) -> sp.MatrixSymbol:
    """The matrix a direct term belongs to: ``"W2"`` is W^(2), ``"h1"`` the activations h^(1)."""
    letter, l = kind[0], int(kind[1:])
    if letter == "W":
        return S.W[l - 1]
    if letter == "b":
        return S.b[l - 1]
    return S.h[l] if letter == "h" else S.z[l - 1]


def _where(net: Network, s: sp.Symbol) -> str:
    for l in range(net.depth):
        if s in net.weights[l]:
            return f"W{l + 1}"
        if s in net.biases[l]:
            return f"b{l + 1}"
        if s in net.activations[l] and s not in net.preactivations[l]:
            return f"h{l + 1}"
        if s in net.preactivations[l]:
            return f"z{l + 1}"
    return "?"


def matrix_form(net: Network) -> MatrixForm:
    """Derive the matrix form of backpropagation for a network built by :func:`mlp`.

    The derivation is on matrices and costs nothing in the widths. Every direct term is kept:
    where the loss reads a weight, a bias or a hidden node itself, its partial derivative is
    added. A network whose activations read more than their own pre-activation is refused
    (:class:`InvalidValueError` saying what they read).
    """
    if not isinstance(net, Network):
        raise InvalidValueError("the matrix form needs a network built by mlp(...)")
    cache = derivations(net)  # derived once per version of the net (notes, compile, verify)
    if cache.matrix is None:
        cache.matrix = _derive(net)
    return cache.matrix


def _derive(net: Network) -> MatrixForm:
    obstacle = None if net.plain else matrix_form_obstacle(net)
    if obstacle:
        raise InvalidValueError(f"the matrix form of backpropagation does not hold for this "
                                f"network: {obstacle}; the chain rule (sb.chain, "
                                "sb.backprop) derives its gradients")
    S = net.matrices
    L = net.depth
    link = net.loss_entry.from_logits
    layers = tuple(_layer(net.activation_entry if l < L else net.output_entry)
                   for l in range(1, L + 1))
    forward: list[tuple[sp.MatrixSymbol, MatrixExpr]] = []
    for l in range(1, L + 1):
        z, h, lay = S.z[l - 1], S.h[l], layers[l - 1]
        forward.append((z, sp.MatAdd(sp.MatMul(S.W[l - 1], S.h[l - 1]), S.b[l - 1])))
        if l == L and link:
            forward.append((h, VectorMap(net.loss_entry.output, z)))
        elif lay.entry is None:
            forward.append((h, z))
        else:
            forward.append((h, Apply(lay.entry.name, sp.Lambda(_U, lay.value), z)))
    read = S.z[-1] if link else S.h[-1]
    gradient = _loss_gradient(net, S, read)
    rules: list[str] = [f"loss: the gradient in {read.name} from the loss's entry"]
    d = _Derivation()
    d.add(read, gradient)
    direct: dict[str, sp.MatrixSymbol] = {}
    for kind in _reads(net):
        direct[kind] = sp.MatrixSymbol(f"direct_{kind}", *_part(S, kind).shape)
    for l in range(1, L + 1):  # a hidden node the loss reads itself: its own partial
        for kind, target in ((f"h{l}", S.h[l]), (f"z{l}", S.z[l - 1])):
            if kind in direct:
                d.add(target, direct[kind])
    deltas: dict[int, MatrixExpr] = {}
    dsym = tuple(sp.MatrixSymbol(f"delta{l}", net.layers[l], 1) for l in range(1, L + 1))
    gW: dict[int, MatrixExpr] = {}
    gb: dict[int, MatrixExpr] = {}
    for target, rhs in reversed(forward):
        g = d.adjoint.pop(target, None)
        if g is None:  # nothing flows here (the predictions of a loss on the logits)
            continue
        if isinstance(rhs, Apply):  # elementwise: the Jacobian is diag a'(z)
            l = S.h.index(target)
            lay = layers[l - 1]
            fn = rhs.name
            slope = Apply(f"{fn}'", sp.Lambda(_U, lay.slope), rhs.arg)
            d.add(rhs.arg, sp.HadamardProduct(g, slope))
            rules.append(f"elementwise {target.name} = {fn}({rhs.arg.name}): "
                         f"times {fn}'({rhs.arg.name}) entry by entry")
        elif isinstance(rhs, sp.MatrixSymbol):  # identity: h = z
            d.add(rhs, g)
            rules.append(f"identity {target.name} = {rhs.name}")
        else:  # affine z = W h + b: name the adjoint of z delta
            l = S.z.index(target) + 1
            deltas[l] = g
            W, h = S.W[l - 1], S.h[l - 1]
            gW[l] = sp.MatMul(dsym[l - 1], sp.Transpose(h))
            gb[l] = dsym[l - 1]
            for kind, grads in ((f"W{l}", gW), (f"b{l}", gb)):
                if kind in direct:
                    grads[l] = sp.MatAdd(grads[l], direct[kind])
            rules.append(f"affine {target.name} = {W.name}*{h.name} + {S.b[l - 1].name}: "
                         f"delta{l} = ∂L/∂{target.name}; ∂L/∂{W.name} = delta{l}*{h.name}.T, "
                         f"∂L/∂{S.b[l - 1].name} = delta{l}"
                         + (f"; ∂L/∂{h.name} = {W.name}.T*delta{l}" if l > 1 else ""))
            if l > 1:
                d.add(h, sp.MatMul(sp.Transpose(W), dsym[l - 1]))
    return MatrixForm(
        net, S, tuple(forward), dsym, tuple(deltas[l] for l in range(1, L + 1)),
        tuple(gW[l] for l in range(1, L + 1)), tuple(gb[l] for l in range(1, L + 1)),
        gradient, tuple(layers), tuple(rules), direct, net.version)


# ---- the result --------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class MatrixForm(LatexRepr):
    """One network's backward pass on matrices (tuples indexed by layer - 1).

    ``forward`` lists the forward pass as ``(symbol, definition)`` pairs; ``delta_matrices``
    are :math:`\\delta^{(l)}` as symbols and ``delta_equations`` their definitions (in the
    delta of the layer above); ``weight_gradients`` and ``bias_gradients`` are BP3 and BP4;
    ``output_gradient`` the loss's gradient in what it reads; ``rules`` the chain-rule steps
    taken, in words. The scalar fields (``W``, ``b``, ``z``, ``h``, ``delta_symbols``,
    ``deltas``, ``derivatives``, ``dW``, ``db``, ``direct``) are made on first use, for nets
    that have a scalar graph (:data:`~symbackprop.core.network.MAX_PARAMS`).
    """

    net: Network
    symbols: LayerSymbols
    forward: tuple[tuple[sp.MatrixSymbol, MatrixExpr], ...]
    delta_matrices: tuple[sp.MatrixSymbol, ...]
    delta_equations: tuple[MatrixExpr, ...]
    weight_gradients: tuple[MatrixExpr, ...]
    bias_gradients: tuple[MatrixExpr, ...]
    output_gradient: MatrixExpr
    layers: tuple[LayerFunction, ...] = field(repr=False)
    rules: tuple[str, ...] = field(repr=False)
    direct_terms: dict[str, sp.MatrixSymbol] = field(default_factory=dict, repr=False)
    version: int = field(default=0, repr=False)  # the network's, when this was derived

    # ---- on matrices --------------------------------------------------------------------------
    def _layer_index(self, l: int) -> int:
        if isinstance(l, bool) or not isinstance(l, int) or not 1 <= l <= self.net.depth:
            raise InvalidValueError(f"layer {l!r} is not a layer of this network; the layers "
                                    f"with weights are 1..{self.net.depth}")
        return l - 1

    def delta(self, l: int, expanded: bool = False) -> MatrixExpr:
        """:math:`\\delta^{(l)}`: in the delta above (or, ``expanded``, in W, b, x and t)."""
        e = self.delta_equations[self._layer_index(l)]
        return self.expand(e) if expanded else e

    def grad(self, l: int, expanded: bool = False, of: str = "W") -> MatrixExpr:
        """:math:`\\partial L/\\partial W^{(l)}` (``of="b"``: the bias), with the deltas as
        symbols, or ``expanded``: every delta and every layer substituted, one matrix
        expression in :math:`W, b, x, t`."""
        if of not in ("W", "b"):
            raise InvalidValueError(f"of must be 'W' or 'b', not {of!r}")
        i = self._layer_index(l)
        e = (self.weight_gradients if of == "W" else self.bias_gradients)[i]
        return self.expand(e) if expanded else e

    def expand(self, expr: MatrixExpr) -> MatrixExpr:
        """Every delta, then every layer, substituted: the expression in W, b, x and t."""
        sub: dict = {}
        for dsym, e in reversed(list(zip(self.delta_matrices, self.delta_equations,
                                         strict=True))):
            sub[dsym] = e.xreplace(sub)
        expr = expr.xreplace(sub)
        forward: dict = {}
        for lhs, rhs in self.forward:
            forward[lhs] = rhs.xreplace(forward)
        return expr.xreplace(forward)

    def dimensions(self) -> list[tuple[sp.MatrixSymbol, tuple[int, int]]]:
        """Every matrix and vector with its shape, in the order of the forward pass."""
        S = self.symbols
        order = [S.x]
        for l in range(self.net.depth):
            order += [S.W[l], S.b[l], S.z[l], S.h[l + 1]]
        order.append(S.t)
        return [(m, (int(m.shape[0]), int(m.shape[1]))) for m in order]

    # ---- entry by entry (nets with a scalar graph) --------------------------------------------
    @cached_property
    def _scalar(self) -> SimpleNamespace:
        if self.net.version != self.version:
            raise InvalidValueError("the network has changed since this matrix form was "
                                    "derived; derive it again with sb.matrix_form(net)")
        if self.net.n_params > MAX_PARAMS:
            raise LimitError(
                f"the scalar entries of the matrix form need the net's scalar graph, built for "
                f"at most {MAX_PARAMS:,} parameters; this net has {self.net.n_params:,}. The "
                "matrices (mf.delta, mf.grad, mf.forward) have no such limit")
        return _scalar_entries(self.net)

    @property
    def W(self) -> tuple[sp.Matrix, ...]:
        """The weight Symbols of each layer, one matrix per layer."""
        return self._scalar.W

    @property
    def b(self) -> tuple[sp.Matrix, ...]:
        """The bias Symbols of each layer, one column per layer."""
        return self._scalar.b

    @property
    def z(self) -> tuple[sp.Matrix, ...]:
        """The pre-activation Symbols of each layer."""
        return self._scalar.z

    @property
    def h(self) -> tuple[sp.Matrix, ...]:
        """``h[0]`` is the input x; ``h[l]`` the activation Symbols of layer l."""
        return self._scalar.h

    @property
    def delta_symbols(self) -> tuple[sp.Matrix, ...]:
        """The scalar delta symbols (``delta_z2_1``, ...) of each layer."""
        return self._scalar.delta_symbols

    @property
    def deltas(self) -> tuple[sp.Matrix, ...]:
        """Each delta in local symbols and the next layer's delta symbols."""
        return self._scalar.deltas

    @property
    def derivatives(self) -> tuple[sp.Matrix, ...]:
        """:math:`a'(z^{(l)})` entry by entry, in local symbols."""
        return self._scalar.derivatives

    @property
    def dW(self) -> tuple[sp.Matrix, ...]:
        """:math:`\\partial L/\\partial W^{(l)}` entry by entry."""
        return self._scalar.dW

    @property
    def db(self) -> tuple[sp.Matrix, ...]:
        """:math:`\\partial L/\\partial b^{(l)}` entry by entry."""
        return self._scalar.db

    @property
    def direct(self) -> dict[sp.Symbol, sp.Expr]:
        """The loss's partial derivative in each parameter or hidden node it reads itself."""
        return self._scalar.direct

    def gradient(self, name) -> sp.Expr:
        """The matrix form's entry for one weight or bias (in delta and forward symbols)."""
        sym = self.net.symbol(name)
        for l, (W, b) in enumerate(zip(self.W, self.b, strict=True)):
            for (j, k), w in _entries(W):
                if w == sym:
                    return self.dW[l][j, k]
            for j, bj in enumerate(b):
                if bj == sym:
                    return self.db[l][j]
        raise InvalidValueError(f"{sym.name!r} is not a weight or bias of this network")

    def in_leaves(self, expr: sp.Expr) -> sp.Expr:
        """Substitute every delta and every forward node: the expression in the leaves."""
        full = full_substitution(self.net)
        sub: dict[sp.Symbol, sp.Expr] = {}
        for l in reversed(range(len(self.deltas))):
            for d, e in zip(self.delta_symbols[l], self.deltas[l], strict=True):
                sub[d] = e.xreplace(sub)
        return expr.xreplace(sub).xreplace(full)

    def explicit(self, expr: MatrixExpr) -> sp.Matrix:
        """A matrix expression written out entry by entry in the scalar graph's symbols (the
        deltas as the backprop program's delta symbols): the check of the matrix derivation
        against the scalar one. Small nets only (they need the scalar graph)."""
        return _Explicit(self).value(expr)

    def at(self, point) -> dict[sp.MatrixSymbol, sp.Matrix]:
        """The value of every matrix and vector (forward, deltas, gradients) at a point (a
        mapping from the leaves' names or Symbols to numbers), for nets with a scalar graph.
        Keys: the matrix symbols, and ``("grad", l)`` / ``("grad_b", l)`` for the gradients."""
        from .program import backprop
        values = dict(self.net.evaluate(point))  # the forward pass
        grads = backprop(self.net).evaluate(point)  # each symbol's gradient: a node's delta
        for zs, ds in zip(self.z, self.delta_symbols, strict=True):
            values.update((d, grads[z]) for z, d in zip(zs, ds, strict=True))

        def num(M):
            return M.xreplace(values).applyfunc(lambda v: v.evalf() if v.free_symbols == set()
                                                else v)

        out: dict = {}
        for lhs, _ in self.forward:
            out[lhs] = num(self.explicit(lhs))
        for l, dsym in enumerate(self.delta_matrices, 1):
            out[dsym] = num(self.explicit(dsym))
            out[("grad", l)] = num(self.explicit(self.weight_gradients[l - 1]))
            out[("grad_b", l)] = num(self.explicit(self.bias_gradients[l - 1]))
        return out

    # ---- printing ---------------------------------------------------------------------------
    def text(self, expr) -> str:
        """A matrix expression as plain text (⊙ for the entrywise product)."""
        return _Text(self).print(expr)

    def tex(self, expr, printer=None, breakable: bool = False) -> str:
        """A matrix expression as LaTeX, with the network's names
        (:math:`W^{(l)}`, :math:`\\boldsymbol{\\delta}^{(l)}`, :math:`\\odot`).
        ``breakable``: parentheses as ``\\bigl( \\bigr)``, which (unlike ``\\left(``) may be
        split over the lines of an ``align``."""
        if printer is None:
            from sympy.printing.latex import LatexPrinter
            printer = LatexPrinter()
        return _Tex(self, printer, breakable).print(expr)

    def _sympystr(self, printer) -> str:
        shape = "-".join(map(str, self.net.layers))
        E = self.net.loss_entry.symbol
        lines = [f"matrix form of backpropagation for the {shape} network",
                 "dimensions: " + ", ".join(f"{s.name} {r}x{c}" for s, (r, c)
                                            in self.dimensions())]
        lines.append("forward:")
        lines += [f"  {lhs.name} = {self.text(rhs)}" for lhs, rhs in self.forward]
        read = self.symbols.z[-1] if self.net.loss_entry.from_logits else self.symbols.h[-1]
        lines.append(f"  {E} = {self.net.loss}({read.name}, t)")
        lines.append("backward:")
        for l in range(self.net.depth, 0, -1):
            i = l - 1
            lines.append(f"  delta{l} = {self.text(self.delta_equations[i])}")
            lines.append(f"  ∂{E}/∂W{l} = {self.text(self.weight_gradients[i])}")
            lines.append(f"  ∂{E}/∂b{l} = {self.text(self.bias_gradients[i])}")
        if self.net.n_params <= MAX_PARAMS and max(self.net.layers) <= ENTRIES_SHOWN:
            lines.append("entry by entry:")
            lines += _scalar_lines(self, printer)
        return "\n".join(lines)

    def _latex(self, printer) -> str:
        """The dimensions, then BP1–BP4 layer by layer from the output down."""
        t = _Tex(self, printer)
        E = printer._print(self.net.output) if self.net.scalar_built else \
            self.net.loss_entry.symbol
        dims = ", ".join(f"{t.print(s)} \\in \\mathbb{{R}}^{{{r}\\times {c}}}"
                         if c > 1 else f"{t.print(s)} \\in \\mathbb{{R}}^{{{r}}}"
                         for s, (r, c) in self.dimensions() if isinstance(s, sp.MatrixSymbol)
                         and s.name.startswith("W"))
        rows = [f"& {dims}"]
        with in_graph(printer, self.net) if self.net.scalar_built else _nothing():
            for l in range(self.net.depth, 0, -1):
                i = l - 1
                rows.append(f"{t.print(self.delta_matrices[i])} &= "
                            f"{t.print(self.delta_equations[i])}")
                rows.append(f"\\frac{{\\partial {E}}}{{\\partial W^{{({l})}}}} &= "
                            f"{t.print(self.weight_gradients[i])}")
        return "\\begin{aligned}" + " \\\\ ".join(rows) + "\\end{aligned}"

    def __str__(self) -> str:
        return sp.sstr(self)

    def __repr__(self) -> str:
        shape = "-".join(map(str, self.net.layers))
        return f"<MatrixForm of the {shape} network: {self.net.depth} layers>"


ENTRIES_SHOWN = 8
"""Widest layer whose matrix form also prints its entries one by one."""


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _scalar_lines(mf: MatrixForm, printer) -> list[str]:
    p = printer._print
    E = mf.net.output.name
    lines = []
    for l in range(len(mf.W), 0, -1):
        i = l - 1
        lines.append(f"layer {l}:")
        for d, e in zip(mf.delta_symbols[i], mf.deltas[i], strict=True):
            lines.append(f"  {p(d)} = {p(e)}")
        for (j, k), g in _entries(mf.dW[i]):
            lines.append(f"  ∂{E}/∂{p(mf.W[i][j, k])} = {p(g)}")
        for j, g in enumerate(mf.db[i]):
            lines.append(f"  ∂{E}/∂{p(mf.b[i][j])} = {p(g)}")
    return lines


def _scalar_entries(net: Network) -> SimpleNamespace:
    """The matrix form entry by entry, in the scalar graph's symbols (its older fields)."""
    L = len(net.layers) - 1
    xs = sp.Matrix(net.input_symbols)
    hs = (xs, *net.activations)
    zs = tuple(net.preactivations)
    dsyms = tuple(sp.Matrix([delta_symbol(net, z) for z in zl]) for zl in zs)
    derivs = []
    for l in range(L):
        derivs.append(sp.Matrix([sp.S.One if z == h else local_partial(net, h, z)
                                 for z, h in zip(zs[l], hs[l + 1], strict=False)]))
    E = net.output
    direct = {s: local_partial(net, E, s) for s in net.parents(E)
              if s not in net.input_symbols and s not in net.target_symbols}

    def own(s: sp.Symbol) -> sp.Expr:
        return direct.get(s, sp.S.Zero)

    from_logits = net.loss_entry.from_logits
    out = []
    for j, (z, h) in enumerate(zip(zs[-1], hs[-1], strict=False)):
        if from_logits:
            out.append(local_partial(net, E, z))
        else:  # through the output, and directly where the loss reads z itself
            out.append(own(h) * derivs[-1][j] + (own(z) if z != h else 0))
    deltas = [None] * L
    deltas[L - 1] = sp.Matrix(out)
    for l in range(L - 2, -1, -1):
        back = net.weights[l + 1].T * dsyms[l + 1]
        entries = []
        for j in range(back.rows):
            z, h = zs[l][j], hs[l + 1][j]
            # a hidden node the loss reads (an activity penalty) adds its own partial
            entries.append((back[j] + own(h)) * derivs[l][j] + (own(z) if z != h else 0))
        deltas[l] = sp.Matrix(entries)
    dW = tuple(dsyms[l] * hs[l].T + net.weights[l].applyfunc(own) for l in range(L))
    db = tuple(dsyms[l] + net.biases[l].applyfunc(own) for l in range(L))
    last = set(zs[-1]) | set(hs[-1])
    direct = {s: d for s, d in direct.items() if s not in last}
    return SimpleNamespace(W=tuple(net.weights), b=tuple(net.biases), z=zs, h=hs,
                           delta_symbols=dsyms, deltas=tuple(deltas), derivatives=tuple(derivs),
                           dW=dW, db=db, direct=direct)


def _entries(M: sp.Matrix):
    return (((j, k), M[j, k]) for j in range(M.rows) for k in range(M.cols))


def _names(symbols) -> str:
    return ", ".join(sorted(s.name for s in symbols))


# ---- printing and evaluating matrix expressions ----------------------------------------------

_COMPOUND = (sp.MatAdd, sp.MatMul, sp.HadamardProduct)


def _split(e: sp.MatMul) -> tuple[sp.Expr, list]:
    scalars = [a for a in e.args if not isinstance(a, MatrixExpr)]
    return sp.Mul(*scalars), [a for a in e.args if isinstance(a, MatrixExpr)]


class _Text:
    def __init__(self, mf: MatrixForm):
        self.mf = mf

    def wrap(self, e) -> str:
        text = self.print(e)
        return f"({text})" if isinstance(e, _COMPOUND) else text

    def scalar(self, c) -> str:
        return sp.sstr(c.xreplace({TOTAL: sp.Symbol("Σt")}))

    def print(self, e) -> str:
        if isinstance(e, sp.MatrixSymbol):
            return e.name
        if isinstance(e, sp.Transpose):
            return f"{self.wrap(e.arg)}.T"
        if isinstance(e, (Apply, VectorMap)):
            return f"{e.name}({self.print(e.arg)})"
        if isinstance(e, sp.MatMul):
            coeff, mats = _split(e)
            body = "*".join(self.wrap(m) for m in mats)
            if coeff == 1:
                return body
            if coeff == -1:
                return f"-{body}"
            c = self.scalar(coeff)
            return f"({c})*{body}" if coeff.is_Add else f"{c}*{body}"
        if isinstance(e, sp.MatAdd):
            out = ""
            texts = [self.print(a) for a in e.args]  # as a textbook writes it: ŷ − t
            texts.sort(key=lambda text: text.startswith("-"))
            for i, text in enumerate(texts):
                if i == 0:
                    out = text
                elif text.startswith("-"):
                    out += f" - {text[1:]}"
                else:
                    out += f" + {text}"
            return out
        if isinstance(e, sp.HadamardProduct):
            return " ⊙ ".join(self.wrap(a) for a in e.args)
        return self.scalar(e)


class _Tex(_Text):
    def __init__(self, mf: MatrixForm, printer, breakable: bool = False):
        super().__init__(mf)
        self.printer = printer
        self.open, self.close = ("\\bigl(", "\\bigr)") if breakable else ("\\left(", "\\right)")

    def wrap(self, e) -> str:
        text = self.print(e)
        return f"{self.open}{text}{self.close}" if isinstance(e, _COMPOUND) else text

    def scalar(self, c) -> str:
        if c == TOTAL:
            return "\\Bigl(\\sum_k t_k\\Bigr)"
        return self.printer._print(c)

    def symbol(self, s: sp.MatrixSymbol) -> str:
        mf = self.mf
        tex = mf.symbols.tex.get(s)
        if tex is not None:
            return tex
        if s in mf.delta_matrices:
            l = mf.delta_matrices.index(s) + 1
            return ("\\boldsymbol{\\delta}" if s.shape[0] > 1 else "\\delta") + f"^{{({l})}}"
        E = mf.net.loss_entry.symbol
        if s.name == "gradL":
            return f"\\nabla {E}"
        if s.name.startswith("direct_"):
            kind = s.name[len("direct_"):]
            of = _part(mf.symbols, kind)
            return f"\\nabla_{{{self.symbol(of)}}} {E}_{{\\text{{direct}}}}"
        return self.printer._print(s)

    def function(self, name: str) -> str:
        """The LaTeX name of an activation, read off how the printer writes it applied."""
        prime = name.endswith("'")
        base = name.rstrip("'")
        if self.mf.net.naming == "sequential" and base != self.mf.net.loss_entry.output:
            return "a" + ("'" if prime else "")  # the lecture notes' a(·) for every activation
        entry = next((lay.entry for lay in self.mf.layers
                      if lay.entry is not None and lay.entry.name == base), None)
        head = None
        if entry is not None:
            marker = sp.Symbol("UARG")
            text = self.printer._print(entry(marker))
            for tail in ("(UARG)", "\\left(UARG\\right)", "{\\left(UARG \\right)}",
                         "\\left(UARG \\right)"):
                if text.endswith(tail) and "UARG" not in text[:-len(tail)]:
                    head = text[:-len(tail)]
                    break
        if head is None:
            head = function_latex(base)
        return head + ("'" if prime else "")

    def print(self, e) -> str:
        if isinstance(e, sp.MatrixSymbol):
            return self.symbol(e)
        if isinstance(e, sp.Transpose):
            inner = self.print(e.arg)
            if isinstance(e.arg, sp.MatrixSymbol) and inner.endswith(")}"):
                return inner[:-1] + "\\top}"  # W^{(2)\top}
            if isinstance(e.arg, sp.MatrixSymbol) and not inner.endswith(")"):
                return f"{inner}^{{\\top}}"
            return f"{self.open}{inner}{self.close}^{{\\top}}"
        if isinstance(e, Apply) and e.name == "_f":
            marker = sp.Symbol("UARG")
            body = self.printer._print(e.function(marker))
            return f"\\left[{body}\\right]_{{\\mathrm{{UARG}} = {self.print(e.arg)}}}".replace(
                "UARG", "u")
        if isinstance(e, (Apply, VectorMap)):
            return f"{self.function(e.name)}{self.open}{self.print(e.arg)}{self.close}"
        if isinstance(e, sp.MatMul):
            coeff, mats = _split(e)
            body = " ".join(self.wrap(m) for m in mats)
            if coeff == 1:
                return body
            if coeff == -1:
                return f"-{body}"
            c = self.scalar(coeff)
            return f"{self.open}{c}{self.close} {body}" if coeff.is_Add else f"{c} {body}"
        if isinstance(e, sp.HadamardProduct):
            return " \\odot ".join(self.wrap(a) for a in e.args)
        return super().print(e)


class _Explicit:
    """Matrix expressions written out entry by entry in the scalar graph's symbols."""

    def __init__(self, mf: MatrixForm):
        net, S = mf.net, mf.symbols
        sc = mf._scalar
        self.net = net
        env: dict = {S.x: sp.Matrix(net.input_symbols), S.t: sp.Matrix(net.target_symbols)}
        for l in range(net.depth):
            env[S.W[l]] = net.weights[l]
            env[S.b[l]] = net.biases[l]
            env[S.z[l]] = net.preactivations[l]
            env[S.h[l + 1]] = net.activations[l]
            env[mf.delta_matrices[l]] = sc.delta_symbols[l]
        E = net.output
        reads = set(net.parents(E))
        full = full_substitution(net)  # the loss's own partials, written in the leaves

        def partial(s):
            return local_partial(net, E, s).xreplace(full) if s in reads else sp.S.Zero

        for kind, sym in mf.direct_terms.items():
            env[sym] = env[_part(S, kind)].applyfunc(partial)
        if isinstance(mf.output_gradient, sp.MatrixSymbol) and mf.output_gradient.name == "gradL":
            link = net.loss_entry.from_logits
            outs = net.preactivations[-1] if link else net.activations[-1]
            env[mf.output_gradient] = outs.applyfunc(partial)
        self.env = env
        self.total = sp.Add(*net.target_symbols)

    def value(self, e):
        if isinstance(e, sp.MatrixSymbol):
            return self.env[e]
        if isinstance(e, sp.Transpose):
            return self.value(e.arg).T
        if isinstance(e, Apply):
            return self.value(e.arg).applyfunc(e.function)
        if isinstance(e, VectorMap):
            return sp.Matrix(self.net.loss_entry.predictions(list(self.value(e.arg))))
        if isinstance(e, sp.MatMul):
            coeff, mats = _split(e)
            out = self.value(mats[0])
            for m in mats[1:]:
                out = out * self.value(m)
            return out * coeff.xreplace({TOTAL: self.total})
        if isinstance(e, sp.MatAdd):
            out = self.value(e.args[0])
            for a in e.args[1:]:
                out = out + self.value(a)
            return out
        if isinstance(e, sp.HadamardProduct):
            out = self.value(e.args[0])
            for a in e.args[1:]:
                out = out.multiply_elementwise(self.value(a))
            return out
        raise InvalidValueError(f"cannot write {e} entry by entry")
