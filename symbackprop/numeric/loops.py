r"""The numba backend: the backprop program as loops over the batch, compiled to machine code.

NumPy and JAX pay a fixed cost per call and per array operation, which for a tiny net is the
whole cost. Here every intermediate is a scalar in a loop over the examples, so a 2-2-1 net's
gradient takes about a microsecond. Two paths, as for NumPy:

* ``"scalar"`` (any graph): the backprop program, one line per step, inside a loop over the
  examples; large batches can be split into one chunk per thread (``numba.prange``), each
  summing into its own row of gradients, so threads never write the same memory;
* ``"matrix"`` (networks): the matrix form as loops, example by example: each layer a small
  matrix-vector product over the weights in ``theta``, the activations, their derivatives, the
  loss and the output delta printed from the graph's own expressions and backprop program.
  Its code does not grow with the width, so it compiles in seconds for any net. The loops call
  no BLAS: a threaded BLAS inside numba's threads, or beside NumPy's own, fights them for the
  cores (measured here: 40x slower at batch 1024). For nets past :data:`SCALAR_PARAMS`
  parameters, batches of :data:`BLAS_EXAMPLES` and more go to the NumPy backend's matrix code
  instead (BLAS matmuls and vectorised activations win there): from Python directly
  (``f.fast``), from compiled training loops through ``numba.objmode``.

From :data:`PACED_EXAMPLES` examples on, each call runs the way that was fastest lately
(:class:`Pace`): on numba's threads, on one thread, or, for networks, through the NumPy
backend's matrix code. On a quiet machine threads win; on a busy one they wait for cores and
lose to one thread by up to 50 times (measured in ``benchmarks/bench_busy.py``).

The public call's checks (shapes, finite inputs and results) run compiled too, in the same
call as the gradient (``_checked``), so ``f(theta, X, T)`` costs little more than ``f.fast``.

``compile(..., backend="numba", path="auto")`` takes the scalar path for graphs and small nets
and the matrix path for nets past :data:`SCALAR_PARAMS` parameters; ``f.path`` says which.
Functions are compiled when ``compile`` is called (explicit signatures) and kept, keyed by
their source, for the rest of the process: compiling the same net again costs nothing.
Like every backend, the source is generated from the graph's symbols and SymPy's printers
only, and ``f.source`` shows it.
"""

from __future__ import annotations

import hashlib
import time

import sympy as sp

from ..core.graph import Graph
from ..core.network import Network
from ..core.rows import ROW_REDUCTIONS, rowmax, rowmin, rowprod, rowsum
from ..derive import backprop, local_partial
from .backend import Backend, numpy_matrix, register_backend
from .codegen import NumbaCodePrinter, assignments, build, code_name, doprint, namespace
from .matrix_code import NoMatrixPath, direct_reads, loss_form, matrix_obstacle, steps_for
from .optimizers import optimizer_step
from .scalar_code import forward_steps, needed, stable_forms

__all__ = ["PACED_EXAMPLES", "SCALAR_PARAMS", "Pace", "build_numba", "checked_for",
           "compile_seconds"]

SCALAR_PARAMS = 400
"""Networks with more parameters than this take the matrix (BLAS) path by default."""

CHUNK_EXAMPLES = 256
"""Examples per thread below which a batch is not split (threads cost more than they save)."""

BLAS_EXAMPLES = 64
"""From this batch size on, a net past :data:`SCALAR_PARAMS` parameters computes its gradient
with the NumPy backend's matrix code (BLAS matmuls, vectorised activations), which wins there."""

PACED_EXAMPLES = 2 * CHUNK_EXAMPLES
"""From this batch size on, each call of the gradient runs the way that was fastest lately
(numba's threads, one thread, or the NumPy backend's matrix code): see :class:`Pace`."""

_SIGNATURES = {
    "_chunk": "float64(float64[::1], float64[:, ::1], float64[:, ::1], int64, int64, float64[::1])",
    "_chunk_loss": "float64(float64[::1], float64[:, ::1], float64[:, ::1], int64, int64)",
    "_grad": "Tuple((float64, float64[::1]))(float64[::1], float64[:, ::1], float64[:, ::1])",
    "_grad_threads": "Tuple((float64, float64[::1]))(float64[::1], float64[:, ::1], "
                     "float64[:, ::1])",
    "_loss": "float64(float64[::1], float64[:, ::1], float64[:, ::1])",
    "_predict": "float64[:, ::1](float64[::1], float64[:, ::1])",
    "_checked": "Tuple((int64, float64, float64[::1]))(float64[::1], float64[:, ::1], "
                "float64[:, ::1])",
}

# sums in the matrix loops may be reassociated (so they vectorise) and multiply-adds fused;
# NaN and inf keep their meaning, so divergence is still seen
_REASSOC = {"reassoc", "contract"}

