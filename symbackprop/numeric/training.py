r"""Gradient descent with the compiled gradients: :math:`w \leftarrow w - \eta\,\partial L/\partial w`.

Full batch by default; ``batch_size`` gives minibatch SGD; ``optimizer="momentum"`` or
``"adam"`` are options. Runs are reproducible with a seed. On NaN or inf it stops with
:class:`~symbackprop.DivergenceError`, which names the step and keeps the last good
parameters. Ctrl-C stops a run cleanly: ``train`` returns the run so far, marked
``interrupted``.

Examples
========
>>> import symbackprop as sb
>>> from symbackprop import datasets
>>> X, T = datasets.xor()
>>> run = sb.train(sb.mlp([2, 4, 1], activation="tanh"), X, T, lr=0.5, steps=2000, seed=1)
>>> run.history["loss"][-1] < 1e-3, run.accuracy(X, T)
(True, 1.0)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike

from ..core.errors import (
    DivergenceError,
    InputTypeError,
    ShapeError,
    UnknownNameError,
)
from ..core.graph import Graph
from ..core.network import Network
from ..core.progress import progress as show_progress
from .arguments import as_count, as_decay_rate, as_positive, as_real_array, as_seed
from .compiled import Compiled, compile
from .optimizers import CODES, OPTIMIZERS, optimizer_step

__all__ = ["OPTIMIZERS", "Run", "check_options", "init_params", "train"]



def init_params(graph: Graph, seed: int = 0) -> np.ndarray:
    """Initial parameters: Glorot-uniform weights and zero biases for networks, N(0, 0.5²) else."""
    if not isinstance(graph, Graph):
        raise InputTypeError(f"init_params needs a Graph or a network, not "
                             f"{type(graph).__name__}")
    rng = np.random.default_rng(as_seed(seed))
    params = graph.param_symbols
    if not isinstance(graph, Network):
        return rng.normal(scale=0.5, size=len(params))
    theta = np.zeros(len(params))
    for l, (weights, _) in enumerate(graph.param_slices(), 1):  # layer by layer, no symbols
        fan_in, fan_out = graph.layers[l - 1], graph.layers[l]
        lim = np.sqrt(6.0 / (fan_in + fan_out))
        theta[weights] = rng.uniform(-lim, lim, size=weights.stop - weights.start)
    return theta


@dataclass
class Run:
    """A training run: final parameters, history, and the compiled function used.

    ``interrupted`` is True when Ctrl-C stopped it; ``theta`` and ``history`` are then those of
    the last completed step.
    """

    compiled: Compiled
    theta: np.ndarray
    history: dict[str, list] = field(default_factory=dict)
    steps: int = 0
    interrupted: bool = False

    @property
    def params(self) -> dict[str, float]:
        """Parameter name -> value."""
        return {s.name: float(v) for s, v in zip(self.compiled.params, self.theta, strict=False)}

    def predict(self, X) -> np.ndarray:
        """Network outputs for each row of X."""
        return self.compiled.predict(self.theta, X)

    def loss(self, X, T) -> float:
        """Mean loss on (X, T) with the trained parameters."""
        return self.compiled.loss(self.theta, X, T)

    def accuracy(self, X, T) -> float:
        """Fraction classified right: threshold 0.5 for one output, argmax for several.

        ``T`` has one column per output of the net (one-hot rows for several outputs).
        """
        P = self.predict(X)
        T = as_real_array(T, "T", f"an array of shape ({P.shape[0]}, {P.shape[1]}), one column per "
                   "output of the net")
        if T.ndim == 1 and P.shape[1] == 1:
            T = T[:, None]
        if T.shape != P.shape:
            raise ShapeError(f"T has shape {T.shape}; expected {P.shape}: one row per row of X "
                             f"and one column per output of the net ({P.shape[1]})")
        if P.shape[1] == 1:
            return float(np.mean((P[:, 0] > 0.5) == (T[:, 0] > 0.5)))
        return float(np.mean(P.argmax(axis=1) == T.argmax(axis=1)))


def _layer_slices(compiled: Compiled) -> dict[str, list[int]]:
    g = compiled.graph
    groups: dict[str, list[int]] = {}
    if isinstance(g, Network):
        return {f"W{l}": list(range(w.start, w.stop)) for l, (w, _) in
                enumerate(g.param_slices(), 1)}
    for i, s in enumerate(compiled.params):
        layer = g.meta.get(s.name, {}).get("layer")
        if layer is not None and g.meta[s.name]["role"] == "weight":
            groups.setdefault(f"W{layer}", []).append(i)
    return groups


def check_options(lr: float, steps: int, seed: int, batch_size: int | None = None,
                  optimizer: str = "gd") -> tuple[float, int, int, int | None]:
    """The training options checked (as :func:`train` checks them), before any work is done."""
    if not isinstance(optimizer, str):
        raise InputTypeError(f"optimizer must be a name, one of {', '.join(OPTIMIZERS)}; not "
                             f"{type(optimizer).__name__} {optimizer!r}")
    if optimizer not in OPTIMIZERS:
        raise UnknownNameError("optimizer", optimizer, OPTIMIZERS)
    lr = as_positive(lr, "the learning rate lr")
    steps = as_count(steps, "steps")
    seed = as_seed(seed)
    if batch_size is not None:
        batch_size = as_count(batch_size, "batch_size", 1)
    return lr, steps, seed, batch_size


def _check_optimizer(momentum, betas) -> tuple[float, tuple[float, float]]:
    """``momentum`` and Adam's ``betas``, each a decay rate in [0, 1)."""
    momentum = as_decay_rate(momentum, "momentum")
    if isinstance(betas, (str, bytes)) or not isinstance(betas, Sequence) or len(betas) != 2:
        raise InputTypeError(
            "betas must be a pair (beta1, beta2) of numbers in [0, 1), e.g. (0.9, 0.999); not "
            f"{type(betas).__name__} {betas!r}")
    b1, b2 = as_decay_rate(betas[0], "betas[0] (beta1)"), as_decay_rate(betas[1], "betas[1] (beta2)")
    return momentum, (b1, b2)


