"""Check that the forms of every derivative agree: expanded, chain and backprop, and for a
network's weights and biases a fourth, the matrix derivation written out entry by entry.

Examples
========
>>> import symbackprop as sb
>>> report = sb.verify(sb.mlp([2, 2, 1], activation="sigmoid", naming="sequential"))
>>> len(report), report[0].forms, report[3].forms
(12, ('expanded', 'chain', 'backprop'), ('expanded', 'chain', 'backprop', 'matrix'))
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import sympy as sp

from ..core.errors import (
    ExpressionTooLargeError,
    InputTypeError,
    InvalidValueError,
    LimitError,
    VerificationError,
)
from ..core.graph import MAX_FORM_DEPTH, Graph, require_graph
from ..core.progress import progress as show_progress
from ..core.types import Variables
from .chains import chain
from .estimate import (
    budget_value,
    check_budget,
    estimate_chain_size,
    estimate_expanded_size,
)
from .expansion import expanded
from .local import substituted_depths
from .measure import dag_postorder, tree_size
from .program import backprop

__all__ = ["VERIFY_BUDGET", "Agreement", "estimate_verify_cost", "verify"]

VERIFY_BUDGET = 3_000_000
"""Largest total (expression nodes × points) that :func:`verify` evaluates."""


@dataclass(frozen=True)
class Agreement:
    """One line of :func:`verify`'s report."""

    variable: sp.Symbol
    forms: tuple[str, ...]
    how: str  # "identical", "symbolic" or "at N random points"


def _random_point(g: Graph, rng: random.Random) -> dict[sp.Symbol, sp.Expr]:
    # rationals with six-digit numerators: ties of max/min and kinks of relu or abs are
    # (almost surely) never hit, so every form's convention at a kink stays out of it
    def r():
        return sp.Rational(rng.randint(-2_000_000, 2_000_000), 1_000_003)
    return {s: r() for s in g.leaf_symbols}


def _dag_evalf(expr: sp.Expr, point, prec: int) -> sp.Expr:
    """``expr`` at ``point`` in ``prec``-digit Floats, each distinct subexpression once.

    SymPy's ``evalf(subs=...)`` walks the expression as a tree: a derivative written out in
    the leaves shares its subexpressions many times over, so that walk grows exponentially
    with depth (4-4-4-1: minutes). This walk is bottom up over the DAG, memoised.
    """
    memo: dict = {s: sp.Float(v, prec) for s, v in point.items()}
    for e in dag_postorder(expr, stop=memo):
        if e in memo:
            continue
        if not e.args:
            number = isinstance(e, sp.Expr) and e.is_number and not e.is_Integer
            memo[e] = e.evalf(prec) if number else e
            continue
        v = e.func(*[memo[a] for a in e.args])
        if isinstance(v, sp.Expr) and v.is_number and not v.is_Float:
            v = v.evalf(prec)
        memo[e] = v
    return memo[expr]