_CACHE: dict[str, dict] = {}
_TIMES: dict[str, float] = {}


def compile_seconds(source: str) -> float:
    """Seconds numba spent compiling this source (0.0 once it came from the cache)."""
    return _TIMES.get(_key(source), 0.0)


def _key(source: str) -> str:
    return hashlib.sha256(source.encode()).hexdigest()


def _printer():
    return NumbaCodePrinter()


def _jit(source: str, names: list[str], parallel: tuple[str, ...], ns: dict,
         fast: tuple[str, ...] = ()) -> dict:
    """Compile the functions ``names`` of ``source`` with numba, in order, once per process."""
    key = _key(source)
    if key in _CACHE:
        _TIMES[key] = 0.0
        return _CACHE[key]
    import numba
    start = time.perf_counter()
    ns = dict(ns)
    ns["numba"] = numba
    build(source, names[0], ns)  # executes the whole source: every function is defined
    out = {}
    for name in names:  # callees first: later functions see the compiled ones in ns
        flags = _REASSOC if name in fast else False
        ns[name] = out[name] = numba.njit(_SIGNATURES[name], parallel=name in parallel,
                                          cache=False, nogil=name.startswith("_chunk"),
                                          fastmath=flags)(ns[name])
    _TIMES[key] = time.perf_counter() - start
    _CACHE[key] = out
    return out


class Pace:
    """How a big batch's gradient runs, picked call by call from what each way took lately.

    The ways: 0, the loops on one thread; 1, split over numba's threads (only while
    ``numba.get_num_threads()`` is above 1); 2, the NumPy backend's matrix code (networks
    only). Threads win on a quiet machine; on a busy one, where other processes keep every
    core busy, a thread waits for a core, the split batch waits for its slowest part, and
    OpenMP's idle threads spin for cores they do not get: measured on two cores with two other
    processes spinning, the threaded call took 3 to 12 times as long as one thread, and longer
    than hand-written NumPy. So each call is timed (per example, by batch size to within a
    factor of two), an average of the recent times is kept for each way, and the fastest is
    used; every so often another way is tried again (soon after it last won, rarely while it
    keeps losing), so a machine that becomes busy or quiet is noticed within a few calls;
    the way in use is left only for one at least :attr:`MARGIN` times as fast, so that noise
    does not move it.
    The ways add the same numbers in different orders, so results can differ in the last bits
    from call to call, as they do between thread counts.
    """

    PROBE_MIN, PROBE_MAX = 8, 2048
    """Calls between tries of a way that is not the fastest: the fewest (after a try that
    won) and the most. After a try that lost, that way waits twice as long, and at least 20
    calls for each time the best way's time it lost by, so that trying costs about 5% at most
    (threads on a busy machine can take 50 times as long as one thread)."""

    MARGIN = 1.1
    """How much faster (by its recent times) another way must be to be taken instead."""

    def __init__(self, numpy_option: bool):
        self.ways = (0, 1, 2) if numpy_option else (0, 1)
        self.serial_ways = (0, 2) if numpy_option else (0,)  # when one thread is allowed
        self.sizes: dict[int, _Times] = {}

    def start(self, batch: int, threads: int) -> tuple[int, float]:
        """The way to run a call on ``batch`` examples with ``threads`` threads allowed
        (``numba.get_num_threads()``), and the time it starts."""
        t = self.sizes.get(batch.bit_length())
        if t is None:
            t = self.sizes[batch.bit_length()] = _Times()
        ways = self.ways if threads > 1 else self.serial_ways
        t.tick += 1
        count = t.count
        for w in ways:  # each way twice first (the first call of each warms it up)
            if count.get(w, 0) < 2:
                return w, time.perf_counter()
        cost, last, every = t.cost, t.last, t.every
        way = min(ways, key=cost.__getitem__)
        if t.current is not None and t.current in ways \
                and cost[t.current] <= self.MARGIN * cost[way]:
            way = t.current  # a way is left only for one clearly faster (noise is not)
        t.current = way
        due = [w for w in ways if w != way and t.tick - last[w] >= every.get(w, self.PROBE_MIN)]
        if due:  # try again the way measured longest ago
            way = t.trying = min(due, key=last.__getitem__)
        return way, time.perf_counter()

    def stop(self, way: int, start: float, batch: int) -> None:
        """Record the time per example of a call that ran ``way``."""
        per = (time.perf_counter() - start) / batch
        t = self.sizes[batch.bit_length()]
        cost, count = t.cost, t.count
        n = count.get(way, 0)
        trying = t.trying == way
        if n < 2 or trying:
            # the first call of a way warms it up (thread pools, caches): the second replaces
            # it; a try stands for itself (the way's older times may be from another load)
            cost[way] = per
        else:  # a call that waited for a core once counts as at most three times the usual
            cost[way] += 0.3 * (min(per, 3 * cost[way]) - cost[way])
        count[way] = n + 1
        t.last[way] = t.tick
        if trying:
            t.trying = None
            best = min((c for w, c in cost.items() if w != way), default=per)
            if per * self.MARGIN < best:  # it won: the next calls run it
                t.every[way] = self.PROBE_MIN
                t.current = way
            else:
                t.every[way] = min(max(2 * t.every.get(way, self.PROBE_MIN),
                                       int(20 * (per / best - 1))), self.PROBE_MAX)