def _check_flags(layer_norms, progress, callback) -> None:
    if not isinstance(layer_norms, (bool, np.bool_)):
        raise InputTypeError(f"layer_norms must be True or False, not {layer_norms!r}")
    if progress is not None and not isinstance(progress, (bool, np.bool_)):
        raise InputTypeError(f"progress must be True, False or None (only on a terminal), not "
                             f"{progress!r}")
    if callback is not None and not callable(callback):
        raise InputTypeError(f"callback must be a function callback(step, theta, loss) or None, "
                             f"not {type(callback).__name__} {callback!r}")


def train(net: Graph | Compiled, X: ArrayLike, T: ArrayLike | None, lr: float = 0.5,
          steps: int = 1000, seed: int = 0, batch_size: int | None = None,
          optimizer: str = "gd", momentum: float = 0.9,
          betas: tuple[float, float] = (0.9, 0.999), theta0: ArrayLike | None = None,
          layer_norms: bool = False, progress: bool | None = None,
          callback: Callable[[int, np.ndarray, float], bool | None] | None = None,
          backend: str = "numpy") -> Run:
    """Train a network (or any Graph with parameters) by gradient descent.

    Parameters
    ==========
    net : a network from :func:`mlp`, a Graph, or an already compiled function.
    X, T : inputs (batch, n_inputs) and targets (batch, n_targets) of real numbers; T may be
        None only for a graph without targets.
    lr : the learning rate η of w ← w − η ∂L/∂w, a positive number (a Fraction or Decimal is
        taken as a float).
    batch_size : None for full batch; else minibatch SGD with a fresh shuffle each epoch.
    optimizer : ``gd`` (plain), ``momentum`` (heavy ball, ``momentum``) or ``adam`` (``betas``).
    momentum, betas : decay rates, each in [0, 1).
    theta0 : the starting parameters (default: :func:`init_params` with ``seed``).
    layer_norms : also record the gradient norm of each weight matrix per step (for the
        vanishing-gradient lesson) in ``history["grad_norm_W1"]``, ...
    progress : a tqdm bar; default: only when stderr is a terminal.
    callback : called as ``callback(step, theta, loss)`` after each step; return True to stop.
    backend : the backend to compile with when ``net`` is not compiled yet.

    The history holds ``loss`` (on the batch used for that step) and ``grad_norm`` per step.
    Every option is checked before any work is done.
    """
    lr, steps, seed, batch_size = check_options(lr, steps, seed, batch_size, optimizer)
    momentum, betas = _check_optimizer(momentum, betas)
    _check_flags(layer_norms, progress, callback)
    if not isinstance(net, (Graph, Compiled)):
        raise InputTypeError(f"train needs a network from mlp(...), a Graph or a compiled "
                             f"function, not {type(net).__name__}")
    f = net if isinstance(net, Compiled) else compile(net, backend=backend)
    if theta0 is None:
        theta = init_params(f.graph, seed)
    else:
        theta = as_real_array(theta0, "theta0", f"a 1-D array of {len(f.params)} numbers, one per "
                       "parameter in f.params order")
        if theta.shape != (len(f.params),):
            raise ShapeError(f"theta0 has shape {theta.shape}; expected ({len(f.params)},), "
                             "one value per parameter in f.params order")
    theta, X, T = f.check(theta, X, T)
    theta = theta.copy()
    n = X.shape[0]
    bs = n if batch_size is None else min(batch_size, n)
    batches = _batches(n, bs, np.random.default_rng(seed + 1))
    history: dict[str, list] = {"loss": [], "grad_norm": []}
    groups = _layer_slices(f) if layer_norms else {}
    for k in groups:
        history[f"grad_norm_{k}"] = []
    run = Run(f, theta, history, 0)
    opts = _Options(lr, optimizer, momentum, betas)
    chunk = f.engine.trainer(f)  # a backend's compiled loop of many steps, or None
    with show_progress(steps, "training", enabled=progress, minimum=1) as bar:
        try:
            if chunk is None:
                _python_loop(f, run, X, T, batches, steps, opts, groups, bar, callback)
            else:
                _compiled_loop(chunk, f, run, X, T, batches, steps, opts, groups, bar,
                               callback)
        except KeyboardInterrupt:
            run.interrupted = True
            _trim(history, run.steps)
    return run


