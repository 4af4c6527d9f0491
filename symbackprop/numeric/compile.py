r"""Compile a graph's gradient into one function: loss and all gradients at once, over a batch.

The code is generated from the backprop program (each delta computed once), never from
per-weight expanded formulas. Two paths:

* ``"scalar"``: one line per step of the program, each symbol a vector over the batch; works
  for any Graph;
* ``"matrix"``: for networks built by :func:`~symbackprop.mlp`, the matrix form
  :math:`\delta^{(l)} = (W^{(l+1)\top}\delta^{(l+1)}) \odot a'(z^{(l)})`,
  :math:`\partial L/\partial W^{(l)} = \delta^{(l)} h^{(l-1)\top}` as matmuls over the batch.
  Activations and their derivatives are printed from the graph's own expressions; the loss,
  the predictions and the output delta from the loss entry's matrix form (every built-in loss
  has one: each stable step once, so the code does not grow with the number of outputs), or,
  for a loss given as a function, from its expression, sums over the outputs becoming row
  reductions. Where the loss reads a parameter itself (an L2 term), that parameter is
  unpacked under its own name and the loss's direct partial is added to its gradient. Every
  name the path makes starts with ``_``, which no user name does, so none can hide a user's.

``compile(..., path="auto")`` picks the matrix path for networks and says so in ``f.path``;
a network the matrix path cannot express (an activation that reads a parameter) takes the
scalar path, and ``f.reason`` says why.
Numerics are stable where the maths allows: sigmoid is ``scipy.special.expit``, softplus and
the bce loss use ``numpy.logaddexp``, softmax cross-entropy uses ``scipy.special.logsumexp``.

Like :func:`sympy.lambdify`, this uses ``exec`` on the generated source; the source is built only
from the graph's own symbols and SymPy's printers, never from user text, and ``f.source`` shows
it.

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
>>> round(loss, 9), round(float(grad[6]), 9)
(0.274811083, 0.082167041)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import InitVar, dataclass, field
from typing import ClassVar

import numpy as np
import sympy as sp

from ..core.errors import InputTypeError, InvalidValueError, ShapeError, UnknownNameError
from ..core.graph import Graph
from ..core.network import Network
from ..core.registry import MatrixLoss
from ..core.rows import rowlogsumexp, rowmax, rowmin, rowprod, rowsum
from ..derive import backprop, local_partial
from ..derive.matrix import matrix_form_obstacle
from .arguments import all_finite, as_real_array
from .codegen import Backend, assignments, build, code_name, doprint, namespace

__all__ = ["PATHS", "Compiled", "compile", "direct_reads", "loss_form", "matrix_obstacle", "needed",
           "numpy_matrix", "stable_forms", "steps_for"]

PATHS = ("auto", "scalar", "matrix")


@dataclass
class Compiled:
    """A compiled loss-and-gradient function: ``loss, grad = f(theta, X, T)``.

    ``theta`` is a 1-D array in ``params`` order; ``X`` is (batch, n_inputs) with columns in
    ``inputs`` order; ``T`` is (batch, n_targets) in ``targets`` order (required when the graph
    has targets; ``predict(theta, X)`` takes none). Each is checked: real, finite numbers of
    these shapes (integers are converted; for numba a read-only array is copied). ``loss`` is
    the mean over the batch and ``grad`` its gradient, shaped like ``theta``. ``raw`` is the generated function
    itself (no checks of shapes or types), ``source`` its code: for ``backend="jax"`` a pure
    ``jax.numpy`` function, usable under ``jax.jit``, ``jax.vmap`` and ``jax.grad``; for
    ``"numba"`` the compiled loops. ``fast`` is the same function as fast as the backend runs
    it: ``jax.jit(raw)`` for JAX; for numba's big nets, the NumPy matrix code (BLAS) for
    batches of 64 and more and ``raw`` below; ``raw`` itself otherwise. Calls use it.
    ``reason`` says why ``path`` is the one taken (say, why a network took the scalar path).

    The checks cost little in the usual case: float64 arrays, C-ordered, of the right shapes
    are used as they are after one look at each and one sum per array for finiteness (for
    numba, all of it and the gradient in one compiled call); anything else (lists, integers,
    float32, other orders, read-only arrays for numba, a NaN) takes the full checks, which
    convert or say what is wrong. The result is checked for finiteness once.
    """

    graph: Graph
    params: tuple[sp.Symbol, ...]
    inputs: tuple[sp.Symbol, ...]
    targets: tuple[sp.Symbol, ...]
    path: str
    backend: str
    source: str
    forward_source: str
    raw: Callable = field(repr=False)
    raw_loss: Callable = field(repr=False)
    raw_predict: Callable | None = field(repr=False, default=None)
    predict_source: str | None = field(repr=False, default=None)
    dispatch: InitVar[Callable | None] = None  # numba's big nets: BLAS for big batches
    reason: str = field(default="", compare=False)
    fast: Callable = field(init=False, repr=False)
    fast_loss: Callable = field(init=False, repr=False)
    fast_predict: Callable | None = field(init=False, repr=False)
    # numba: the checks and the gradient in one compiled call (see loops._checked), or None
    _checked: Callable | None = field(init=False, repr=False, compare=False, default=None)
    _checked_below: int = field(init=False, repr=False, compare=False, default=0)  # batches
    _sizes: tuple[int, int, int] = field(init=False, repr=False, compare=False, default=(0, 0, 0))
    _F64: ClassVar[np.dtype] = np.dtype(np.float64)

    def __post_init__(self, dispatch: Callable | None) -> None:
        # derived from raw every time, so a copy with another raw (dataclasses.replace) calls it
        if self.backend == "jax":
            import jax
            self.fast, self.fast_loss = jax.jit(self.raw), jax.jit(self.raw_loss)
            self.fast_predict = jax.jit(self.raw_predict) if self.raw_predict else None
        else:
            self.fast = dispatch or self.raw
            self.fast_loss, self.fast_predict = self.raw_loss, self.raw_predict
        self._sizes = (len(self.params), len(self.inputs), len(self.targets))
        self._checked, self._checked_below = None, 0
        if self.backend == "numba":
            from .loops import BLAS_EXAMPLES, checked_for
            self._checked = checked_for(self.raw)
            # big nets' big batches: NumPy's BLAS code from Python (dispatch), not objmode
            self._checked_below = BLAS_EXAMPLES if dispatch is not None else 1 << 62

    def _ready(self, theta, X, T=None, silenced: bool = False) -> bool:
        """Whether ``theta``, ``X`` (and ``T`` unless None) are right as they are, so that
        :meth:`check` would return them unchanged: float64 ndarrays, C-ordered (for numba also
        aligned and writable), of the right shapes, every entry finite. One look at each and
        one sum per array; whatever fails here takes the full checks, which convert the
        arrays or say what is wrong. ``silenced``: NumPy's warnings are off already."""
        F, A = self._F64, np.ndarray
        if not (type(theta) is A and type(X) is A and theta.dtype is F and X.dtype is F):
            return False
        n, n_in, n_t = self._sizes
        xs = X.shape
        if theta.shape != (n,) or len(xs) != 2 or xs[1] != n_in or not xs[0]:
            return False
        if T is not None and not (type(T) is A and T.dtype is F and T.shape == (xs[0], n_t)):
            return False
        if self.backend == "numba":  # aligned and writable too
            if not (theta.flags.carray and X.flags.carray
                    and (T is None or T.flags.carray)):
                return False
        elif not (theta.flags.c_contiguous and X.flags.c_contiguous
                  and (T is None or T.flags.c_contiguous)):
            return False
        return (all_finite(theta, X, silenced=silenced) if T is None
                else all_finite(theta, X, T, silenced=silenced))

    def check(self, theta, X, T=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``theta, X, T`` as float arrays of the right shapes, or a clear error.

        ``T`` may be left out only when the graph has no targets.
        """
        if T is not None and self._ready(theta, X, T):
            return theta, X, T
        theta, X = self._theta_and_inputs(theta, X)
        names = ", ".join(s.name for s in self.targets)
        if T is None:
            if self.targets:
                raise InputTypeError(
                    f"T is missing: the graph has targets ({names}), so the loss needs T, an "
                    f"array of shape ({X.shape[0]}, {len(self.targets)}), one row per row of X "
                    "(predict(theta, X) needs no T)")
            T = np.zeros((X.shape[0], 0))
        T = as_real_array(T, "T", f"an array of shape (batch, {len(self.targets)})",
                          self._writable)
        if T.ndim == 1 and len(self.targets) == 1:
            T = T[:, None]
        if T.ndim != 2 or T.shape[1] != len(self.targets) or T.shape[0] != X.shape[0]:
            raise ShapeError(f"T has shape {T.shape}; expected ({X.shape[0]}, "
                             f"{len(self.targets)}) with columns {names or '(none)'}")
        return theta, X, T

    @property
    def _writable(self) -> bool:
        """Whether arrays must be writable: numba's compiled loops take no read-only array."""
        return self.backend == "numba"

    def _theta_and_inputs(self, theta, X) -> tuple[np.ndarray, np.ndarray]:
        n = len(self.params)
        theta = as_real_array(theta, "theta", f"a 1-D array of {n} numbers, one per parameter "
                              "in f.params order", self._writable)
        if theta.shape != (n,):
            raise ShapeError(f"theta has shape {theta.shape}; expected ({n},), "
                             f"one value per parameter in f.params order")
        columns = ", ".join(s.name for s in self.inputs) or "(none)"
        X = as_real_array(X, "X", f"an array of shape (batch, {len(self.inputs)}) with "
                          f"columns {columns}", self._writable)
        if X.ndim == 1 and len(self.inputs) == 1:
            X = X[:, None]
        if X.ndim != 2 or X.shape[1] != len(self.inputs):
            raise ShapeError(f"X has shape {X.shape}; expected (batch, {len(self.inputs)}) with "
                             f"columns {columns}")
        if X.shape[0] == 0:
            raise ShapeError("the batch is empty: X has no rows")
        return theta, X

    # Underflow to 0 is the right answer (exp(-1000) in a log-sum-exp); a result that is not
    # finite is reported as an error naming its cause instead of NumPy's warnings.
    def __call__(self, theta, X, T=None) -> tuple[float, np.ndarray]:
        checked = self._checked
        if checked is not None:  # numba: shapes, finiteness and the gradient in one call
            F, A = self._F64, np.ndarray
            if (type(theta) is A and type(X) is A and type(T) is A and theta.dtype is F
                    and X.dtype is F and T.dtype is F and theta.ndim == 1 and X.ndim == 2
                    and T.ndim == 2 and theta.flags.carray and X.flags.carray
                    and T.flags.carray and X.shape[0] < self._checked_below):
                status, loss, grad = checked(theta, X, T)
                if status == 0:
                    return loss, grad
                if status == 2:  # the result is not finite: say which
                    return self._result(loss, grad)
                # status 1: a shape or an input value is wrong; the full checks say which
        with np.errstate(all="ignore"):  # once, for the checks and the call
            if T is None or not self._ready(theta, X, T, silenced=True):
                theta, X, T = self.check(theta, X, T)
            return self._result(*self.fast(theta, X, T), silenced=True)

    @staticmethod
    def _result(loss, grad, silenced: bool = False) -> tuple[float, np.ndarray]:
        """The loss as a float and the gradient as a float array, or an error if either is
        not finite (checked once: one sum over the gradient)."""
        loss = float(loss)
        if type(grad) is not np.ndarray or grad.dtype is not Compiled._F64:
            grad = np.asarray(grad, dtype=float)
        if not (math.isfinite(loss) and all_finite(grad, silenced=silenced)):
            _finite(loss, "the loss")
            _finite(grad, "the gradient")
        return loss, grad

    def loss(self, theta, X, T=None) -> float:
        """The mean loss only (the forward pass)."""
        if self.backend == "numba":  # compiled loops: no NumPy warnings to silence
            if T is None or not self._ready(theta, X, T):
                theta, X, T = self.check(theta, X, T)
            return _finite(float(self.fast_loss(theta, X, T)), "the loss")
        with np.errstate(all="ignore"):
            if T is None or not self._ready(theta, X, T, silenced=True):
                theta, X, T = self.check(theta, X, T)
            return _finite(float(self.fast_loss(theta, X, T)), "the loss")

    def predict(self, theta, X) -> np.ndarray:
        """Network outputs ŷ for each row of X, shape (batch, n_outputs) (networks only)."""
        if self.raw_predict is None:
            raise InvalidValueError("predict needs a network built by mlp(...)")
        if self.backend == "numba":
            if not self._ready(theta, X):
                theta, X = self._theta_and_inputs(theta, X)
            return _finite(self.fast_predict(theta, X), "the prediction")
        with np.errstate(all="ignore"):
            if not self._ready(theta, X, silenced=True):
                theta, X = self._theta_and_inputs(theta, X)
            return _finite(np.asarray(self.fast_predict(theta, X), dtype=float),
                           "the prediction")

    def __repr__(self) -> str:
        return (f"<Compiled {self.backend} {self.path} path: {len(self.params)} params, "
                f"{len(self.inputs)} inputs, {len(self.targets)} targets>")


def _finite(value, what: str):
    """``value`` if every entry is finite; else an error that names the likely causes."""
    if not (math.isfinite(value) if isinstance(value, float)
            else all_finite(np.asarray(value, dtype=float))):
        raise InvalidValueError(
            f"{what} is not finite at these parameters and data (NaN or inf): a log or square "
            "root of a negative number, a division by zero, or an overflow; f.raw gives the "
            "raw values")
    return value


# ---- the scalar path ---------------------------------------------------------------------------

def _unpack(g: Graph, with_targets: bool = True) -> list[str]:
    head = [f"    {code_name(s)} = _theta[{i}]" for i, s in enumerate(g.param_symbols)]
    head += [f"    {code_name(s)} = _X[:, {i}]" for i, s in enumerate(g.input_symbols)]
    if with_targets:
        head += [f"    {code_name(s)} = _T[:, {i}]" for i, s in enumerate(g.target_symbols)]
    return head


def stable_forms(g: Graph) -> dict[sp.Symbol, sp.Expr]:
    """Node -> the same value written for floating point, from the network's loss entry.

    Softmax cross-entropy and its predictions are computed from logits shifted by their
    largest value; every other node is printed from its own definition.
    """
    if not isinstance(g, Network):
        return {}
    entry = g.loss_entry
    outputs = list(g.preactivations[-1] if entry.from_logits else g.activations[-1])
    out: dict[sp.Symbol, sp.Expr] = {}
    if entry.stable is not None:
        out[g.output] = entry.stable(outputs, list(g.target_symbols))
    if entry.stable_prediction is not None:
        out.update(zip(g.predictions, entry.stable_prediction(outputs), strict=True))
    return out


def _scalar(g: Graph, be: Backend):
    p = be.new_printer()
    xp = p._module_format(p._module)
    prog = backprop(g)
    head = _unpack(g)
    stable = stable_forms(g)
    fwd = assignments(p, ((s.target, stable.get(s.target, s.expr)) for s in prog.forward))
    deltas = assignments(p, ((s.target, s.expr) for s in prog.deltas if s.of != g.output))
    grads = []
    parts = []
    for s in g.param_symbols:
        step = prog.step_for(s)
        if step is None:
            parts.append("0.0")
            continue
        grads += assignments(p, [(step.target, step.expr)])
        parts.append(f"{xp}.mean({code_name(step.target)})")
    out = code_name(g.output)
    src = "\n".join([
        "def _grad(_theta, _X, _T):", *head, "    # forward", *fwd,
        "    # backward: one delta per node", *deltas,
        "    # gradients of the parameters, then their means over the batch", *grads,
        f"    return {xp}.mean({out}), {xp}.stack([{', '.join(parts)}])",
    ]) + "\n"
    fsrc = "\n".join(["def _loss(_theta, _X, _T):", *head, *fwd,
                      f"    return {xp}.mean({out})"]) + "\n"
    psrc = None
    if isinstance(g, Network):
        preds = ", ".join(f"{xp}.broadcast_to({code_name(s)}, (_X.shape[0],))"
                          for s in g.predictions)
        wanted = needed(g, g.predictions)
        pf = assignments(p, ((s.target, stable.get(s.target, s.expr)) for s in prog.forward
                             if s.target in wanted))
        psrc = "\n".join(["def _predict(_theta, _X):", *_unpack(g, with_targets=False), *pf,
                          f"    return {xp}.stack([{preds}], axis=1)"]) + "\n"
    return src, fsrc, psrc, namespace(p)


def needed(g: Graph, symbols) -> set[sp.Symbol]:
    """The symbols and everything they depend on (what computing them needs)."""
    out = set(symbols)
    for s in symbols:
        out |= g.ancestors(s)
    return out


# ---- the matrix path ---------------------------------------------------------------------------

class NoMatrixPath(Exception):
    """The matrix path cannot express this network; the message says why."""


class _Rows:
    """Writes expressions over the outputs j = 1..m as whole-matrix code.

    ``columns[j]`` maps the element symbols of output j (z_j, h_j, t_j, ŷ_j) to the symbols of
    whole matrices (Z, H, T, P). A sum over j of one template becomes a row reduction, computed
    once on its own line; what is left must be the same template for every j.
    """

    def __init__(self, columns: list[dict[sp.Symbol, sp.Symbol]], prefix: str = "_r"):
        self.columns = columns
        self.prefix = prefix
        self.m = len(columns)
        self.owner: dict[sp.Symbol, int] = {s: j for j, c in enumerate(columns) for s in c}
        self.rows: dict[sp.Expr, sp.Symbol] = {}  # reduction -> its row symbol
        self.lines: list[tuple[sp.Symbol, sp.Expr]] = []

    def _cols(self, e: sp.Expr) -> set[int]:
        return {self.owner[s] for s in e.free_symbols if s in self.owner}

    def _template(self, e: sp.Expr, j: int) -> sp.Expr | None:
        cols = self._cols(e)
        if cols - {j}:
            return None
        return e.xreplace(self.columns[j])

    def _row(self, reduction: sp.Expr) -> sp.Symbol:
        if reduction not in self.rows:
            s = sp.Symbol(f"{self.prefix}{len(self.rows)}")
            self.rows[reduction] = s
            self.lines.append((s, reduction))
        return self.rows[reduction]

    def reduce(self, e: sp.Expr) -> sp.Expr:
        """``e`` with every symmetric reduction over the outputs replaced by a row symbol."""
        if self.m == 1 or not self._cols(e):  # one output: its column is the row
            return e
        args = [self.reduce(a) for a in e.args]
        e = e.func(*args) if args else e
        if e.is_Add or e.is_Mul:
            groups: dict[int, list] = {}
            rest = []
            for a in e.args:
                cols = self._cols(a)
                if len(cols) == 1:
                    groups.setdefault(next(iter(cols)), []).append(a)
                else:
                    rest.append(a)
            if len(groups) == self.m:
                tmpl = {j: self._template(e.func(*groups[j]), j) for j in groups}
                if len(set(tmpl.values())) == 1:
                    if e.is_Add:  # a constant factor is taken out of the row sum
                        coeff, body = tmpl[0].as_coeff_Mul()
                        return e.func(*rest, coeff * self._row(rowsum(body)))
                    return e.func(*rest, self._row(rowprod(tmpl[0])))
            return e
        cls = _REDUCE_FUNCTIONS.get(type(e).__name__)
        if cls is not None and len(e.args) == self.m:
            tmpl = [self._template(a, j) for j, a in enumerate(e.args)]
            if None not in tmpl and len(set(tmpl)) == 1:
                return self._row(cls(tmpl[0]))
        return e

    def elementwise(self, exprs: list[sp.Expr]) -> sp.Expr | None:
        """One matrix expression for [e_1, ..., e_m] (one per output), or None."""
        red = [self.reduce(e) for e in exprs]
        tmpl = [self._template(e, j) for j, e in enumerate(red)]
        if None in tmpl or len(set(tmpl)) != 1:
            return None
        return tmpl[0]

    def scalar(self, e: sp.Expr) -> sp.Expr | None:
        """A row-wise (B, 1) expression for a quantity of one example, or None."""
        r = self.reduce(e)
        if self.m == 1:
            return self._template(r, 0)
        return None if self._cols(r) else r


_REDUCE_FUNCTIONS = {"logsumexp": rowlogsumexp, "Max": rowmax, "Min": rowmin}


def _names(symbols) -> str:
    return ", ".join(sorted(s.name for s in symbols))


def matrix_obstacle(net: Network) -> str | None:
    """Why the matrix path cannot compute this network's gradient, or None when it can.

    The matrix path computes each layer from the one before as whole matrices, and adds to a
    parameter's gradient what the loss reads of it directly. It needs what the matrix form
    needs (:func:`~symbackprop.derive.matrix.matrix_form_obstacle`: every activation reads only
    its own pre-activation), one activation function for a whole layer, and a loss that reads
    only the last layer, the targets, parameters and inputs.
    """
    reason = matrix_form_obstacle(net)
    if reason:
        return reason
    link = net.loss_entry.from_logits
    probe = sp.Symbol("_z")
    for l in range(1, net.depth + (0 if link else 1)):
        first = None
        for z, h in zip(net.preactivations[l - 1], net.activations[l - 1], strict=True):
            tmpl = (z if z == h else net.definition(h).expr).xreplace({z: probe})
            if first is None:
                first = tmpl
            elif tmpl != first:
                return f"the neurons of layer {l} have different activations"
    allowed = (set(net.preactivations[-1]) | set(net.target_symbols) | set(net.param_symbols)
               | set(net.input_symbols))
    if not link:
        allowed |= set(net.activations[-1])
    extra = set(net.parents(net.output)) - allowed
    if extra:
        return (f"the loss reads {_names(extra)}, not only the last layer, the targets, "
                "parameters and inputs")
    return None


def direct_reads(net: Network) -> tuple[list[tuple[int, sp.Symbol]], list[tuple[int, sp.Symbol]]]:
    """(index, symbol) of the parameters and of the inputs the loss reads itself (an L2 term
    on a weight): their values are unpacked under their own names, and a parameter's gradient
    gets the loss's direct partial added to what flows back through the layers."""
    parents = set(net.parents(net.output))
    return ([(i, s) for i, s in enumerate(net.param_symbols) if s in parents],
            [(i, s) for i, s in enumerate(net.input_symbols) if s in parents])


def loss_form(net: Network, Y: sp.Symbol, T: sp.Symbol) -> MatrixLoss | None:
    """The loss entry's matrix form over the matrices ``Y`` and ``T``, its step symbols renamed
    into the generated code's namespace (``_l_<name>``); None when the entry has none or the
    loss reads more than the last layer and the targets (a parameter: the form does not know)."""
    entry = net.loss_entry
    if entry.matrix is None:
        return None
    reads = set(net.preactivations[-1] if entry.from_logits else net.activations[-1])
    if not set(net.parents(net.output)) <= reads | set(net.target_symbols):
        return None
    form = entry.matrix(Y, T, net.n_outputs)
    rename: dict[sp.Symbol, sp.Symbol] = {}
    for i, (lhs, _) in enumerate(form.steps):
        name = f"_l_{lhs.name}" if lhs.name.isidentifier() else f"_l_{i}"
        if name in {s.name for s in rename.values()}:
            name = f"{name}_{i}"
        rename[lhs] = sp.Symbol(name)
    steps = tuple((rename[lhs], rhs.xreplace(rename)) for lhs, rhs in form.steps)
    pred = form.prediction.xreplace(rename) if form.prediction is not None else None
    return MatrixLoss(steps, form.loss.xreplace(rename), form.delta.xreplace(rename), pred)


def steps_for(steps, expr: sp.Expr) -> list[tuple[sp.Symbol, sp.Expr]]:
    """The steps that computing ``expr`` needs, in their order."""
    want = set(expr.free_symbols)
    out = []
    for lhs, rhs in reversed(steps):
        if lhs in want:
            out.append((lhs, rhs))
            want |= rhs.free_symbols
    return out[::-1]


def _matrix(net: Network, be: Backend):
    # Every name the generated code makes starts with "_" (user names never do, see
    # core/names.py), so none can hide a symbol the loss reads: the loss's own b1 is the
    # parameter b1, the bias vector of layer 1 is _b1.
    obstacle = matrix_obstacle(net)
    if obstacle:
        raise NoMatrixPath(obstacle)
    p = be.new_printer()
    xp = p._module_format(p._module)
    L, m = net.depth, net.n_outputs
    Z = [sp.Symbol(f"_Z{l}") for l in range(L + 1)]
    H = [sp.Symbol(f"_H{l}") for l in range(L + 1)]
    T = sp.Symbol("_T")
    link = net.loss_entry.from_logits
    params, inputs = direct_reads(net)
    unpack = []
    offset = 0
    for l in range(1, L + 1):
        n_in, n_out = net.layers[l - 1], net.layers[l]
        unpack.append(f"    _W{l} = _theta[{offset}:{offset + n_in * n_out}]"
                      f".reshape({n_out}, {n_in})")
        offset += n_in * n_out
        unpack.append(f"    _b{l} = _theta[{offset}:{offset + n_out}]")
        offset += n_out
    reads = ([f"    {code_name(s)} = _theta[{i}]" for i, s in params]
             + [f"    {code_name(s)} = _X[:, {i}:{i + 1}]" for i, s in inputs])
    if reads:
        reads.insert(0, "    # what the loss reads itself")
    unpack += reads
    unpack += ["    _H0 = _X"]
    fwd = []
    derivs = {}
    for l in range(1, L + 1):
        fwd += [f"    _Z{l} = _H{l - 1} @ _W{l}.T", f"    _Z{l} += _b{l}"]  # no second array
        z, h = net.preactivations[l - 1][0], net.activations[l - 1][0]
        if l == L and link:
            continue
        if z == h:
            fwd.append(f"    _H{l} = _Z{l}")
            derivs[l] = sp.S.One
        else:
            act = net.definition(h).expr.xreplace({z: Z[l]})
            fwd += assignments(p, [(H[l], act)])
            derivs[l] = local_partial(net, h, z).xreplace({z: Z[l], h: H[l]})
    E = net.output
    ts = net.target_symbols
    zs, hs = list(net.preactivations[-1]), list(net.activations[-1])
    form = loss_form(net, Z[L] if link else H[L], T)
    direct: list[tuple[int, sp.Expr]] = []
    if form is not None:  # the entry's own matrix form: each stable step once
        pre = assignments(p, form.steps)
        loss_rows = form.loss
        dexpr = form.delta if link else form.delta * derivs[L]
        if link:
            pred = assignments(p, steps_for(form.steps, form.prediction))
            out = form.prediction
        else:
            pred, out = [], H[L]
    else:  # a loss given as a function: matched output by output
        P = sp.Symbol(f"_P{L}")
        columns = []
        for j in range(m):
            col = {zs[j]: Z[L], ts[j]: T}
            col[hs[j]] = P if link else H[L]
            columns.append(col)
        pred = []
        stable = stable_forms(net)
        if link:  # the predictions, which the output delta reads
            prow = _Rows(columns, prefix="_p")
            pexpr = prow.elementwise([stable.get(s, net.definition(s).expr) for s in hs])
            if pexpr is None:
                raise NoMatrixPath("the predictions mix the outputs in a way whole-matrix "
                                   "code cannot write")
            pred = assignments(p, [*prow.lines, (P, pexpr)])
        out = P if link else H[L]
        rows = _Rows(columns)
        loss_rows = rows.scalar(stable.get(E, net.definition(E).expr))
        parents = set(net.parents(E))
        if link:
            out_delta = [local_partial(net, E, z) for z in zs]
        else:  # the total derivative: through h, and directly where the loss reads z itself
            out_delta = [local_partial(net, E, h) * (local_partial(net, h, z) if h != z else 1)
                         + (local_partial(net, E, z) if z != h and z in parents else 0)
                         for z, h in zip(zs, hs, strict=True)]
        dexpr = rows.elementwise(out_delta)
        if loss_rows is None or dexpr is None:
            raise NoMatrixPath("the loss mixes the outputs in a way whole-matrix code cannot "
                               "write")
        for i, s in params:
            d = rows.scalar(local_partial(net, E, s))
            if d is None:
                raise NoMatrixPath(f"the loss's derivative in {s.name} mixes the outputs")
            direct.append((i, d))
        pre = pred + assignments(p, rows.lines)
    loss_line = assignments(p, [(sp.Symbol("_loss"), loss_rows)])
    # the mean over the batch is taken once, in the output delta; it then carries through
    back = [f"    _D{L} = ({doprint(p, dexpr)}) / _B"]
    for l in range(L, 0, -1):
        back.append(f"    _gW{l} = _D{l}.T @ _H{l - 1}")
        back.append(f"    _gb{l} = _D{l}.sum(axis=0)")
        if l > 1:
            back.append(f"    _D{l - 1} = _D{l} @ _W{l}")
            if derivs[l - 1] != 1:
                back.append(f"    _D{l - 1} *= {doprint(p, derivs[l - 1])}")
    grads = ", ".join(f"_gW{l}.ravel(), _gb{l}" for l in range(1, L + 1))
    back.append(f"    _g = {xp}.concatenate([{grads}])")
    if direct:
        back.append("    # what the loss reads of a parameter itself, averaged over the batch")
    for i, d in direct:
        mean = f"{xp}.mean({doprint(p, d)})"
        back.append(f"    _g = _g.at[{i}].add({mean})" if be.name == "jax"
                    else f"    _g[{i}] += {mean}")
    src = "\n".join([
        "def _grad(_theta, _X, _T):", "    _B = _X.shape[0]", *unpack, "    # forward", *fwd,
        *pre, *loss_line, "    # backward: the delta of each layer, computed once", *back,
        f"    return {xp}.mean(_loss), _g"]) + "\n"
    fsrc = "\n".join(["def _loss(_theta, _X, _T):", *unpack, *fwd, *pre,
                      *loss_line, f"    return {xp}.mean(_loss)"]) + "\n"
    punpack = [ln for ln in unpack if ln not in reads]
    psrc = "\n".join(["def _predict(_theta, _X):", *punpack, *fwd, *pred,
                      f"    return {doprint(p, out)}"]) + "\n"
    return src, fsrc, psrc, namespace(p)


def numpy_matrix(net: Network) -> Callable | None:
    """The NumPy backend's matrix-path gradient ``raw(theta, X, T)`` of a network (or None
    when the matrix path cannot express it, see :func:`matrix_obstacle`)."""
    from .codegen import backend as get_backend
    try:
        src, _, _, ns = _matrix(net, get_backend("numpy"))
    except NoMatrixPath:
        return None
    return build(src, "_grad", dict(ns))


def compile(graph: Graph, backend: str = "numpy", path: str = "auto") -> Compiled:
    """Compile the graph's loss and all parameter gradients into one function.

    Inputs become the columns of X, targets the columns of T and parameters the entries of
    theta. ``path="auto"`` uses the matrix path for networks built by :func:`mlp` (matmuls; the
    faster one, see ``benchmarks/RESULTS.md``) and the scalar path otherwise, and for a network
    the matrix path cannot express (an activation that reads a parameter, a loss that reads a
    hidden node: see :func:`matrix_obstacle`); ``f.path`` says which path was taken and
    ``f.reason`` why. ``path="matrix"`` refuses such a network with the reason.
    ``backend`` is ``"numpy"`` (default), ``"numba"`` or ``"jax"`` (optional extras).
    """
    from .codegen import BACKENDS
    from .codegen import backend as get_backend
    for what, value, valid in (("backend", backend, BACKENDS), ("path", path, PATHS)):
        if not isinstance(value, str):
            raise InputTypeError(f"{what} must be a name, one of {', '.join(sorted(valid))}; "
                                 f"not {type(value).__name__} {value!r}")
    be = get_backend(backend)
    if path not in PATHS:
        raise UnknownNameError("path", path, PATHS)
    if not isinstance(graph, Graph):
        raise InputTypeError(f"compile needs a Graph or a network, not {type(graph).__name__}")
    if not graph.param_symbols:
        raise InvalidValueError("the graph has no parameters to compute gradients for; "
                                "declare them with g.params(...) or '# params:'")
    be.require()
    if be.name == "numba":
        from .loops import build_numba
        chosen, reason, src, fn, fwd, pred, fast = build_numba(graph, path)
        return Compiled(graph, graph.param_symbols, graph.input_symbols, graph.target_symbols,
                        chosen, be.name, src, src, fn, fwd, pred, src if pred else None, fast,
                        reason=reason)
    built = None
    if path == "scalar":
        reason = "path='scalar' was asked for"
    elif not isinstance(graph, Network):
        if path == "matrix":
            raise InvalidValueError("the matrix path needs a network built by mlp(...); this "
                                    "graph takes path='scalar'")
        reason = "a graph that is not a network built by mlp(...) takes the scalar path"
    else:
        try:
            built = _matrix(graph, be)
            reason = ("path='matrix' was asked for" if path == "matrix"
                      else "a network built by mlp(...) takes the matrix path")
        except NoMatrixPath as e:
            if path == "matrix":
                raise InvalidValueError(f"the matrix path cannot compute this network's "
                                        f"gradient: {e}; use path='scalar' (or 'auto')") from None
            reason = (f"the matrix path cannot compute this network's gradient ({e}), so it "
                      "takes the scalar path")
    chosen = "matrix" if built is not None else "scalar"
    if built is None:
        built = _scalar(graph, be)
    src, fsrc, psrc, ns = built
    fn = build(src, "_grad", dict(ns))
    fwd = build(fsrc, "_loss", dict(ns))
    pred = build(psrc, "_predict", dict(ns)) if psrc else None
    return Compiled(graph, graph.param_symbols, graph.input_symbols, graph.target_symbols,
                    chosen, be.name, src, fsrc, fn, fwd, pred, psrc, reason=reason)