class _Times:
    """What :class:`Pace` knows of one batch size: per way, its recent time per example
    (``cost``), how many calls ran it (``count``), the call that last ran it (``last``) and
    how many calls to wait before trying it again (``every``); the way in use (``current``)."""

    __slots__ = ("cost", "count", "current", "every", "last", "tick", "trying")

    def __init__(self):
        self.cost: dict[int, float] = {}
        self.count: dict[int, int] = {}
        self.last: dict[int, int] = {}
        self.every: dict[int, int] = {}
        self.tick = 0
        self.trying: int | None = None
        self.current: int | None = None  # the way the last calls ran


def _numpy_call(raw):
    """``raw`` (the NumPy backend's matrix code) as numba's ``objmode`` calls it: a float
    and a C-ordered float64 gradient, NumPy's warnings off (a result that is not finite is
    reported by the caller)."""
    import numpy

    def call(theta, X, T):
        with numpy.errstate(all="ignore"):
            loss, grad = raw(theta, X, T)
        return float(loss), numpy.ascontiguousarray(grad, dtype=float)
    return call


def checked_for(raw):
    """The compiled ``_checked`` (the public call's checks and the gradient in one call) that
    belongs with the compiled gradient ``raw``, or None when ``raw`` is not one of them."""
    for fns in _CACHE.values():
        if fns.get("_grad") is raw:
            return fns.get("_checked")
    return None


# ---- pieces of source ----------------------------------------------------------------------

def _scalars(symbols, source: str, indent: str) -> list[str]:
    return [f"{indent}{code_name(s)} = {source}[{i}]" for i, s in enumerate(symbols)]


def _row(symbols, source: str, indent: str) -> list[str]:
    return [f"{indent}{code_name(s)} = {source}[_i, {i}]" for i, s in enumerate(symbols)]


def _split(fn: str, args: str, size: str, numpy_option: bool, paced: bool = True) -> list[str]:
    """``_grad`` and ``_grad_threads`` (one chunk per thread).

    Small batches run ``_chunk`` once (numba's parallel functions cost microseconds just to
    enter). From :data:`PACED_EXAMPLES` examples on, ``_pace`` (a :class:`Pace`) picks how each
    call runs, by what each way took lately: on numba's threads, on one thread, or (networks,
    ``numpy_option``) through the NumPy backend's matrix code. Without ``paced`` (big nets,
    whose big batches go to BLAS before this) ``_grad`` runs ``_chunk`` alone."""
    serial = [f"    _g = numpy.zeros({size})", f"    _loss = {fn}({args}, 0, _B, _g)",
              "    return _loss / _B, _g / _B"]
    numpy_way = [
        "        if _how == 2:  # the NumPy backend's matrix code",
        "            with numba.objmode(_loss=\"float64\", _g=\"float64[::1]\"):",
        f"                _loss, _g = _numpy({args})",
        "                _pace.stop(_how, _t0, _B)",
        "            return _loss, _g"] if numpy_option else []
    return [
        "def _grad_threads(_theta, _X, _T):",
        "    _B = _X.shape[0]",
        f"    _n = min(numba.get_num_threads(), max(1, _B // {CHUNK_EXAMPLES}))",
        f"    _G = numpy.zeros((_n, {size}))",
        "    _L = numpy.zeros(_n)",
        "    for _c in numba.prange(_n):  # each thread sums into its own row",
        f"        _L[_c] = {fn}({args}, _c * _B // _n, (_c + 1) * _B // _n, _G[_c])",
        "    return _L.sum() / _B, _G.sum(axis=0) / _B",
        "",
        "def _grad(_theta, _X, _T):",
        "    _B = _X.shape[0]",
        *([] if not paced else [
        f"    if _B >= {PACED_EXAMPLES}:  # threads, one thread or NumPy: the fastest lately",
        "        _nt = numba.get_num_threads()",
        "        with numba.objmode(_how=\"int64\", _t0=\"float64\"):",
        "            _how, _t0 = _pace.start(_B, _nt)",
        *numpy_way,
        "        if _how == 1:",
        f"            _loss, _g = _grad_threads({args})",
        "        else:",
        f"            _g = numpy.zeros({size})",
        f"            _loss = {fn}({args}, 0, _B, _g) / _B",
        "            _g = _g / _B",
        "        with numba.objmode():",
        "            _pace.stop(_how, _t0, _B)",
        "        return _loss, _g"]),
        *serial,
    ]


