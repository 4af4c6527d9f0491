r"""Compile a graph's gradient into one vectorised NumPy function: loss and all gradients at once.

The code is generated from the backprop program (each delta computed once), never from
per-weight expanded formulas. Two paths:

* ``"scalar"``: one line of NumPy per step of the program, each symbol a vector over the batch;
  works for any Graph;
* ``"matrix"``: for networks built by :func:`~symbackprop.mlp`, the matrix form
  :math:`\delta^{(l)} = (W^{(l+1)\top}\delta^{(l+1)}) \odot a'(z^{(l)})`,
  :math:`\partial L/\partial W^{(l)} = \delta^{(l)} h^{(l-1)\top}` as matmuls over the batch.

``compile(..., path="auto")`` picks the matrix path for networks and says so in ``f.path``.
Numerics are stable where the maths allows: sigmoid is ``scipy.special.expit``, softplus and the
bce loss use ``numpy.logaddexp``, softmax cross-entropy uses ``scipy.special.logsumexp``.

Like :func:`sympy.lambdify`, this uses ``exec`` on the generated source; the source is built only
from the graph's own symbols and SymPy's printer, never from user text, and ``f.source`` shows it.

Examples
========
>>> import numpy as np
>>> import symbackprop as sb
>>> net = sb.mlp([2, 2, 1], activation="sigmoid", naming="sequential")
>>> f = sb.compile(net, path="scalar")
>>> [p.name for p in f.params]
['w1', 'w2', 'w3', 'w4', 'b1', 'b2', 'w5', 'w6', 'b3']
>>> theta = np.array([0.15, 0.2, 0.25, 0.3, 0.35, 0.35, 0.4, 0.45, 0.6])
>>> loss, grad = f(theta, np.array([[0.05, 0.1]]), np.array([[0.01]]))
>>> round(loss, 9), round(float(grad[6]), 9)   # E and dE/dw5 of Mazur's worked example
(0.274811083, 0.082167041)
"""

from __future__ import annotations

import builtins
import keyword
from dataclasses import dataclass, field

import numpy as np
import sympy as sp
from sympy.printing.numpy import NumPyPrinter

from .derive import backprop
from .errors import ShapeError, SymbackpropError, UnknownNameError
from .functions import logsumexp
from .graph import Graph, ProgramSymbol
from .network import Network

__all__ = ["Compiled", "compile", "numpy_source"]

PATHS = ("auto", "scalar", "matrix")
BACKENDS = ("numpy",)


class _Printer(NumPyPrinter):
    """NumPy code with stable forms of the functions symbackprop defines."""

    def __init__(self):
        super().__init__({"fully_qualified_modules": True, "allow_unknown_functions": False})

    def _print_sigmoid(self, e):
        return f"_expit({self._print(e.args[0])})"

    def _print_softplus(self, e):
        return f"numpy.logaddexp(0, {self._print(e.args[0])})"

    def _print_relu(self, e):
        return f"numpy.maximum({self._print(e.args[0])}, 0)"

    def _print_leaky_relu(self, e):
        z = self._print(e.args[0])
        return f"numpy.where({z} > 0, {z}, 0.01*{z})"

    def _print_logsumexp(self, e):
        args = ", ".join(self._print(a) for a in e.args)
        return f"_lse([{args}])"

    def _print_Heaviside(self, e):
        h0 = e.args[1] if len(e.args) > 1 else sp.S.Half
        return f"numpy.heaviside({self._print(e.args[0])}, {float(h0)!r})"

    def _print_Symbol(self, e):
        return code_name(e)

    def _print_Function(self, e):
        if getattr(type(e), "is_generic_activation", False) or isinstance(
                e, sp.core.function.AppliedUndef):
            raise SymbackpropError(
                f"{type(e).__name__}(...) is a generic function with no numeric value, so it "
                "cannot be compiled; build the net with a concrete activation such as 'sigmoid'")
        return super()._print_Function(e)


def code_name(s: sp.Symbol) -> str:
    """The identifier of a symbol in generated code.

    User names are kept, except those Python or the generated code already uses (keywords,
    builtins, the modules of the namespace), which become ``_v_<name>``. The program's own
    variables are ``_delta_<node>`` and ``_grad_<leaf>``. User names never start with ``_``, so
    no user name can reach a generated one.
    """
    if isinstance(s, ProgramSymbol):
        return f"_{s.kind}_{s.of}"
    if s.name in _RESERVED or keyword.iskeyword(s.name):
        return f"_v_{s.name}"
    return s.name


