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
the bce loss use ``numpy.logaddexp``; softmax cross-entropy shifts the logits by their largest
value before it exponentiates them (the scalar path calls ``scipy.special.logsumexp``).

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
from .arguments import all_finite, as_real_array
from .backend import BACKENDS, Backend, numpy_matrix
from .backend import backend as get_backend
from .matrix_code import direct_reads, loss_form, matrix_obstacle, steps_for
from .scalar_code import needed, stable_forms

__all__ = ["PATHS", "Compiled", "compile", "direct_reads", "loss_form", "matrix_obstacle", "needed",
           "numpy_matrix", "stable_forms", "steps_for"]

PATHS = ("auto", "scalar", "matrix")


@dataclass(kw_only=True)
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
        engine = self.engine
        self.fast = dispatch or engine.fast(self.raw)
        self.fast_loss = engine.fast(self.raw_loss)
        self.fast_predict = engine.fast(self.raw_predict) if self.raw_predict else None
        self._sizes = (len(self.params), len(self.inputs), len(self.targets))
        # a backend may check and compute in one compiled call (numba), below a batch size
        self._checked, self._checked_below = engine.checked(self.raw, dispatch)

    @property
    def engine(self) -> Backend:
        """The backend object (:mod:`symbackprop.numeric.backend`) of ``backend``."""
        return get_backend(self.backend)

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
        if self.engine.writable:  # aligned and writable too
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
        """Whether arrays must be writable (numba's compiled loops take no read-only array)."""
        return self.engine.writable

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
            loss, grad = self.fast(theta, X, T)
            return self._result(loss, grad, silenced=True)

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
        if not self.engine.warns:  # compiled loops: no NumPy warnings to silence
            if T is None or not self._ready(theta, X, T):
                theta, X, T = self.check(theta, X, T)
            return _finite(float(self.fast_loss(theta, X, T)), "the loss")
        with np.errstate(all="ignore"):
            if T is None or not self._ready(theta, X, T, silenced=True):
                theta, X, T = self.check(theta, X, T)
            return _finite(float(self.fast_loss(theta, X, T)), "the loss")

    def predict(self, theta, X) -> np.ndarray:
        """Network outputs ŷ for each row of X, shape (batch, n_outputs) (networks only)."""
        fast = self.fast_predict
        if self.raw_predict is None or fast is None:
            raise InvalidValueError("predict needs a network built by mlp(...)")
        if not self.engine.warns:
            if not self._ready(theta, X):
                theta, X = self._theta_and_inputs(theta, X)
            return _finite(fast(theta, X), "the prediction")
        with np.errstate(all="ignore"):
            if not self._ready(theta, X, silenced=True):
                theta, X = self._theta_and_inputs(theta, X)
            return _finite(np.asarray(fast(theta, X), dtype=float),
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


def compile(graph: Graph, backend: str = "numpy", path: str = "auto") -> Compiled:
    """Compile the graph's loss and all parameter gradients into one function.

    Inputs become the columns of X, targets the columns of T and parameters the entries of
    theta. ``path="auto"`` uses the matrix path for networks built by :func:`mlp` (matmuls; the
    faster one, see ``benchmarks/RESULTS.md``) and the scalar path otherwise, and for a network
    the matrix path cannot express (an activation that reads a parameter, a loss that reads a
    hidden node: see :func:`matrix_obstacle`); ``f.path`` says which path was taken and
    ``f.reason`` why. ``path="matrix"`` refuses such a network with the reason.
    ``backend`` is ``"numpy"`` (default), ``"numba"``, ``"jax"`` or ``"torch"`` (optional
    extras).
    """
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
    return Compiled(graph=graph, params=graph.param_symbols, inputs=graph.input_symbols,
                    targets=graph.target_symbols, backend=be.name, **be.build(graph, path))