def _checked(n_params: int, n_inputs: int, n_targets: int) -> list[str]:
    """``_checked``: the public call's checks and the gradient in one compiled call.

    Returns (status, loss, grad): status 0 when every shape is right and every input and
    result finite; 1 when a shape is wrong or an input not finite (the caller's full checks
    then say which, with a clear error); 2 when the result is not finite. ``v * 0.0`` is 0
    for a finite v and NaN for NaN and ±inf, so one sum per array sees any of them, and
    cannot overflow."""
    return [
        "def _checked(_theta, _X, _T):",
        f"    if (_theta.shape[0] != {n_params} or _X.shape[1] != {n_inputs}",
        f"            or _T.shape[1] != {n_targets}",
        "            or _T.shape[0] != _X.shape[0] or _X.shape[0] == 0):",
        "        return 1, 0.0, _theta",
        "    _s = 0.0",
        "    for _k in range(_theta.shape[0]):",
        "        _s += _theta[_k] * 0.0",
        "    for _i in range(_X.shape[0]):",
        "        for _k in range(_X.shape[1]):",
        "            _s += _X[_i, _k] * 0.0",
        "        for _k in range(_T.shape[1]):",
        "            _s += _T[_i, _k] * 0.0",
        "    if _s != 0.0:",
        "        return 1, 0.0, _theta",
        "    _loss, _g = _grad(_theta, _X, _T)",
        "    _s = _loss * 0.0",
        "    for _k in range(_g.shape[0]):",
        "        _s += _g[_k] * 0.0",
        "    return (0 if _s == 0.0 else 2), _loss, _g",
        "",
    ]


# ---- the scalar path: the program, one line a step, in a loop over the examples ------------

def _scalar(g: Graph):
    p = _printer()
    prog = backprop(g)
    params = g.param_symbols
    P = len(params)
    head = _scalars(params, "_theta", "    ")
    rows = _row(g.input_symbols, "_X", "        ") + _row(g.target_symbols, "_T", "        ")
    fwd = assignments(p, forward_steps(g, prog), indent="        ")
    deltas = assignments(p, ((s.target, s.expr) for s in prog.deltas if s.of != g.output),
                         indent="        ")
    grads = []
    for i, s in enumerate(params):
        step = prog.step_for(s)
        if step is not None:
            grads += assignments(p, [(step.target, step.expr)], indent="        ")
            grads.append(f"        _g[{i}] += {code_name(step.target)}")
    out = code_name(g.output)
    chunk = [
        "def _chunk(_theta, _X, _T, _start, _stop, _g):",
        "    # the loss summed over examples _start.._stop; their gradients added to _g",
        *head, "    _loss = 0.0", "    for _i in range(_start, _stop):", *rows,
        "        # forward", *fwd, "        # backward: one delta per node", *deltas,
        "        # gradients of the parameters, summed over the examples", *grads,
        f"        _loss += {out}", "    return _loss", ""]
    chunk_loss = [
        "def _chunk_loss(_theta, _X, _T, _start, _stop):", *head, "    _loss = 0.0",
        "    for _i in range(_start, _stop):", *rows, *fwd, f"        _loss += {out}",
        "    return _loss", ""]
    raw = numpy_matrix(g) if isinstance(g, Network) else None  # a third way for big batches
    grad = [*_split("_chunk", "_theta, _X, _T", str(P), raw is not None), ""]
    loss = ["def _loss(_theta, _X, _T):",
            "    return _chunk_loss(_theta, _X, _T, 0, _X.shape[0]) / _X.shape[0]", ""]
    check = _checked(P, len(g.input_symbols), len(g.target_symbols))
    source = "\n".join(chunk + chunk_loss + grad + loss + check)
    names = ["_chunk", "_chunk_loss", "_grad_threads", "_grad", "_loss", "_checked"]
    ns = namespace(p)
    ns["_pace"] = Pace(raw is not None)
    if raw is not None:
        ns["_numpy"] = _numpy_call(raw)
    if isinstance(g, Network):
        m = g.n_outputs
        pf = assignments(p, forward_steps(g, prog, needed(g, g.predictions)),
                         indent="        ")
        store = [f"        _P[_i, {j}] = {code_name(s)}" for j, s in enumerate(g.predictions)]
        predict = ["def _predict(_theta, _X):", *head, f"    _P = numpy.empty((_X.shape[0], {m}))",
                   "    for _i in range(_X.shape[0]):", *_row(g.input_symbols, "_X", "        "),
                   *pf, *store, "    return _P", ""]
        source += "\n" + "\n".join(predict)
        names.append("_predict")
    return source, names, ns


# ---- the matrix path, as loops: each example's layers as small matrix-vector products ------