@dataclass(frozen=True)
class _Options:
    lr: float
    optimizer: str
    momentum: float
    betas: tuple[float, float]


def _batches(n: int, bs: int, rng: np.random.Generator):
    """The examples of each step: all of them, or minibatches of a fresh shuffle each epoch."""
    order = np.arange(n)
    pos = n
    while True:
        if bs == n:
            yield None
            continue
        if pos + bs > n:
            order = rng.permutation(n)
            pos = 0
        yield order[pos:pos + bs]
        pos += bs


def _diverged(f: Compiled, step: int, what: str, theta: np.ndarray, run: Run) -> DivergenceError:
    last = dict(zip((s.name for s in f.params), theta.tolist(), strict=True))
    return DivergenceError(step, what, last_good=last, history=run.history, run=run)


def _record(run: Run, loss: float, grad: np.ndarray, groups: dict) -> None:
    h = run.history
    h["loss"].append(loss)
    with np.errstate(over="ignore"):
        h["grad_norm"].append(float(np.linalg.norm(grad)))
        for k, idx in groups.items():
            h[f"grad_norm_{k}"].append(float(np.linalg.norm(grad[idx])))


def _python_loop(f, run, X, T, batches, steps, opts, groups, bar, callback) -> None:
    """One call of the compiled gradient per step, the update in NumPy."""
    theta = run.theta
    vel = np.zeros_like(theta)
    m1, m2 = np.zeros_like(theta), np.zeros_like(theta)
    b1, b2 = opts.betas
    lr = opts.lr
    code = CODES[opts.optimizer]
    for step in range(1, steps + 1):
        idx = next(batches)
        xb, tb = (X, T) if idx is None else (X[idx], T[idx])
        with np.errstate(all="ignore"):  # a non-finite result is caught just below
            loss, grad = f.fast(theta, xb, tb)
        loss, grad = float(loss), np.asarray(grad, dtype=float)
        if not np.isfinite(loss) or not np.all(np.isfinite(grad)):
            raise _diverged(f, step, "the loss" if not np.isfinite(loss) else "the gradient",
                            theta, run)
        with np.errstate(all="ignore"):
            new = optimizer_step(theta, grad, code, lr, opts.momentum, b1, b2, step, vel, m1, m2)
        if not np.all(np.isfinite(new)):
            raise _diverged(f, step, "the updated parameters", theta, run)
        _record(run, loss, grad, groups)
        theta = new
        run.theta, run.steps = theta, len(run.history["loss"])
        bar.update(1)
        if step % 50 == 0:
            bar.set_postfix(loss=f"{loss:.4g}")
        if callback is not None and callback(step, theta, loss):
            break


