r"""Numerical differentiation: central differences and a gradient check.

Seed 003's central difference :math:`(f(x+h) - f(x-h)) / 2h` with :math:`h = 10^{-4}` is the
default. Its error is the truncation :math:`O(h^2)` plus rounding :math:`O(\epsilon/h)`; the two
balance near :math:`h \approx \epsilon^{1/3} \max(1, |x|) \approx 6\cdot 10^{-6}`, which
``h="auto"`` uses.

Examples
========
>>> import symbackprop as sb
>>> g = sb.parse_graph("f = 2*x + 3*x*y + y**3")   # seed 003
>>> d = sb.numerical_gradient(g, {"x": 1.0, "y": 2.0})
>>> round(d[g.symbol("x")], 6), round(d[g.symbol("y")], 6)   # 2 + 3y, 3x + 3y^2
(8.0, 15.0)
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import sympy as sp
from numpy.typing import ArrayLike

from ..core.errors import InputTypeError, InvalidValueError, ShapeError
from ..core.graph import Graph
from ..core.types import Point
from .arguments import as_real_array
from .codegen import NumPyCodePrinter, assignments, build, code_name, namespace
from .compiled import Compiled

__all__ = ["GradientCheck", "central_differences", "check_gradient", "numerical_gradient"]

EPS = np.finfo(float).eps


def _steps(x: np.ndarray, h) -> np.ndarray:
    if isinstance(h, str):
        if h != "auto":
            raise InvalidValueError(f"h must be a positive number or 'auto', not {h!r}")
        return EPS ** (1 / 3) * np.maximum(1.0, np.abs(x))
    if isinstance(h, bool) or not isinstance(h, (int, float, np.integer, np.floating)) \
            or not h > 0 or not np.isfinite(h):
        raise InvalidValueError(f"h must be a positive number or 'auto', not {h!r}")
    return np.full_like(x, float(h))


def central_differences(f: Callable[[np.ndarray], float], x: ArrayLike,
                        h: float | str = 1e-4) -> np.ndarray:
    """Gradient of a scalar function of a 1-D array by central differences, one coordinate at a time."""
    if not callable(f):
        raise InputTypeError(f"f must be a function of a 1-D array returning a number, not "
                             f"{type(f).__name__}")
    x = as_real_array(x, "x", "a 1-D array of real numbers")
    if x.ndim != 1:
        raise ShapeError(f"x has shape {x.shape}; expected a 1-D array of real numbers")
    hs = _steps(x, h)
    out = np.empty_like(x)
    for i in range(x.size):
        xp, xm = x.copy(), x.copy()
        xp[i] += hs[i]
        xm[i] -= hs[i]
        if xp[i] == xm[i]:
            raise InvalidValueError(
                f"h = {hs[i]:g} is below the spacing of floats at {x[i]:g} (x + h == x - h), so "
                "the difference quotient is 0/0; use a larger h, or h='auto'")
        out[i] = (f(xp) - f(xm)) / (xp[i] - xm[i])
    return out


_FORWARD: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _forward(g: Graph):
    """A float function of all leaf values (in g.leaf_symbols order) -> the output.

    Printed by the NumPy backend's printer from the node definitions alone (no derivative).
    """
    cached = _FORWARD.get(g)
    if cached is None or cached[0] != g.version:
        p = NumPyCodePrinter()
        lines = ["def _f(_v):"]
        lines += [f"    {code_name(s)} = _v[{i}]" for i, s in enumerate(g.leaf_symbols)]
        lines += assignments(p, ((n.symbol, n.expr) for n in g.nodes))
        lines.append(f"    return float({code_name(g.output)})")
        cached = (g.version, build("\n".join(lines) + "\n", "_f", namespace(p)))
        _FORWARD[g] = cached
    return cached[1]


def numerical_gradient(g: Graph, at: Point, h: float | str = 1e-4) -> dict[sp.Symbol, float]:
    """Central-difference gradient of the output with respect to every leaf, at a point.

    The output is evaluated in floating point from the node definitions alone (no derivative
    is used), so this is an independent check of the symbolic forms.
    """
    if not isinstance(g, Graph):
        raise InputTypeError(f"numerical_gradient needs a Graph or a network, not "
                             f"{type(g).__name__}")
    point = g.full_point(at)
    x = np.array([float(point[s]) for s in g.leaf_symbols])
    f = _forward(g)
    with np.errstate(all="ignore"):
        centre = f(x)
        d = central_differences(f, x, h)
    if not np.isfinite(centre):
        raise InvalidValueError(f"the output {g.output.name!r} is not finite in floating point "
                                f"at this point ({centre}), so it has no central differences")
    if not np.all(np.isfinite(d)):
        bad = g.leaf_symbols[int(np.argmin(np.isfinite(d)))]
        raise InvalidValueError(f"the central difference for {bad.name!r} is not finite: the "
                                "output is not finite within h of the point; try a smaller h")
    return dict(zip(g.leaf_symbols, d.tolist(), strict=False))


@dataclass(frozen=True)
class GradientCheck:
    """Analytic against numerical gradient: the largest errors and where they occur."""

    analytic: np.ndarray
    numeric: np.ndarray
    max_abs_error: float
    max_rel_error: float
    worst: str  # the parameter with the largest relative error
    h: object

    def ok(self, rtol: float = 1e-5, atol: float = 1e-8) -> bool:
        """Whether every entry agrees: ``|analytic - numeric| <= atol + rtol |numeric|``."""
        return bool(np.all(np.abs(self.analytic - self.numeric)
                           <= atol + rtol * np.abs(self.numeric)))

    def __str__(self) -> str:
        return (f"gradient check (central differences, h={self.h}): largest absolute error "
                f"{self.max_abs_error:.3g}, largest relative error {self.max_rel_error:.3g} "
                f"at {self.worst}")


def check_gradient(f: Compiled | Graph, theta: ArrayLike, X: ArrayLike, T: ArrayLike | None = None,
                   h: float | str = 1e-4) -> GradientCheck:
    """Compare a compiled gradient ``f(theta, X, T)`` with central differences of ``f.loss``.

    ``f`` may also be a Graph or network, which is compiled first.

    >>> import numpy as np, symbackprop as sb
    >>> net = sb.mlp([2, 3, 1], activation="tanh")
    >>> f = sb.compile(net)
    >>> rng = np.random.default_rng(0)
    >>> c = sb.check_gradient(f, rng.normal(size=len(f.params)), rng.normal(size=(8, 2)),
    ...                       rng.uniform(size=(8, 1)))
    >>> c.max_rel_error < 1e-6
    True
    """
    from .compiled import compile
    if not isinstance(f, Compiled):
        f = compile(f)
    theta, X, T = f.check(theta, X, T)
    _, analytic = f(theta, X, T)
    numeric = central_differences(lambda th: f.loss(th, X, T), theta, h)
    err = np.abs(analytic - numeric)
    rel = err / np.maximum(np.maximum(np.abs(analytic), np.abs(numeric)), 1e-12)
    rel[err < 1e-12] = 0.0
    i = int(np.argmax(rel))
    return GradientCheck(analytic, numeric, float(err.max()), float(rel.max()),
                         f.params[i].name, h)