_J = sp.Symbol("_j")


class _RowLoops:
    """Writes a loss's matrix form (:class:`~symbackprop.core.registry.MatrixLoss`) for one
    example: a matrix of the batch is a vector over the outputs (a buffer of length m), a
    row reduction a loop over them into a scalar, computed once on its own lines."""

    def __init__(self, printer, vectors: set[sp.Symbol], m: int, indent: str):
        self.p, self.vectors, self.m, self.indent = printer, set(vectors), m, indent
        self.lines: list[str] = []
        self.buffers: list[str] = []  # vectors a step makes, allocated once per call
        self.n = 0

    def at(self, e: sp.Expr) -> str:
        """``e`` for output ``_j``: every vector read at ``_j``."""
        reps = {v: sp.IndexedBase(v.name)[_J] for v in e.free_symbols & self.vectors}
        return doprint(self.p, e.xreplace(reps))

    def hoist(self, e: sp.Expr, into: sp.Symbol | None = None) -> sp.Expr:
        """``e`` with every row reduction computed on lines of its own (innermost first), a
        reduction that is the whole of ``e`` straight into ``into``."""
        if not e.has(*ROW_REDUCTIONS):
            return e
        if isinstance(e, ROW_REDUCTIONS):
            body = self.hoist(e.args[0])
            r = into
            if r is None:
                r = sp.Symbol(f"_red{self.n}")
                self.n += 1
            loop, i = f"{self.indent}for _j in range({self.m}):", self.indent + "    "
            name, item = code_name(r), self.at(body)
            fmt = self.p._module_format
            if isinstance(e, rowsum):
                self.lines += [f"{self.indent}{name} = 0.0", loop, f"{i}{name} += {item}"]
            elif isinstance(e, rowprod):
                self.lines += [f"{self.indent}{name} = 1.0", loop, f"{i}{name} *= {item}"]
            elif isinstance(e, (rowmax, rowmin)):
                big, pick = ("-", "max") if isinstance(e, rowmax) else ("", "min")
                self.lines += [f"{self.indent}{name} = {big}{fmt('math.inf')}", loop,
                               f"{i}{name} = {pick}({name}, {item})"]
            else:  # log-sum-exp, shifted by the largest entry
                top = f"{name}_max"
                self.lines += [f"{self.indent}{top} = -{fmt('math.inf')}", loop,
                               f"{i}{top} = max({top}, {item})",
                               f"{self.indent}{name} = 0.0", loop,
                               f"{i}{name} += {fmt('math.exp')}({item} - {top})",
                               f"{self.indent}{name} = {top} + {fmt('math.log')}({name})"]
            return r
        return e.func(*[self.hoist(a) for a in e.args])

    def step(self, lhs: sp.Symbol, rhs: sp.Expr) -> None:
        """``lhs = rhs``: a vector (a loop over the outputs) or a scalar."""
        rhs = self.hoist(rhs, into=lhs)
        if rhs == lhs:  # a reduction, computed into lhs
            return
        if rhs.free_symbols & self.vectors:
            self.vectors.add(lhs)
            self.buffers.append(f"    {code_name(lhs)} = numpy.empty({self.m})")
            self.lines += [f"{self.indent}for _j in range({self.m}):",
                           f"{self.indent}    {code_name(lhs)}[_j] = {self.at(rhs)}"]
        else:
            self.lines.append(f"{self.indent}{code_name(lhs)} = {doprint(self.p, rhs)}")

    def store(self, target: str, e: sp.Expr) -> None:
        """``target[_j] = e`` for every output (``target`` a buffer or a row of one)."""
        e = self.hoist(e)
        self.lines += [f"{self.indent}for _j in range({self.m}):",
                       f"{self.indent}    {target}[_j] = {self.at(e)}"]

    def scalar(self, e: sp.Expr) -> str:
        """The code of a quantity of one example, its reductions computed first."""
        return doprint(self.p, self.hoist(e))