def _lse(args):
    from scipy.special import logsumexp as lse
    arrays = np.broadcast_arrays(*args)
    return lse(np.stack(arrays), axis=0)


def _expit(z):
    from scipy.special import expit
    return expit(z)


def _mean(v):
    v = np.asarray(v, dtype=float)
    return float(v.mean()) if v.ndim else float(v)


_NAMESPACE = {"numpy": np, "_expit": _expit, "_lse": _lse, "_mean": _mean}
_RESERVED = frozenset(dir(builtins)) | {"numpy", "scipy", "math", "functools", "mpmath"}


def numpy_source(expr: sp.Expr) -> str:
    """NumPy source for one expression, with the stable forms used by compiled code.

    >>> import sympy as sp, symbackprop as sb
    >>> print(numpy_source(sb.softplus(sp.Symbol("z"))))
    numpy.logaddexp(0, z)
    """
    return _Printer().doprint(expr)


@dataclass
class Compiled:
    """A compiled loss-and-gradient function: ``loss, grad = f(theta, X, T)``.

    ``theta`` is a 1-D array in ``params`` order; ``X`` is (batch, n_inputs) with columns in
    ``inputs`` order; ``T`` is (batch, n_targets) in ``targets`` order. ``loss`` is the mean over
    the batch and ``grad`` its gradient, shaped like ``theta``.
    """

    graph: Graph
    params: tuple[sp.Symbol, ...]
    inputs: tuple[sp.Symbol, ...]
    targets: tuple[sp.Symbol, ...]
    path: str
    source: str
    forward_source: str
    _fn: object = field(repr=False)
    _forward: object = field(repr=False)
    _predict: object = field(repr=False, default=None)

    def _check(self, theta, X, T):
        theta = np.asarray(theta, dtype=float)
        if theta.shape != (len(self.params),):
            raise ShapeError(f"theta has shape {theta.shape}; expected ({len(self.params)},), "
                             f"one value per parameter in f.params order")
        X = np.asarray(X, dtype=float)
        if X.ndim == 1 and len(self.inputs) == 1:
            X = X[:, None]
        if X.ndim != 2 or X.shape[1] != len(self.inputs):
            raise ShapeError(f"X has shape {X.shape}; expected (batch, {len(self.inputs)}) with "
                             f"columns {', '.join(s.name for s in self.inputs)}")
        if T is None:
            T = np.zeros((X.shape[0], len(self.targets)))
        T = np.asarray(T, dtype=float)
        if T.ndim == 1 and len(self.targets) == 1:
            T = T[:, None]
        if T.ndim != 2 or T.shape[1] != len(self.targets) or T.shape[0] != X.shape[0]:
            raise ShapeError(f"T has shape {T.shape}; expected ({X.shape[0]}, "
                             f"{len(self.targets)}) with columns "
                             f"{', '.join(s.name for s in self.targets) or '(none)'}")
        if X.shape[0] == 0:
            raise ShapeError("the batch is empty")
        return theta, X, T

    # underflow to 0 is the right answer (exp(-1000) in a log-sum-exp); overflow and invalid
    # operations keep the caller's numpy error settings
    def __call__(self, theta, X, T=None) -> tuple[float, np.ndarray]:
        theta, X, T = self._check(theta, X, T)
        with np.errstate(under="ignore"):
            return self._fn(theta, X, T)

    def loss(self, theta, X, T=None) -> float:
        """The mean loss only (the forward pass)."""
        theta, X, T = self._check(theta, X, T)
        with np.errstate(under="ignore"):
            return self._forward(theta, X, T)

    def predict(self, theta, X) -> np.ndarray:
        """Network outputs ŷ for each row of X, shape (batch, n_outputs) (networks only)."""
        if self._predict is None:
            raise SymbackpropError("predict needs a network built by mlp(...)")
        theta, X, _ = self._check(theta, X, None)
        with np.errstate(under="ignore"):
            return self._predict(theta, X)

    def __repr__(self) -> str:
        return (f"<Compiled {self.path} path: {len(self.params)} params, "
                f"{len(self.inputs)} inputs, {len(self.targets)} targets>")


def _build(src: str, name: str):
    ns = dict(_NAMESPACE)
    exec(compile_source(src), ns)  # noqa: S102 - generated from the graph's symbols only
    return ns[name]


