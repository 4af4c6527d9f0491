r"""The numba backend: the backprop program as loops over the batch, compiled to machine code.

NumPy and JAX pay a fixed cost per call and per array operation, which for a tiny net is the
whole cost. Here every intermediate is a scalar in a loop over the examples, so a 2-2-1 net's
gradient takes about a microsecond. Two paths, as for NumPy:

* ``"scalar"`` (any graph): the backprop program, one line per step, inside a loop over the
  examples; large batches are split into one chunk per thread (``numba.prange``), each summing
  into its own row of gradients, so threads never write the same memory;
* ``"matrix"`` (networks): the matrix form as loops, example by example: each layer a small
  matrix-vector product over the weights in ``theta``, the activations, their derivatives, the
  loss and the output delta printed from the graph's own expressions and backprop program.
  Its code does not grow with the width, so it compiles in seconds for any net. The loops call
  no BLAS: a threaded BLAS inside numba's threads, or beside NumPy's own, fights them for the
  cores (measured here: 40x slower at batch 1024). For nets past :data:`SCALAR_PARAMS`
  parameters, batches of :data:`BLAS_EXAMPLES` and more go to the NumPy backend's matrix code
  instead (BLAS matmuls and vectorised activations win there): from Python directly
  (``f.fast``), from compiled training loops through ``numba.objmode``.

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
from .matrix_code import direct_reads, loss_form, matrix_obstacle, steps_for
from .optimizers import optimizer_step
from .scalar_code import forward_steps, needed, stable_forms

__all__ = ["SCALAR_PARAMS", "build_numba", "compile_seconds"]

SCALAR_PARAMS = 400
"""Networks with more parameters than this take the matrix (BLAS) path by default."""

CHUNK_EXAMPLES = 256
"""Examples per thread below which a batch is not split (threads cost more than they save)."""

BLAS_EXAMPLES = 64
"""From this batch size on, a net past :data:`SCALAR_PARAMS` parameters computes its gradient
with the NumPy backend's matrix code (BLAS matmuls, vectorised activations), which wins there."""

