r"""The numba backend: the backprop program as loops over the batch, compiled to machine code.

NumPy and JAX pay a fixed cost per call and per array operation, which for a tiny net is the
whole cost. Here every intermediate is a scalar in a loop over the examples, so a 2-2-1 net's
gradient takes about a microsecond. Two paths, as for NumPy:

* ``"scalar"`` (any graph): the backprop program, one line per step, inside a loop over the
  examples; large batches are split into one chunk per thread (``numba.prange``), each summing
  into its own row of gradients, so threads never write the same memory;
* ``"matrix"`` (networks): the matrix form, its matmuls by BLAS and its element-wise parts
  (activations, their derivatives, the loss and the output delta, printed from the graph's own
  expressions and backprop program) as loops. It wins once the net has hundreds of parameters.

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
from ..derive import backprop, local_partial
from .codegen import assignments, build, code_name, doprint, namespace

__all__ = ["SCALAR_PARAMS", "build_numba", "compile_seconds"]

SCALAR_PARAMS = 400
"""Networks with more parameters than this take the matrix (BLAS) path by default."""

CHUNK_EXAMPLES = 256
"""Examples per thread below which a batch is not split (threads cost more than they save)."""

_SIGNATURES = {
    "_chunk": "float64(float64[::1], float64[:, ::1], float64[:, ::1], int64, int64, float64[::1])",
    "_chunk_loss": "float64(float64[::1], float64[:, ::1], float64[:, ::1], int64, int64)",
    "_grad": "Tuple((float64, float64[::1]))(float64[::1], float64[:, ::1], float64[:, ::1])",
    "_loss": "float64(float64[::1], float64[:, ::1], float64[:, ::1])",
    "_predict": "float64[:, ::1](float64[::1], float64[:, ::1])",
}

_CACHE: dict[str, dict] = {}
_TIMES: dict[str, float] = {}


def compile_seconds(source: str) -> float:
    """Seconds numba spent compiling this source (0.0 once it came from the cache)."""
    return _TIMES.get(_key(source), 0.0)


def _key(source: str) -> str:
    return hashlib.sha256(source.encode()).hexdigest()


def _printer():
    from .codegen import NumbaCodePrinter
    return NumbaCodePrinter()


def _jit(source: str, names: list[str], parallel: tuple[str, ...], ns: dict) -> dict:
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
        ns[name] = out[name] = numba.njit(_SIGNATURES[name], parallel=name in parallel,
                                          cache=False, nogil=True)(ns[name])
    _TIMES[key] = time.perf_counter() - start
    _CACHE[key] = out
    return out


# ---- pieces of source ----------------------------------------------------------------------

def _scalars(symbols, source: str, indent: str) -> list[str]:
    return [f"{indent}{code_name(s)} = {source}[{i}]" for i, s in enumerate(symbols)]


def _row(symbols, source: str, indent: str) -> list[str]:
    return [f"{indent}{code_name(s)} = {source}[_i, {i}]" for i, s in enumerate(symbols)]


def _split(fn: str, args: str, size: str) -> list[str]:
    """The body of ``_grad``: one call of ``_chunk`` for small batches, else one per thread."""
    return [
        "    _B = _X.shape[0]",
        f"    _n = min(numba.get_num_threads(), max(1, _B // {CHUNK_EXAMPLES}))",
        "    if _n == 1:",
        f"        _g = numpy.zeros({size})",
        f"        _loss = {fn}({args}, 0, _B, _g)",
        "    else:",
        f"        _G = numpy.zeros((_n, {size}))",
        "        _L = numpy.zeros(_n)",
        "        for _c in numba.prange(_n):  # each thread sums into its own row",
        f"            _L[_c] = {fn}({args}, _c * _B // _n, (_c + 1) * _B // _n, _G[_c])",
        "        _g = _G.sum(axis=0)",
        "        _loss = _L.sum()",
        "    return _loss / _B, _g / _B",
    ]


# ---- the scalar path: the program, one line a step, in a loop over the examples ------------

def _scalar(g: Graph):
    from .compile import _stable_forms
    p = _printer()
    prog = backprop(g)
    stable = _stable_forms(g)
    params = g.param_symbols
    P = len(params)
    head = _scalars(params, "_theta", "    ")
    rows = _row(g.input_symbols, "_X", "        ") + _row(g.target_symbols, "_T", "        ")
    fwd = assignments(p, ((s.target, stable.get(s.target, s.expr)) for s in prog.forward),
                      indent="        ")
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
    grad = ["def _grad(_theta, _X, _T):", *_split("_chunk", "_theta, _X, _T", str(P)), ""]
    loss = ["def _loss(_theta, _X, _T):",
            "    return _chunk_loss(_theta, _X, _T, 0, _X.shape[0]) / _X.shape[0]", ""]
    source = "\n".join(chunk + chunk_loss + grad + loss)
    names = ["_chunk", "_chunk_loss", "_grad", "_loss"]
    predict = None
    if isinstance(g, Network):
        m = g.n_outputs
        needed = set(g.predictions)
        for s in g.predictions:
            needed |= g.ancestors(s)
        pf = assignments(p, ((s.target, stable.get(s.target, s.expr)) for s in prog.forward
                             if s.target in needed), indent="        ")
        store = [f"        _P[_i, {j}] = {code_name(s)}" for j, s in enumerate(g.predictions)]
        predict = ["def _predict(_theta, _X):", *head, f"    _P = numpy.empty((_X.shape[0], {m}))",
                   "    for _i in range(_X.shape[0]):", *_row(g.input_symbols, "_X", "        "),
                   *pf, *store, "    return _P", ""]
        source += "\n" + "\n".join(predict)
        names.append("_predict")
    return source, names, namespace(p)


# ---- the matrix path: matmuls by BLAS, element-wise parts as loops --------------------------

def _matrix(net: Network):
    from .compile import _stable_forms
    p = _printer()
    prog = backprop(net)
    stable = _stable_forms(net)
    L, m, P = net.depth, net.n_outputs, len(net.param_symbols)
    zsym, hsym = sp.Symbol("_z", real=True), sp.Symbol("_h", real=True)
    unpack, offsets, offset = [], [], 0
    for l in range(1, L + 1):
        n_in, n_out = net.layers[l - 1], net.layers[l]
        unpack.append(f"    W{l} = _theta[{offset}:{offset + n_in * n_out}].reshape({n_out}, {n_in})")
        offsets.append((offset, offset + n_in * n_out, offset + n_in * n_out + n_out))
        offset += n_in * n_out
        unpack.append(f"    b{l} = _theta[{offset}:{offset + n_out}]")
        offset += n_out
    fwd = ["    H0 = _X"]
    for l in range(1, L):  # hidden layers: matmul, then bias and activation element by element
        z, h = net.preactivations[l - 1][0], net.activations[l - 1][0]
        fwd += [f"    Z{l} = H{l - 1} @ W{l}.T", f"    H{l} = numpy.empty_like(Z{l})",
                "    for _i in range(_X.shape[0]):", f"        for _j in range({net.layers[l]}):",
                f"            _z = Z{l}[_i, _j] + b{l}[_j]", f"            Z{l}[_i, _j] = _z"]
        if z == h:
            fwd.append(f"            H{l}[_i, _j] = _z")
        else:
            act = net.definition(h).expr.xreplace({z: zsym})
            fwd.append(f"            H{l}[_i, _j] = {doprint(p, act)}")
    fwd.append(f"    Z{L} = H{L - 1} @ W{L}.T")
    # the output layer, example by example, in the program's own lines
    zs, ts = list(net.preactivations[-1]), list(net.target_symbols)
    last = set(zs) | set(net.activations[-1]) | set(net.predictions) | {net.output}
    out_fwd = assignments(p, ((s.target, stable.get(s.target, s.expr)) for s in prog.forward
                              if s.target in last and s.target not in zs), indent="        ")
    out_delta = assignments(p, ((s.target, s.expr) for s in prog.deltas
                                if s.of in last and s.of != net.output), indent="        ")
    logits = [f"        {code_name(z)} = Z{L}[_i, {j}] + b{L}[{j}]" for j, z in enumerate(zs)]
    rows = logits + _row(ts, "_T", "        ")
    deltas_out = [f"        D{L}[_i, {j}] = {code_name(prog.step_for(z).target)}"
                  for j, z in enumerate(zs)]
    back = []
    for l in range(L, 0, -1):
        a, b_, c = offsets[l - 1]
        back += [f"    _g[{a}:{b_}] += (D{l}.T @ H{l - 1}).ravel()",
                 f"    _g[{b_}:{c}] += D{l}.sum(axis=0)"]
        if l > 1:
            z, h = net.preactivations[l - 2][0], net.activations[l - 2][0]
            d = sp.S.One if z == h else local_partial(net, h, z).xreplace({z: zsym, h: hsym})
            back += [f"    D{l - 1} = D{l} @ W{l}"]
            if d != 1:
                back += ["    for _i in range(_X.shape[0]):",
                         f"        for _j in range({net.layers[l - 1]}):",
                         f"            _z = Z{l - 1}[_i, _j]", f"            _h = H{l - 1}[_i, _j]",
                         f"            D{l - 1}[_i, _j] *= {doprint(p, d)}"]
    chunk = [
        "def _chunk(_theta, _X, _T, _start, _stop, _g):",
        "    # one block of examples: forward, loss and output delta, then the layers backward",
        "    _X = _X[_start:_stop]", "    _T = _T[_start:_stop]", *unpack, "    # forward", *fwd,
        "    # the loss and the output delta of each example, from the backprop program",
        "    _loss = 0.0", f"    D{L} = numpy.empty((_X.shape[0], {m}))",
        "    for _i in range(_X.shape[0]):", *rows, *out_fwd, *out_delta, *deltas_out,
        f"        _loss += {code_name(net.output)}",
        "    # backward: the delta of each layer, computed once; its weight gradient is a matmul",
        *back, "    return _loss", ""]
    chunk_loss = [
        "def _chunk_loss(_theta, _X, _T, _start, _stop):", "    _X = _X[_start:_stop]",
        "    _T = _T[_start:_stop]", *unpack, *fwd, "    _loss = 0.0",
        "    for _i in range(_X.shape[0]):", *rows, *out_fwd,
        f"        _loss += {code_name(net.output)}", "    return _loss", ""]
    # one block: BLAS spreads the matmuls over the cores itself (numba threads each calling
    # a threaded BLAS would fight over them: 40x slower at batch 1024)
    grad = ["def _grad(_theta, _X, _T):", f"    _g = numpy.zeros({P})",
            "    _loss = _chunk(_theta, _X, _T, 0, _X.shape[0], _g)",
            "    return _loss / _X.shape[0], _g / _X.shape[0]", ""]
    loss = ["def _loss(_theta, _X, _T):",
            "    return _chunk_loss(_theta, _X, _T, 0, _X.shape[0]) / _X.shape[0]", ""]
    pred_lines = [f"        _P[_i, {j}] = {code_name(s)}" for j, s in enumerate(net.predictions)]
    needed = set(net.predictions)
    for s in net.predictions:
        needed |= {a for a in net.ancestors(s) if a in last}
    pf = assignments(p, ((s.target, stable.get(s.target, s.expr)) for s in prog.forward
                         if s.target in needed and s.target not in zs), indent="        ")
    predict = ["def _predict(_theta, _X):", *unpack, *fwd,
               f"    _P = numpy.empty((_X.shape[0], {m}))", "    for _i in range(_X.shape[0]):",
               *logits, *pf, *pred_lines, "    return _P", ""]
    source = "\n".join(chunk + chunk_loss + grad + loss + predict)
    return source, ["_chunk", "_chunk_loss", "_grad", "_loss", "_predict"], namespace(p)


def build_numba(graph: Graph, path: str):
    """(path, source, loss source, predict source, grad, loss, predict) for the numba backend."""
    chosen = path
    if path == "auto":
        chosen = "matrix" if (isinstance(graph, Network)
                              and len(graph.param_symbols) > SCALAR_PARAMS) else "scalar"
    if chosen == "matrix":
        from ..core.errors import InvalidValueError
        if not isinstance(graph, Network):
            raise InvalidValueError("the matrix path needs a network built by mlp(...)")
        source, names, ns = _matrix(graph)
    else:
        source, names, ns = _scalar(graph)
    fns = _jit(source, names, ("_grad",) if chosen == "scalar" else (), ns)
    return (chosen, source, fns["_grad"], fns["_loss"], fns.get("_predict"))


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
        if _opt == 0:
            _new = _theta - _lr * _grad_
        elif _opt == 1:
            _vel[:] = _mom * _vel - _lr * _grad_
            _new = _theta + _vel
        else:
            _m1[:] = _b1 * _m1 + (1 - _b1) * _grad_
            _m2[:] = _b2 * _m2 + (1 - _b2) * _grad_**2
            _mh = _m1 / (1 - _b1**_step)
            _vh = _m2 / (1 - _b2**_step)
            _new = _theta - _lr * _mh / (numpy.sqrt(_vh) + 1e-8)
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
        ns = {"_grad": compiled.raw, "numpy": numpy, "numba": numba}
        fn = build(TRAIN_SOURCE, "_train", ns)
        _TRAINERS[key] = numba.njit(nogil=True, cache=False)(fn)
    return _TRAINERS[key]
