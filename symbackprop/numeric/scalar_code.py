"""The scalar path's code: one line per step of the backprop program, each symbol a vector
over the batch (any Graph). :func:`~symbackprop.numeric.compiled.compile` and the numba
backend build on it."""

from __future__ import annotations

import sympy as sp

from ..core.graph import Graph
from ..core.network import Network
from ..derive import backprop
from .codegen import assignments, code_name, namespace

__all__ = ["forward_steps", "needed", "scalar_source", "stable_forms", "unpack"]


def unpack(g: Graph, with_targets: bool = True) -> list[str]:
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
        out[g.symbol(entry.symbol)] = entry.stable(outputs, list(g.target_symbols))
    if entry.stable_prediction is not None:
        out.update(zip(g.predictions, entry.stable_prediction(outputs), strict=True))
    return out


def forward_steps(g: Graph, prog, wanted: set | None = None) -> list[tuple[sp.Symbol, sp.Expr]]:
    """The forward pass as (symbol, expression) steps, the stable forms as steps of their own.

    Where the loss entry writes a node for floating point (softmax: the largest logit, the
    shifted logits, their log-sum-exp), each shared piece becomes one named step, computed
    once before the first node that uses it: ``_max``, ``_s_z2_1``, ``_lse``. ``wanted``
    keeps only the steps those symbols need (a loss-only or predict-only function).
    """
    stable = stable_forms(g)
    steps = [(s.target, stable.get(s.target, s.expr)) for s in prog.forward
             if wanted is None or s.target in wanted]
    rewritten = [(i, lhs, rhs) for i, (lhs, rhs) in enumerate(steps) if lhs in stable]
    if not rewritten:
        return steps
    names = _step_names()
    shared, exprs = sp.cse([rhs for _, _, rhs in rewritten], symbols=names, order="none")
    rename: dict[sp.Symbol, sp.Symbol] = {}
    for sym, value in shared:
        rename[sym] = sp.Symbol(_step_name(value.xreplace(rename), rename.values()))
    pieces = [(rename[sym], value.xreplace(rename)) for sym, value in shared]
    out = list(steps)
    for (i, lhs, _), rhs in zip(rewritten, exprs, strict=True):
        out[i] = (lhs, rhs.xreplace(rename))
    first = rewritten[0][0]
    return out[:first] + pieces + out[first:]


def _step_names():
    i = 0
    while True:
        yield sp.Symbol(f"_cse{i}")
        i += 1


def _step_name(value: sp.Expr, taken) -> str:
    """A name that says what a shared step of a stable form holds."""
    from ..core.functions import logsumexp, shifted
    taken = {s.name for s in taken}
    if isinstance(value, sp.Max):
        name = "_max"
    elif isinstance(value, logsumexp):
        name = "_lse"
    elif isinstance(value, shifted) and isinstance(value.args[0], sp.Symbol):
        name = f"_s_{value.args[0].name}"
    else:
        name = "_c"
    base, k = name, 1
    while name in taken:
        k += 1
        name = f"{base}{k}"
    return name


def _listed(items: list[str], head: str, tail: str, indent: str = "    ") -> list[str]:
    """``head item, item, ... tail`` as lines of at most 100 characters."""
    line = f"{indent}{head}{', '.join(items)}{tail}"
    if len(line) <= 100:
        return [line]
    lines, current = [f"{indent}{head}"], indent + "    "
    for item in items:
        piece = f"{item}, "
        if len(current) + len(piece) > 100 and current.strip():
            lines.append(current.rstrip())
            current = indent + "    "
        current += piece
    lines.append(current.rstrip().rstrip(","))
    lines.append(f"{indent}{tail.lstrip()}")
    return lines


def scalar_source(g: Graph, be):
    """(gradient, loss, predict sources, namespace) of the scalar path for backend ``be``."""
    p = be.new_printer()
    xp = p._module_format(p._module)
    prog = backprop(g)
    head = unpack(g)
    fwd = assignments(p, forward_steps(g, prog))
    deltas = assignments(p, ((s.target, s.expr) for s in prog.deltas if s.of != g.output))
    grads = []
    parts = []
    for s in g.param_symbols:
        step = prog.step_for(s)
        if step is None:  # the loss does not depend on it
            parts.append(p.number(0))
            continue
        grads += assignments(p, [(step.target, step.expr)])
        parts.append(f"{xp}.mean({code_name(step.target)})")
    out = code_name(g.output)
    src = "\n".join([
        "def _grad(_theta, _X, _T):", *head, "    # forward", *fwd,
        "    # backward: one delta per node", *deltas,
        "    # gradients of the parameters, then their means over the batch", *grads,
        *_listed(parts, f"return {xp}.mean({out}), {xp}.stack([", "])"),
    ]) + "\n"
    floss = assignments(p, forward_steps(g, prog, needed(g, [g.output])))
    fsrc = "\n".join(["def _loss(_theta, _X, _T):", *_used(head, floss), *floss,
                      f"    return {xp}.mean({out})"]) + "\n"
    psrc = None
    if isinstance(g, Network):
        preds = [f"{xp}.broadcast_to({code_name(s)}, (_X.shape[0],))" for s in g.predictions]
        pf = assignments(p, forward_steps(g, prog, needed(g, g.predictions)))
        psrc = "\n".join(["def _predict(_theta, _X):",
                          *_used(unpack(g, with_targets=False), pf, preds), *pf,
                          *_listed(preds, f"return {xp}.stack([", "], axis=1)")]) + "\n"
    return src, fsrc, psrc, namespace(p)


def _used(head: list[str], *bodies) -> list[str]:
    """The unpacking lines whose name the body reads (no dead stores)."""
    import re
    text = "\n".join("\n".join(b) for b in bodies)
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text))
    return [ln for ln in head if ln.split("=")[0].strip() in words]
def needed(g: Graph, symbols) -> set[sp.Symbol]:
    """The symbols and everything they depend on (what computing them needs)."""
    out = set(symbols)
    for s in symbols:
        out |= g.ancestors(s)
    return out