def _numeric(e: sp.Expr, point, prec: int) -> sp.Expr | None:
    """``e`` at the point, to ``prec`` digits; None if it has no finite real value there."""
    try:
        v = _dag_evalf(e, point, prec)
    except (TypeError, ValueError, ZeroDivisionError, ArithmeticError, RecursionError):
        return None
    if v.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
        return None
    if isinstance(v, sp.Number):
        return v
    if not v.is_number:
        return None
    re_, im = v.as_real_imag()
    if not isinstance(re_, sp.Number) or not isinstance(im, sp.Number) \
            or abs(im) > sp.Float(10) ** (-prec // 2):
        return None
    return re_


def _same_at(a: sp.Expr, b: sp.Expr, point) -> bool | None:
    """Whether ``a`` and ``b`` agree at ``point``: True, False, or None (undefined there).

    A disagreement at 60 digits is checked again at 200 digits before it counts, so rounding
    never reports one.
    """
    if a == b:
        return True
    for prec in (60, 200):
        va, vb = _numeric(a, point, prec), _numeric(b, point, prec)
        if va is None or vb is None:
            break
        scale = max(abs(va), abs(vb), sp.Integer(1))
        if abs(va - vb) <= sp.Float(10, prec) ** (-(prec * 2) // 3) * scale:
            return True
    else:
        return False
    # no numeric value (a generic a'(z), say): compare the expressions themselves, if small
    if tree_size(a) + tree_size(b) > 50_000:
        return None
    ea, eb = a.xreplace(point), b.xreplace(point)
    if ea == eb or sp.expand(ea - eb) == 0:
        return True
    if tree_size(ea) + tree_size(eb) < 5_000 and sp.simplify(ea - eb) == 0:
        return True
    return None


def _cheap_symbolic_zero(d: sp.Expr) -> bool:
    if d == 0:
        return True
    if tree_size(d) > 2_000:
        return False
    try:
        return sp.expand(d) == 0
    except Exception:  # noqa: BLE001 - any SymPy failure just means "not decided here"
        return False


def estimate_verify_cost(g: Graph, wrt: Variables = None, points: int = 3) -> int:
    """Expression nodes :func:`verify` would evaluate: the forms' sizes times the points."""
    variables = list(g.leaf_symbols) if wrt is None else g.resolve(wrt)
    total = 0
    for v in variables:
        total += estimate_expanded_size(g, v) + estimate_chain_size(g, v)
    return total * (points + 1)


def verify(g: Graph, wrt: Variables = None, points: int = 3, seed: int = 0, budget: float | None = None,
           cost_budget: float | None = None, progress: bool | None = None) -> list[Agreement]:
    """Check that the expanded, chain and backprop forms agree for every leaf (or ``wrt``).

    Each pair is compared symbolically where SymPy can decide cheaply, otherwise at ``points``
    random rational points, numerically to 60 digits (200 digits before a disagreement is
    reported). Forms too large for ``budget`` are left out of the comparison; a variable whose
    every symbolic form is too large raises :class:`~symbackprop.ExpressionTooLargeError`.
    The whole check is estimated first and refused past ``cost_budget`` (default
    :data:`VERIFY_BUDGET`), with ``wrt=`` as the way out. Raises
    :class:`~symbackprop.VerificationError` at the first disagreement; returns a report.
    """
    require_graph(g, "verify")
    if isinstance(points, bool) or not isinstance(points, int):
        raise InputTypeError(f"points must be an int, not {type(points).__name__}")
    if not 1 <= points <= 100:
        raise InvalidValueError(f"points must be between 1 and 100, not {points}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise InputTypeError(f"seed must be an int, not {type(seed).__name__}")
    variables = list(g.leaf_symbols) if wrt is None else g.resolve(wrt)
    depth = substituted_depths(g).get(g.output, 1) if g.nodes else 1
    if depth > MAX_FORM_DEPTH and any(v != g.output for v in variables):
        raise LimitError(
            f"verify compares the forms written out in the leaves, and here they would be "
            f"nested {depth:,} levels deep, past the limit of {MAX_FORM_DEPTH}; check the "
            "compiled gradient against central differences instead "
            "(sb.check_gradient(g, theta, X, T))")
    limit = VERIFY_BUDGET if cost_budget is None else budget_value(cost_budget)
    check_budget("verifying every form of these derivatives", estimate_verify_cost(
        g, variables, points), limit, "pass wrt=[...] to check a few variables, or a larger "
        "cost_budget=")
    prog = backprop(g)
    rng = random.Random(seed)
    pts = [_random_point(g, rng) for _ in range(points)]
    evaluated: list[dict | None] = []
    for p in pts:
        try:
            evaluated.append(prog.evaluate(p))
        except InvalidValueError:  # undefined at this point (a log of a negative, say)
            evaluated.append(None)
    report = []
    matrix = _MatrixEntries(g)
    with show_progress(len(variables), "verifying", enabled=progress) as bar:
        for v in variables:
            report.append(_verify_one(g, v, prog, pts, evaluated, budget, matrix))
            bar.update(1)
    return report


class _MatrixEntries:
    """A network's weight and bias gradients from the matrix derivation, every delta and
    layer substituted and written out entry by entry (one layer at a time, when first asked)."""

    def __init__(self, g: Graph):
        from ..core.network import Network
        from .matrix import matrix_form
        self.mf = None
        if isinstance(g, Network):
            try:
                self.mf = matrix_form(g)
            except InvalidValueError:  # an activation that reads a parameter: no matrix form
                self.mf = None
        self.done: dict[sp.Symbol, sp.Expr] = {}
        self.layers: set[tuple[int, str]] = set()

    def get(self, v: sp.Symbol, budget) -> sp.Expr | None:
        mf = self.mf
        if mf is None:
            return None
        for l in range(1, mf.net.depth + 1):
            for of, symbols in (("W", mf.net.weights[l - 1]), ("b", mf.net.biases[l - 1])):
                if v in symbols and (l, of) not in self.layers:
                    self.layers.add((l, of))
                    entries = mf.explicit(mf.grad(l, expanded=True, of=of))
                    self.done.update(zip(symbols, entries, strict=True))
        found = self.done.get(v)
        if found is not None and tree_size(found) > budget_value(budget):
            raise ExpressionTooLargeError(f"the matrix form's entry for {v.name}",
                                          tree_size(found), budget_value(budget), "")
        return found


def _verify_one(g: Graph, v: sp.Symbol, prog, pts, evaluated, budget,
                matrix: _MatrixEntries) -> Agreement:
    name = f"∂{g.output.name}/∂{v.name}"
    forms: dict[str, sp.Expr] = {}
    for form, make in (("expanded", lambda: expanded(g, v, budget=budget)),
                       ("chain", lambda: chain(g, v, budget=budget).doit()),
                       ("backprop", lambda: prog.gradient(v, budget=budget)),
                       ("matrix", lambda: matrix.get(v, budget))):
        try:
            made = make()
        except ExpressionTooLargeError:
            continue
        if made is not None:
            forms[form] = made
    names = list(forms)
    if not names:
        raise ExpressionTooLargeError(f"every symbolic form of {name}",
                                      estimate_expanded_size(g, v), budget_value(budget),
                                      "check the compiled gradient numerically instead")
    first = forms[names[0]]
    how = "identical"
    for other in names[1:]:
        e = forms[other]
        if e == first:
            continue
        if _cheap_symbolic_zero(first - e):
            how = "symbolic" if how == "identical" else how
            continue
        for p in pts:
            if _same_at(first, e, p) is False:
                raise VerificationError(
                    f"{names[0]} and {other} forms of {name} disagree at "
                    f"{ {k.name: v_ for k, v_ in p.items()} }:\n  {names[0]}: {first}\n"
                    f"  {other}: {e}")
        how = f"at {len(pts)} random points"
    # the backprop program run at the points must agree too
    for p, vals in zip(pts, evaluated, strict=False):
        if vals is not None and _same_at(first, vals[v], p) is False:
            raise VerificationError(
                f"{names[0]} form of {name} and the backprop program run at "
                f"{ {k.name: v_ for k, v_ in p.items()} } disagree: "
                f"{first.xreplace(p)} vs {vals[v]}")
    return Agreement(v, tuple(names), how)
