"""The scalar path's code: one line per step of the backprop program, each symbol a vector
over the batch (any Graph). :func:`~symbackprop.numeric.compile.compile` and the numba
backend build on it."""

from __future__ import annotations

import sympy as sp

from ..core.graph import Graph
from ..core.network import Network
from ..derive import backprop
from .codegen import Backend, assignments, code_name, namespace

__all__ = ["needed", "scalar_source", "stable_forms", "unpack"]


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
        out[g.output] = entry.stable(outputs, list(g.target_symbols))
    if entry.stable_prediction is not None:
        out.update(zip(g.predictions, entry.stable_prediction(outputs), strict=True))
    return out


def scalar_source(g: Graph, be: Backend):
    """(gradient, loss, predict sources, namespace) of the scalar path for backend ``be``."""
    p = be.new_printer()
    xp = p._module_format(p._module)
    prog = backprop(g)
    head = unpack(g)
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
        psrc = "\n".join(["def _predict(_theta, _X):", *unpack(g, with_targets=False), *pf,
                          f"    return {xp}.stack([{preds}], axis=1)"]) + "\n"
    return src, fsrc, psrc, namespace(p)


def needed(g: Graph, symbols) -> set[sp.Symbol]:
    """The symbols and everything they depend on (what computing them needs)."""
    out = set(symbols)
    for s in symbols:
        out |= g.ancestors(s)
    return out