def _compiled_loop(train_chunk, f, run, X, T, batches, steps, opts, groups, bar,
                   callback) -> None:
    """A backend's compiled loop (numba's): whole chunks of steps in compiled code, the
    history between them.

    A chunk takes about a quarter of a second (its length adapts), so the progress bar moves
    and Ctrl-C is answered within that time; with a callback every step is its own chunk.
    """
    theta = run.theta.copy()
    P = theta.size
    vel, m1, m2 = np.zeros(P), np.zeros(P), np.zeros(P)
    mask = np.zeros((len(groups), P))
    for q, idx in enumerate(groups.values()):
        mask[q, idx] = 1.0
    code = CODES[opts.optimizer]
    b1, b2 = opts.betas
    done = 0
    size = 1 if callback is not None else 32
    while done < steps:
        k = min(size, steps - done)
        rows = [next(batches) for _ in range(k)]
        idx = (np.zeros((k, 0), dtype=np.int64) if rows[0] is None
               else np.ascontiguousarray(rows, dtype=np.int64))
        losses, norms = np.empty(k), np.empty(k)
        gnorms = np.empty((k, len(groups)))
        start = time.perf_counter()
        ran, status = train_chunk(theta, X, T, idx, opts.lr, code, opts.momentum, b1, b2, done,
                                  vel, m1, m2, losses, norms, mask, gnorms)
        elapsed = time.perf_counter() - start
        h = run.history
        h["loss"] += losses[:ran].tolist()
        h["grad_norm"] += norms[:ran].tolist()
        for q, name in enumerate(groups):
            h[f"grad_norm_{name}"] += gnorms[:ran, q].tolist()
        run.theta, run.steps = theta.copy(), len(h["loss"])
        done += ran
        bar.update(ran)
        if ran:
            bar.set_postfix(loss=f"{losses[ran - 1]:.4g}")
        if status:
            what = "the updated parameters" if status == 2 else (
                "the gradient" if np.isfinite(_loss_at(f, theta, X, T, rows[ran])) else "the loss")
            raise _diverged(f, done + 1, what, theta, run)
        if callback is not None and callback(done, run.theta, losses[ran - 1]):
            break
        if callback is None:  # aim for chunks of about a quarter of a second
            size = int(min(max(size * 0.25 / max(elapsed, 1e-6), 1), 1_000_000))


def _loss_at(f, theta, X, T, idx) -> float:
    xb, tb = (X, T) if idx is None else (X[idx], T[idx])
    with np.errstate(all="ignore"):
        return float(f.fast(theta, xb, tb)[0])


def _trim(history: dict[str, list], n: int) -> None:
    """After an interrupt, keep the entries of the ``n`` updates that completed."""
    for v in history.values():
        del v[n:]