def _matrix(net: Network):
    import numpy

    # Every name made here starts with "_", so none hides a user's symbol (b1 is the
    # parameter b1, the bias vector of layer 1 is _b1).
    from ..derive.matrix import matrix_form
    p = _printer()
    mf = matrix_form(net)  # each layer's activation and a'(z), from the matrix derivation
    L, m, P = net.depth, net.n_outputs, net.n_params
    link = net.loss_entry.from_logits
    zsym, hsym = sp.Symbol("_z", real=True), sp.Symbol("_h", real=True)
    sizes = net.layers
    out_identity = not link and mf.layers[-1].entry is None
    Zv, Hv, Tv = sp.Symbol(f"_Z{L}"), sp.Symbol(f"_H{L}"), sp.Symbol("_Ti")
    Y = Zv if link or out_identity else Hv
    form = loss_form(net, Y, Tv)
    params, inputs = direct_reads(net)
    unpack, offset = [], 0
    for l in range(1, L + 1):
        n_in, n_out = sizes[l - 1], sizes[l]
        w0, w1, b1 = offset, offset + n_in * n_out, offset + n_in * n_out + n_out
        unpack += [f"    _W{l} = _theta[{w0}:{w1}].reshape({n_out}, {n_in})",
                   f"    _b{l} = _theta[{w1}:{b1}]"]
        offset = b1
    unpack += [f"    {code_name(s)} = _theta[{i}]  # the loss reads it itself"
               for i, s in params]
    keep_last = form is not None and not link and not out_identity  # H of the last layer
    buffers = [f"    _Z{l} = numpy.empty({sizes[l]})" for l in range(1, L + 1)]
    buffers += [f"    _H{l} = numpy.empty({sizes[l]})" for l in range(1, L + (1 if keep_last
                                                                                else 0))]
    buffers += [f"    _D{l} = numpy.empty({sizes[l]})" for l in range(1, L + 1)]

    def affine(l: int, source: str) -> list[str]:
        """z = W h + b for one example, as a loop over the weights of layer l."""
        lay = mf.layers[l - 1]
        lines = [f"        for _j in range({sizes[l]}):", f"            _s = _b{l}[_j]",
                 f"            for _k in range({sizes[l - 1]}):",
                 f"                _s += _W{l}[_j, _k] * {source}[_k]", f"            _Z{l}[_j] = _s"]
        if l < L or (l == L and keep_last):
            act = lay.apply(zsym)
            lines += ["            _z = _s", f"            _H{l}[_j] = {doprint(p, act)}"]
        return lines

    fwd = ["        # forward: layer by layer"]
    for l in range(1, L + 1):
        fwd += affine(l, "_X[_i]" if l == 1 else f"_H{l - 1}")
    inputs_read = [f"        {code_name(s)} = _X[_i, {i}]" for i, s in inputs]
    if form is not None:
        # the loss entry's matrix form, as loops over the outputs: each stable step once
        rl = _RowLoops(p, {Zv, Hv, Tv}, m, "        ")
        for lhs, rhs in form.steps:
            rl.step(lhs, rhs)
        loss_code = rl.scalar(form.loss)
        if link or out_identity:
            delta = form.delta
        else:
            d = mf.layers[-1].derivative(Zv, Hv)
            delta = form.delta * d
        rl.store(f"_D{L}", delta)
        logits = ["        _Ti = _T[_i]"]
        targets: list[str] = []
        out_fwd = rl.lines
        out_delta: list[str] = []
        store: list[str] = []
        loss_line = f"        _loss += {loss_code}"
        buffers += rl.buffers
        # the predictions, for predict: only the steps they need
        pl = _RowLoops(p, {Zv, Hv}, m, "        ")
        if link:
            for lhs, rhs in steps_for(form.steps, form.prediction):
                pl.step(lhs, rhs)
            pl.store("_P[_i]", form.prediction)
        else:
            pl.store("_P[_i]", Y)
        predict_out = pl.lines
        pbuffers = pl.buffers
        direct = []
    else:
        # the output layer, in the program's own lines (stable forms, the output delta): a
        # loss given as a function, on the net's scalar graph
        prog = backprop(net)
        stable = stable_forms(net)
        zs, ts = list(net.preactivations[-1]), list(net.target_symbols)
        last = set(zs) | set(net.activations[-1]) | set(net.predictions) | {net.output}
        logits = [f"        {code_name(z)} = _Z{L}[{j}]" for j, z in enumerate(zs)]
        targets = _row(ts, "_T", "        ")
        out_fwd = assignments(p, ((s.target, stable.get(s.target, s.expr)) for s in prog.forward
                                  if s.target in last and s.target not in zs), indent="        ")
        out_delta = assignments(p, ((s.target, s.expr) for s in prog.deltas
                                    if s.of in last and s.of != net.output), indent="        ")
        store = [f"        _D{L}[{j}] = {code_name(prog.step_for(z).target)}"  # type: ignore[union-attr]
                 for j, z in enumerate(zs)]
        loss_line = f"        _loss += {code_name(net.output)}"
        # what the loss reads of a parameter itself (an L2 term), example by example
        direct = [f"        _g[{i}] += {doprint(p, local_partial(net, net.output, s))}"
                  for i, s in params]
        wanted = needed(net, net.predictions) & last
        pf = assignments(p, ((s.target, stable.get(s.target, s.expr)) for s in prog.forward
                             if s.target in wanted and s.target not in zs), indent="        ")
        predict_out = logits + pf + [f"        _P[_i, {j}] = {code_name(s)}"
                                     for j, s in enumerate(net.predictions)]
        pbuffers = []
    back = ["        # backward: each layer's delta once, its weights' gradients from it"]
    offset = 0
    starts = []
    for l in range(1, L + 1):
        starts.append(offset)
        offset += sizes[l - 1] * sizes[l] + sizes[l]
    for l in range(L, 0, -1):
        w0 = starts[l - 1]
        b0 = w0 + sizes[l - 1] * sizes[l]
        source = "_X[_i]" if l == 1 else f"_H{l - 1}"
        back += [f"        for _j in range({sizes[l]}):", f"            _d = _D{l}[_j]",
                 f"            _g[{b0} + _j] += _d",
                 f"            for _k in range({sizes[l - 1]}):",
                 f"                _g[{w0} + _j * {sizes[l - 1]} + _k] += _d * {source}[_k]"]
        if l > 1:
            lay = mf.layers[l - 2]
            d = lay.derivative(zsym, hsym)
            back += [f"        for _k in range({sizes[l - 1]}):", "            _s = 0.0",
                     f"            for _j in range({sizes[l]}):",
                     f"                _s += _W{l}[_j, _k] * _D{l}[_j]",
                     f"            _z = _Z{l - 1}[_k]", f"            _h = _H{l - 1}[_k]",
                     f"            _D{l - 1}[_k] = _s * ({doprint(p, d)})"]
    chunk = ["def _chunk(_theta, _X, _T, _start, _stop, _g):",
             "    # examples _start.._stop: their loss summed, their gradients added to _g",
             *unpack, *buffers, "    _loss = 0.0", "    for _i in range(_start, _stop):", *fwd,
             "        # the loss and the output delta", *inputs_read,
             *logits, *targets, *out_fwd, *out_delta, *store, loss_line, *direct, *back,
             "    return _loss", ""]
    chunk_loss = ["def _chunk_loss(_theta, _X, _T, _start, _stop):", *unpack, *buffers,
                  "    _loss = 0.0", "    for _i in range(_start, _stop):", *fwd, *inputs_read,
                  *logits, *targets, *out_fwd, loss_line, "    return _loss", ""]
    raw = numpy_matrix(net)  # built once, used below
    blas = raw is not None and P > SCALAR_PARAMS
    # two numba.objmode blocks that both make _loss and _g break numba's lowering (0.68):
    # a big net's big batches go to BLAS before the paced choice, so it has none
    grad = [*_split("_chunk", "_theta, _X, _T", str(P), raw is not None, paced=not blas), ""]
    if blas:  # big batches of a big net: BLAS and vectorised functions win
        grad[grad.index("def _grad(_theta, _X, _T):") + 2:
             grad.index("def _grad(_theta, _X, _T):") + 2] = [
            f"    if _B >= {BLAS_EXAMPLES}:  # the NumPy backend's matrix code (BLAS)",
            "        with numba.objmode(_loss=\"float64\", _g=\"float64[::1]\"):",
            "            _loss, _g = _blas(_theta, _X, _T)",
            "        return _loss, _g"]
    loss = ["def _loss(_theta, _X, _T):",
            "    return _chunk_loss(_theta, _X, _T, 0, _X.shape[0]) / _X.shape[0]", ""]
    punpack = [ln for ln in unpack if "the loss reads it itself" not in ln]
    pbuf = [b for b in buffers if not b.startswith("    _D")] if form is None else \
        [f"    _Z{l} = numpy.empty({sizes[l]})" for l in range(1, L + 1)] + \
        [f"    _H{l} = numpy.empty({sizes[l]})" for l in range(1, L + (1 if keep_last else 0))] + \
        pbuffers
    predict = ["def _predict(_theta, _X):", *punpack, *pbuf,
               f"    _P = numpy.empty((_X.shape[0], {m}))", "    for _i in range(_X.shape[0]):",
               *fwd, *predict_out, "    return _P", ""]
    check = _checked(P, net.n_inputs, len(net.target_symbols))
    source = "\n".join(chunk + chunk_loss + grad + loss + predict + check)
    ns = namespace(p)
    ns["_pace"] = Pace(raw is not None)
    if raw is not None:
        ns["_numpy"] = ns["_blas"] = _numpy_call(raw)
    ns["numpy"] = numpy
    return source, ["_chunk", "_chunk_loss", "_grad_threads", "_grad", "_loss", "_predict",
                    "_checked"], ns