_SIGNATURES = {
    "_chunk": "float64(float64[::1], float64[:, ::1], float64[:, ::1], int64, int64, float64[::1])",
    "_chunk_loss": "float64(float64[::1], float64[:, ::1], float64[:, ::1], int64, int64)",
    "_grad": "Tuple((float64, float64[::1]))(float64[::1], float64[:, ::1], float64[:, ::1])",
    "_grad_threads": "Tuple((float64, float64[::1]))(float64[::1], float64[:, ::1], "
                     "float64[:, ::1])",
    "_loss": "float64(float64[::1], float64[:, ::1], float64[:, ::1])",
    "_predict": "float64[:, ::1](float64[::1], float64[:, ::1])",
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


# ---- pieces of source ----------------------------------------------------------------------

def _scalars(symbols, source: str, indent: str) -> list[str]:
    return [f"{indent}{code_name(s)} = {source}[{i}]" for i, s in enumerate(symbols)]


def _row(symbols, source: str, indent: str) -> list[str]:
    return [f"{indent}{code_name(s)} = {source}[_i, {i}]" for i, s in enumerate(symbols)]


def _split(fn: str, args: str, size: str) -> list[str]:
    """``_grad`` (one call of ``_chunk``; numba's parallel functions cost microseconds just to
    enter, so small batches never go there) and ``_grad_threads`` (one chunk per thread)."""
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
        f"    if _B >= {2 * CHUNK_EXAMPLES}:",
        f"        return _grad_threads({args})",
        f"    _g = numpy.zeros({size})",
        f"    _loss = {fn}({args}, 0, _B, _g)",
        "    return _loss / _B, _g / _B",
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
    grad = [*_split("_chunk", "_theta, _X, _T", str(P)), ""]
    loss = ["def _loss(_theta, _X, _T):",
            "    return _chunk_loss(_theta, _X, _T, 0, _X.shape[0]) / _X.shape[0]", ""]
    source = "\n".join(chunk + chunk_loss + grad + loss)
    names = ["_chunk", "_chunk_loss", "_grad_threads", "_grad", "_loss"]
    predict = None
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
    return source, names, namespace(p)


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
    grad = [*_split("_chunk", "_theta, _X, _T", str(P)), ""]
    raw = numpy_matrix(net) if P > SCALAR_PARAMS else None  # built once, used below
    blas = raw is not None
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
    source = "\n".join(chunk + chunk_loss + grad + loss + predict)
    ns = namespace(p)
    if blas:
        def _blas(theta, X, T):
            loss, grad = raw(theta, X, T)
            return float(loss), numpy.ascontiguousarray(grad, dtype=float)

        ns["_blas"] = _blas
    ns["numpy"] = numpy
    return source, ["_chunk", "_chunk_loss", "_grad_threads", "_grad", "_loss", "_predict"], ns


def build_numba(graph: Graph, path: str):
    """(path, reason, source, grad, loss, predict, fast or None) for the numba backend."""
    from ..core.errors import InvalidValueError
    network = isinstance(graph, Network)
    obstacle = matrix_obstacle(graph) if isinstance(graph, Network) else None
    if path == "matrix":
        if not network:
            raise InvalidValueError("the matrix path needs a network built by mlp(...); this "
                                    "graph takes path='scalar'")
        if obstacle:
            raise InvalidValueError(f"the matrix path cannot compute this network's gradient: "
                                    f"{obstacle}; use path='scalar' (or 'auto')")
        chosen, reason = "matrix", "path='matrix' was asked for"
    elif path == "scalar":
        chosen, reason = "scalar", "path='scalar' was asked for"
    elif not network:
        chosen, reason = "scalar", ("a graph that is not a network built by mlp(...) takes "
                                    "the scalar path")
    elif graph.n_params <= SCALAR_PARAMS:  # type: ignore[attr-defined]  # a Network
        chosen, reason = "scalar", (f"a network of at most {SCALAR_PARAMS} parameters takes "
                                    "the scalar loops (the fastest there)")
    elif obstacle:
        chosen, reason = "scalar", (f"the matrix path cannot compute this network's gradient "
                                    f"({obstacle}), so it takes the scalar path")
    else:
        chosen, reason = "matrix", (f"a network of more than {SCALAR_PARAMS} parameters takes "
                                    "the matrix path")
    if chosen == "matrix" and isinstance(graph, Network):
        source, names, ns = _matrix(graph)
    else:
        source, names, ns = _scalar(graph)
    fns = _jit(source, names, ("_grad_threads",), ns, fast=("_chunk", "_chunk_loss", "_predict")
               if chosen == "matrix" else ())
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


def trainer(compiled):
    """The compiled training loop for a numba-compiled function (made once per source)."""
    key = _key(compiled.source)
    if key not in _TRAINERS:
        import numba
        import numpy
        ns = {"_grad": compiled.raw, "numpy": numpy, "numba": numba,
              "_update": numba.njit(nogil=True, cache=False)(optimizer_step)}
        fn = build(TRAIN_SOURCE, "_train", ns)
        _TRAINERS[key] = numba.njit(nogil=True, cache=False)(fn)
    return _TRAINERS[key]


class NumbaBackend(Backend):
    """Loops compiled to machine code: each example's program (or layers) as scalar code."""

    name, package, extra = "numba", "numba", "numba"
    printer = NumbaCodePrinter
    writable = True  # numba's compiled loops take no read-only array

    def build(self, graph: Graph, path: str) -> dict:
        chosen, reason, src, fn, fwd, pred, fast = build_numba(graph, path)
        return {"path": chosen, "reason": reason, "source": src, "forward_source": src,
                "predict_source": src if pred else None, "raw": fn, "raw_loss": fwd,
                "raw_predict": pred, "dispatch": fast}

    def trainer(self, compiled):
        return trainer(compiled)


register_backend(NumbaBackend())