def compile_source(src: str):
    return builtins.compile(src, "<symbackprop-generated>", "exec")


# ---- the scalar path ---------------------------------------------------------------------------

def _scalar(g: Graph):
    p = _Printer()
    prog = backprop(g)
    params, inputs, targets = g.param_symbols, g.input_symbols, g.target_symbols
    head = []
    for i, s in enumerate(params):
        head.append(f"    {code_name(s)} = _theta[{i}]")
    for i, s in enumerate(inputs):
        head.append(f"    {code_name(s)} = _X[:, {i}]")
    for i, s in enumerate(targets):
        head.append(f"    {code_name(s)} = _T[:, {i}]")
    fwd = [f"    {code_name(s.target)} = {p.doprint(s.expr)}" for s in prog.forward]
    out = code_name(g.output)
    body = ["def _grad(_theta, _X, _T):", "    _B = _X.shape[0]", *head, "    # forward", *fwd,
            "    # backward: one delta per node"]
    for s in prog.steps:
        if s.kind == "delta" and s.of != g.output:
            body.append(f"    {code_name(s.target)} = {p.doprint(s.expr)}")
    body.append("    # gradients, averaged over the batch")
    body.append(f"    _g = numpy.zeros({len(params)})")
    for i, s in enumerate(params):
        step = prog.step_for(s)
        if step is not None:
            body.append(f"    _g[{i}] = _mean({p.doprint(step.expr)})  # {step.target.name}")
    body.append(f"    return _mean({out}), _g")
    src = "\n".join(body) + "\n"
    fsrc = "\n".join(["def _loss(_theta, _X, _T):", "    _B = _X.shape[0]", *head, *fwd,
                      f"    return _mean({out})"]) + "\n"
    predict = None
    if isinstance(g, Network):
        preds = ", ".join(f"numpy.broadcast_to({p.doprint(e)}, (_B,))" for e in g.predictions)
        psrc = "\n".join(["def _predict(_theta, _X):", "    _B = _X.shape[0]",
                          *[ln for ln in head if "_T[" not in ln],
                          *[ln for ln in fwd if not ln.strip().startswith(f"{out} =")],
                          f"    return numpy.stack([{preds}], axis=1)"]) + "\n"
        predict = (psrc, _build(psrc, "_predict"))
    return src, fsrc, predict


# ---- the matrix path ---------------------------------------------------------------------------

def _element_map(net: Network, l: int, j: int = 0) -> dict:
    """Element symbols of layer l (1-based), neuron j -> the batch arrays Z{l}, H{l}."""
    z = net.preactivations[l - 1][j]
    h = net.activations[l - 1][j]
    return {z: sp.Symbol(f"Z{l}"), h: sp.Symbol(f"H{l}")}