def build_numba(graph: Graph, path: str, be: Backend):
    """(path, reason, source, grad, loss, predict, fast or None) for the numba backend."""

    def matrix():
        obstacle = matrix_obstacle(graph)  # a Network: choose asks only then
        if obstacle:
            raise NoMatrixPath(obstacle)
        return _matrix(graph)

    chosen, reason, (source, names, ns) = be.choose(graph, path, matrix,
                                                    lambda: _scalar(graph))
    # _checked's sums of v * 0.0 may be reassociated (vectorised): NaN and inf still show
    fns = _jit(source, names, ("_grad_threads",), ns,
               fast=("_chunk", "_chunk_loss", "_predict", "_checked") if chosen == "matrix"
               else ("_checked",))
    grad, fast = fns["_grad"], None
    blas = ns.get("_blas")
    if blas is not None:  # called from Python, big batches go to BLAS without numba's objmode
        def fast(theta, X, T):
            return blas(theta, X, T) if X.shape[0] >= BLAS_EXAMPLES else grad(theta, X, T)
    return (chosen, reason, source, grad, fns["_loss"], fns.get("_predict"), fast)


# ---- whole training loops ------------------------------------------------------------------

TRAIN_SOURCE = '''
def _train(_theta, _X, _T, _idx, _lr, _opt, _mom, _b1, _b2, _step0, _vel, _m1, _m2, _losses,
           _norms, _groups, _gnorms):
    # Runs _losses.shape[0] steps of gradient descent on _theta (in place): w <- w - lr dL/dw,
    # or momentum (_opt 1) or Adam (_opt 2), the same arithmetic as the NumPy loop. _idx[k]
    # holds the examples of step k (no columns: the whole batch). Returns (steps done, status):
    # status 1 if the loss or gradient stopped being finite, 2 if the update did.
    _n = _losses.shape[0]
    _full = _idx.shape[1] == 0
    _bs = _X.shape[0] if _full else _idx.shape[1]
    _xb = numpy.empty((_bs, _X.shape[1]))
    _tb = numpy.empty((_bs, _T.shape[1]))
    for _k in range(_n):
        if _full:
            _loss, _grad_ = _grad(_theta, _X, _T)
        else:
            for _r in range(_bs):
                _xb[_r, :] = _X[_idx[_k, _r], :]
                _tb[_r, :] = _T[_idx[_k, _r], :]
            _loss, _grad_ = _grad(_theta, _xb, _tb)
        if not numpy.isfinite(_loss) or not numpy.all(numpy.isfinite(_grad_)):
            return _k, 1
        _step = _step0 + _k + 1
        _new = _update(_theta, _grad_, _opt, _lr, _mom, _b1, _b2, _step, _vel, _m1, _m2)
        if not numpy.all(numpy.isfinite(_new)):
            return _k, 2
        _losses[_k] = _loss
        _norms[_k] = numpy.sqrt(numpy.sum(_grad_ * _grad_))
        for _q in range(_groups.shape[0]):
            _gnorms[_k, _q] = numpy.sqrt(numpy.sum((_grad_ * _groups[_q]) ** 2))
        _theta[:] = _new
    return _n, 0
'''

