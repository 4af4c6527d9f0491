r"""What each backend prints for symbackprop's functions: one table, kept by the backends.

The core defines each function once (its SymPy definition, textbook derivative and LaTeX, in
:mod:`symbackprop.core.functions`); how a backend computes it *stably* lives here, a row per
function and a column per backend. A function with no entry for a backend is printed from its
SymPy definition (``_as_sympy``), so an activation registered at run time compiles everywhere
with no code of its own; an entry only makes it faster or more precise (``scipy.special.expit``
never overflows where ``1/(1 + exp(-z))`` would warn).

Each form is ``form(printer, args) -> str``: ``args`` are the printed arguments.

Examples
========
>>> import sympy as sp
>>> from symbackprop.core.functions import sigmoid
>>> from symbackprop.numeric.codegen import numpy_source
>>> print(numpy_source(sigmoid(sp.Symbol("z"))))
scipy.special.expit(z)
"""

from __future__ import annotations

from collections.abc import Callable

from ..core import functions

__all__ = ["STABLE", "leaky_slope", "stable_form"]

Form = Callable[[object, list[str]], str]
SQRT_HALF = 0.7071067811865476  # 1/sqrt(2), for the normal CDF through erf


def _m(printer, name: str) -> str:
    return printer._module_format(name)


def _scalar_sigmoid(p, z: str) -> str:
    """A scalar logistic that never overflows: the exponent is never positive."""
    e = _m(p, "math.exp")
    return f"(1.0/(1.0 + {e}(-({z}))) if ({z}) >= 0 else {e}({z})/(1.0 + {e}({z})))"


def _np_lse(p, a: list[str]) -> str:
    np_ = _m(p, "numpy")
    return (f"{_m(p, 'scipy.special.logsumexp')}({np_}.stack({np_}.broadcast_arrays("
            f"{', '.join(a)})), axis=0)")


def _jax_lse(p, a: list[str]) -> str:
    jnp = _m(p, "jax.numpy")
    return (f"{_m(p, 'jax.scipy.special.logsumexp')}({jnp}.stack({jnp}.broadcast_arrays("
            f"{', '.join(a)})), axis=0)")


def _numba_lse(p, a: list[str]) -> str:
    top = f"max({', '.join(a)})"
    e = _m(p, "math.exp")
    return f"({top} + {_m(p, 'math.log')}(" + " + ".join(f"{e}({x} - {top})" for x in a) + "))"


def _row(numpy: str, jax: str) -> dict[str, Form]:
    """A reduction over the outputs of each example (a row), kept 2-D for broadcasting; the
    numba backend writes these as loops itself."""
    return {"numpy": lambda p, a: f"{_m(p, numpy)}({a[0]}, axis=1, keepdims=True)",
            "jax": lambda p, a: f"{_m(p, jax)}({a[0]}, axis=1, keepdims=True)"}


def leaky_slope() -> str:
    """The compiled slope is the derivation's, printed from it when the code is printed."""
    return repr(float(functions.LEAKY_SLOPE))


STABLE: dict[str, dict[str, Form]] = {
    "sigmoid": {
        "numpy": lambda p, a: f"{_m(p, 'scipy.special.expit')}({a[0]})",
        "jax": lambda p, a: f"{_m(p, 'jax.nn.sigmoid')}({a[0]})",
        "numba": lambda p, a: _scalar_sigmoid(p, a[0]),
    },
    "relu": {
        "numpy": lambda p, a: f"{_m(p, 'numpy.maximum')}({a[0]}, 0.0)",
        "jax": lambda p, a: f"{_m(p, 'jax.nn.relu')}({a[0]})",
        "numba": lambda p, a: f"max({a[0]}, 0.0)",
    },
    "leaky_relu": {
        "numpy": lambda p, a: (f"{_m(p, 'numpy.where')}(({a[0]}) > 0, {a[0]}, "
                               f"{leaky_slope()}*({a[0]}))"),
        "jax": lambda p, a: f"{_m(p, 'jax.nn.leaky_relu')}({a[0]}, {leaky_slope()})",
        "numba": lambda p, a: f"(({a[0]}) if ({a[0]}) > 0 else {leaky_slope()}*({a[0]}))",
    },
    "softplus": {
        "numpy": lambda p, a: f"{_m(p, 'numpy.logaddexp')}(0.0, {a[0]})",
        "jax": lambda p, a: f"{_m(p, 'jax.nn.softplus')}({a[0]})",
        "numba": lambda p, a: (f"(max({a[0]}, 0.0) + {_m(p, 'math.log1p')}"
                               f"({_m(p, 'math.exp')}(-abs({a[0]}))))"),
    },
    "swish": {
        "numpy": lambda p, a: f"({a[0]})*{_m(p, 'scipy.special.expit')}({a[0]})",
        "jax": lambda p, a: f"{_m(p, 'jax.nn.silu')}({a[0]})",
        "numba": lambda p, a: f"({a[0]})*{_scalar_sigmoid(p, a[0])}",
    },
    "gelu": {
        "numpy": lambda p, a: (f"0.5*({a[0]})*(1.0 + {_m(p, 'scipy.special.erf')}"
                               f"(({a[0]})*{SQRT_HALF!r}))"),
        "jax": lambda p, a: f"{_m(p, 'jax.nn.gelu')}({a[0]}, approximate=False)",
        "numba": lambda p, a: f"0.5*({a[0]})*(1.0 + {_m(p, 'math.erf')}(({a[0]})*{SQRT_HALF!r}))",
    },
    "logsumexp": {"numpy": _np_lse, "jax": _jax_lse, "numba": _numba_lse},
    # z - m as one parenthesised step: SymPy would reorder a sum, and for logits of 1e300
    # (z - LSE) - m loses every digit where (z - m) - LSE keeps them
    "shifted": {b: (lambda p, a: f"({a[0]} - {a[1]})") for b in ("numpy", "jax", "numba")},
    "rowsum": _row("numpy.sum", "jax.numpy.sum"),
    "rowprod": _row("numpy.prod", "jax.numpy.prod"),
    "rowmax": _row("numpy.max", "jax.numpy.max"),
    "rowmin": _row("numpy.min", "jax.numpy.min"),
    "rowlogsumexp": _row("scipy.special.logsumexp", "jax.scipy.special.logsumexp"),
}
"""Function name -> backend name -> its stable form."""


def stable_form(cls: type, backend: str) -> Form | None:
    """The stable form of a function class for a backend, or None (print the definition).

    A form belongs to the class of its name that symbackprop defines (or that the registry
    holds): another function that happens to share the name (``sympy.Function("relu")``, an
    activation registered over a built-in one) is printed from its own definition."""
    forms = STABLE.get(cls.__name__)
    if forms is None or _owner(cls.__name__) is not cls:
        return None
    return forms.get(backend)


def _owner(name: str) -> type | None:
    from ..core import rows
    from ..core.registry import ACTIVATIONS
    if name in ("logsumexp", "shifted"):
        return getattr(functions, name)
    if hasattr(rows, name):
        return getattr(rows, name)
    entry = ACTIVATIONS.get(name)
    return entry.function if entry is not None and isinstance(entry.function, type) else None