def _matrix(net: Network):
    from .matrix import matrix_form
    p = _Printer()
    L = len(net.layers) - 1
    mf = matrix_form(net)  # the element rules: every neuron of a layer follows the first
    lines = ["def _grad(_theta, _X, _T):", "    _B = _X.shape[0]", "    H0 = _X", "    T = _T"]
    offset = 0
    shapes = []
    for l in range(1, L + 1):
        n_in, n_out = net.layers[l - 1], net.layers[l]
        lines.append(f"    W{l} = _theta[{offset}:{offset + n_in * n_out}].reshape({n_out}, {n_in})")
        offset += n_in * n_out
        lines.append(f"    b{l} = _theta[{offset}:{offset + n_out}]")
        offset += n_out
        shapes.append((n_in, n_out))
    fwd = []
    for l in range(1, L + 1):
        fwd.append(f"    Z{l} = H{l - 1} @ W{l}.T + b{l}")
        z, h = net.preactivations[l - 1][0], net.activations[l - 1][0]
        if z == h:
            fwd.append(f"    H{l} = Z{l}")
        else:
            expr = net.definition(h).expr.xreplace({z: sp.Symbol(f"Z{l}")})
            fwd.append(f"    H{l} = {p.doprint(expr)}")
    ts = net.target_symbols
    zs = list(net.preactivations[-1])
    agg = {}
    pre = []
    if net.loss == "softmax_ce":
        agg[logsumexp(*zs)] = sp.Symbol("LSE")
        agg[sp.Add(*ts)] = sp.Symbol("TSUM")
        pre = [f"    LSE = _lse_rows(Z{L})", "    TSUM = T.sum(axis=1, keepdims=True)"]
    m = len(ts)
    loss_terms = {
        "half_se": f"0.5*((T - H{L})**2).sum(axis=1)",
        "mse": f"((T - H{L})**2).sum(axis=1)/{m}",
        "bce": f"(numpy.logaddexp(0, Z{L}) - T*Z{L}).sum(axis=1)",
        "softmax_ce": f"TSUM[:, 0]*LSE[:, 0] - (T*Z{L}).sum(axis=1)",
    }
    emap = {ts[0]: sp.Symbol("T"), **_element_map(net, L)}
    out_delta = mf.deltas[-1][0].xreplace(agg).xreplace(emap)
    leftover = out_delta.free_symbols - {sp.Symbol(n) for n in ("T", f"Z{L}", f"H{L}", "LSE",
                                                                  "TSUM")}
    if leftover:  # a rule that mixes neurons in a way the matrix path cannot express
        return None
    # the mean over the batch is taken once, in the output delta; it then carries through
    back = [f"    D{L} = ({p.doprint(out_delta)}) / _B"]
    for l in range(L, 0, -1):
        back.append(f"    gW{l} = D{l}.T @ H{l - 1}")
        back.append(f"    gb{l} = D{l}.sum(axis=0)")
        if l > 1:
            d = mf.derivatives[l - 2][0].xreplace(_element_map(net, l - 1))
            back.append(f"    D{l - 1} = (D{l} @ W{l}) * ({p.doprint(d)})")
    grads = ", ".join(f"gW{l}.ravel(), gb{l}" for l in range(1, L + 1))
    lines += ["    # forward", *fwd, *pre, f"    _loss = {loss_terms[net.loss]}",
              "    # backward: delta of each layer, computed once", *back,
              f"    return float(_loss.mean()), numpy.concatenate([{grads}])"]
    src = "\n".join(lines) + "\n"
    head = lines[2:4 + 2 * L]
    fsrc = "\n".join(["def _loss(_theta, _X, _T):", "    _B = _X.shape[0]", *head, *fwd, *pre,
                      f"    return float(({loss_terms[net.loss]}).mean())"]) + "\n"
    if net.loss == "softmax_ce":
        pred = f"numpy.exp(Z{L} - _lse_rows(Z{L}))"
    elif net.loss == "bce":
        pred = f"_expit(Z{L})"
    else:
        pred = f"H{L}"
    psrc = "\n".join(["def _predict(_theta, _X):", "    _B = _X.shape[0]",
                      *[ln for ln in head if ln.strip() != "T = _T"], *fwd,
                      f"    return {pred}"]) + "\n"
    return src, fsrc, (psrc, _build(psrc, "_predict"))


def _lse_rows(Z):
    from scipy.special import logsumexp as lse
    return lse(Z, axis=1, keepdims=True)


_NAMESPACE["_lse_rows"] = _lse_rows


def compile(graph: Graph, backend: str = "numpy", path: str = "auto") -> Compiled:  # noqa: A001
    """Compile the graph's loss and all parameter gradients into one NumPy function.

    Inputs become the columns of X, targets the columns of T and parameters the entries of
    theta. ``path="auto"`` uses the matrix path for networks built by :func:`mlp` (matmuls; the
    faster one, see ``benchmarks/RESULTS.md``) and the scalar path otherwise.
    """
    if backend not in BACKENDS:
        raise UnknownNameError("backend", backend, BACKENDS)
    if path not in PATHS:
        raise UnknownNameError("path", path, PATHS)
    if not isinstance(graph, Graph):
        raise SymbackpropError(f"compile needs a Graph or a network, not {type(graph).__name__}")
    if not graph.param_symbols:
        raise SymbackpropError("the graph has no parameters to compute gradients for; "
                               "declare them with g.params(...) or '# params:'")
    built = None
    if path in ("auto", "matrix"):
        if isinstance(graph, Network):
            built = _matrix(graph)
            chosen = "matrix"
        if built is None and path == "matrix":
            raise SymbackpropError("the matrix path needs a network built by mlp(...)")
    if built is None:
        built = _scalar(graph)
        chosen = "scalar"
    src, fsrc, predict = built
    fn = _build(src, "_grad")
    fwd = _build(fsrc, "_loss")
    return Compiled(graph, graph.param_symbols, graph.input_symbols, graph.target_symbols,
                    chosen, src, fsrc, fn, fwd, predict[1] if predict else None)