_TRAINERS: dict[str, object] = {}
_UPDATE: list = []  # the compiled optimizer step: one for every net (it compiles for seconds)


def _update():
    if not _UPDATE:
        import numba
        _UPDATE.append(numba.njit(nogil=True, cache=False)(optimizer_step))
    return _UPDATE[0]


def trainer(compiled):
    """The compiled training loop for a numba-compiled function (made once per source; the
    optimizer step in it, once per process)."""
    key = _key(compiled.source)
    if key not in _TRAINERS:
        import numba
        import numpy
        ns = {"_grad": compiled.raw, "numpy": numpy, "numba": numba, "_update": _update()}
        fn = build(TRAIN_SOURCE, "_train", ns)
        _TRAINERS[key] = numba.njit(nogil=True, cache=False)(fn)
    return _TRAINERS[key]


class NumbaBackend(Backend):
    """Loops compiled to machine code: each example's program (or layers) as scalar code."""

    name, package, extra = "numba", "numba", "numba"
    printer = NumbaCodePrinter
    writable = True  # numba's compiled loops take no read-only array
    warns = False  # compiled loops raise no NumPy warnings

    def checked(self, raw, dispatch):
        # big nets' big batches: NumPy's BLAS code from Python (dispatch), not objmode
        return checked_for(raw), (BLAS_EXAMPLES if dispatch is not None else 1 << 62)

    def build(self, graph: Graph, path: str) -> dict:
        chosen, reason, src, fn, fwd, pred, fast = build_numba(graph, path, self)
        return {"path": chosen, "reason": reason, "source": src, "forward_source": src,
                "predict_source": src if pred else None, "raw": fn, "raw_loss": fwd,
                "raw_predict": pred, "dispatch": fast}

    def scalar_first(self, graph: Network) -> str | None:
        if graph.n_params <= SCALAR_PARAMS:
            return (f"a network of at most {SCALAR_PARAMS} parameters takes the scalar loops "
                    "(the fastest there)")
        return None

    def matrix_reason(self, graph: Network) -> str:
        return f"a network of more than {SCALAR_PARAMS} parameters takes the matrix path"

    def trainer(self, compiled):
        return trainer(compiled)


register_backend(NumbaBackend())
