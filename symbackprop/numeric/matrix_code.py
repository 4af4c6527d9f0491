r"""The matrix path's code, read off the matrix derivation: a network's forward pass and
BP1-BP4 as matmuls over the batch (one example a row), the loss from its registry entry's
matrix form. :func:`~symbackprop.numeric.compiled.compile` and the numba backend build on it.
"""

from __future__ import annotations

import sympy as sp

from ..core.network import Network
from ..core.registry import MatrixLoss
from ..core.rows import ROW_REDUCTIONS, rowlogsumexp, rowmax, rowmin, rowprod, rowsum
from ..derive import local_partial
from ..derive.matrix import Apply, matrix_form, matrix_form_obstacle
from .codegen import assignments, code_name, doprint, namespace
from .scalar_code import stable_forms

__all__ = ["NoMatrixPath", "direct_reads", "loss_form", "matrix_obstacle", "matrix_source",
           "steps_for"]


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
                        coeff, body = tmpl[0].as_coeff_Mul()  # type: ignore[union-attr]
                        return e.func(*rest, coeff * self._row(rowsum(body)))
                    return e.func(*rest, self._row(rowprod(tmpl[0])))
            return e
        cls = _REDUCE_FUNCTIONS.get(type(e).__name__)
        if cls is not None and len(e.args) == self.m:
            each = [self._template(a, j) for j, a in enumerate(e.args)]
            if None not in each and len(set(each)) == 1:
                return self._row(cls(each[0]))
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
    if net.plain:  # its activations and loss read only their own layer, by construction
        return None
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
    if net.plain:  # the loss reads only the last layer and the targets
        return [], []
    parents = set(net.parents(net.output))
    return ([(i, s) for i, s in enumerate(net.param_symbols) if s in parents],
            [(i, s) for i, s in enumerate(net.input_symbols) if s in parents])


def loss_form(net: Network, Y: sp.Symbol, T: sp.Symbol,
              whole_rows: bool = False) -> MatrixLoss | None:
    """The loss entry's matrix form over the matrices ``Y`` and ``T``, its step symbols renamed
    into the generated code's namespace (``_l_<name>``); None when the entry has none or the
    loss reads more than the last layer and the targets (a parameter: the form does not know).
    ``whole_rows``: the code works on whole batch matrices (NumPy, JAX), so a net with one
    output reduces no row (one column is its own sum, max, log-sum-exp); numba's loops over
    the outputs keep the reductions."""
    entry = net.loss_entry
    if entry.matrix is None:
        return None
    if not net.plain:
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
    def fix(e: sp.Expr) -> sp.Expr:
        e = e.xreplace(rename)
        if whole_rows and net.n_outputs == 1:  # one column is its own sum, max, ...
            e = e.replace(lambda a: isinstance(a, ROW_REDUCTIONS), lambda a: a.args[0])
        return e

    steps = tuple((rename[lhs], fix(rhs)) for lhs, rhs in form.steps)
    pred = fix(form.prediction) if form.prediction is not None else None
    return MatrixLoss(steps, fix(form.loss), fix(form.delta), pred)


def steps_for(steps, expr: sp.Expr) -> list[tuple[sp.Symbol, sp.Expr]]:
    """The steps that computing ``expr`` needs, in their order."""
    want = set(expr.free_symbols)
    out = []
    for lhs, rhs in reversed(steps):
        if lhs in want:
            out.append((lhs, rhs))
            want |= rhs.free_symbols
    return out[::-1]


def matrix_source(net: Network, be):
    """(gradient, loss, predict sources, namespace) of the matrix path, or NoMatrixPath."""
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
    # the forward pass and a'(z) of each layer, from the matrix derivation
    mf = matrix_form(net)
    fwd = []
    derivs = {}
    for l in range(1, L + 1):
        fwd += [f"    _Z{l} = _H{l - 1} @ _W{l}.T", f"    _Z{l} += _b{l}"]  # no second array
        lay = mf.layers[l - 1]
        if l == L and link:
            continue
        if lay.entry is None:
            fwd.append(f"    _H{l} = _Z{l}")
            derivs[l] = sp.S.One
        else:
            fwd += assignments(p, [(H[l], lay.apply(Z[l]))])
            derivs[l] = lay.derivative(Z[l], H[l])
    form = loss_form(net, Z[L] if link else H[L], T, whole_rows=True)
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
    else:  # a loss given as a function: matched output by output (its scalar graph)
        E = net.output
        ts = net.target_symbols
        zs, hs = list(net.preactivations[-1]), list(net.activations[-1])
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
    for l in range(L, 0, -1):  # BP2-BP4 as the derivation wrote them, one example a row
        back += _batch_rows(mf, l, derivs, p)
    grads = ", ".join(f"_gW{l}.ravel(), _gb{l}" for l in range(1, L + 1))
    back.append(f"    _g = {xp}.concatenate([{grads}])")
    if direct:
        back.append("    # what the loss reads of a parameter itself, averaged over the batch")
    for i, d in direct:
        mean = f"{xp}.mean({doprint(p, d)})"
        back.append(be.add_to("_g", i, mean))
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


def _batch_rows(mf, l: int, derivs: dict, p) -> list[str]:
    """Layer ``l``'s gradients (BP3, BP4) and the delta below it (BP2) as batch code, read off
    the matrix derivation: a column per example there is a row per example here, so
    ``δ hᵀ`` summed over the batch is ``D.T @ H``, ``Wᵀ δ`` is ``D @ W`` and ``⊙ a'(z)`` is
    ``*=`` a'(Z) in place."""
    S = mf.symbols
    dsym = mf.delta_matrices[l - 1]
    # a term the loss adds itself (an L2 term on a weight) is added after, as its own line
    gW, gb = (_without_direct(e) for e in (mf.weight_gradients[l - 1], mf.bias_gradients[l - 1]))
    if gW != sp.MatMul(dsym, sp.Transpose(S.h[l - 1])) or gb != dsym:
        raise NoMatrixPath(f"the gradient of layer {l} is not delta times its input")
    lines = [f"    _gW{l} = _D{l}.T @ _H{l - 1}", f"    _gb{l} = _D{l}.sum(axis=0)"]
    if l == 1:
        return lines
    rule = mf.delta_equations[l - 2]
    back = sp.MatMul(sp.Transpose(S.W[l - 1]), dsym)
    if rule == back:  # an identity layer below
        return [*lines, f"    _D{l - 1} = _D{l} @ _W{l}"]
    args = list(rule.args) if isinstance(rule, sp.HadamardProduct) else []
    slope = next((a for a in args if isinstance(a, Apply)), None)
    if len(args) != 2 or back not in args or slope is None or slope.arg != S.z[l - 2]:
        raise NoMatrixPath(f"the delta of layer {l - 1} is not (Wᵀ δ) ⊙ a'(z)")
    return [*lines, f"    _D{l - 1} = _D{l} @ _W{l}",
            f"    _D{l - 1} *= {doprint(p, derivs[l - 1])}"]


def _without_direct(e):
    if isinstance(e, sp.MatAdd):
        kept = [a for a in e.args if not (isinstance(a, sp.MatrixSymbol)
                                          and a.name.startswith("direct_"))]
        return kept[0] if len(kept) == 1 else sp.MatAdd(*kept)
    return e


