"""Arguments checked at the door: arrays and numbers from users, or a clear error that names
the argument and says what was expected.

>>> as_real_array([[1, 2], [3, 4]], "X").dtype
dtype('float64')
>>> as_real_array([1 + 2j], "theta")
Traceback (most recent call last):
...
symbackprop.core.errors.InputTypeError: theta holds complex numbers (dtype complex128); expected an array of real numbers
"""

from __future__ import annotations

import decimal
import math
import numbers

import numpy as np
import sympy as sp

from ..core.errors import InputTypeError, InvalidValueError

__all__ = ["all_finite", "as_count", "as_decay_rate", "as_positive", "as_real", "as_real_array",
           "as_seed"]


def as_real_array(a, what: str, expected: str = "an array of real numbers",
                  writable: bool = False) -> np.ndarray:
    """``a`` as a C-ordered float64 array of finite real numbers, or an error that names
    ``what`` and says what was ``expected``.

    Integers (and exact numbers such as Fractions) are converted; None, text, booleans,
    complex numbers, ragged lists and non-finite values are refused. With ``writable``, a
    read-only array (a memory map, ``setflags(write=False)``) is copied: the numba backend's
    compiled loops take writable arrays only. An array that is already right is used as it is.
    """
    if a is None:
        raise InputTypeError(f"{what} is missing (None); expected {expected}")
    if isinstance(a, (str, bytes)):
        raise InputTypeError(f"{what} must be {expected}, not a {type(a).__name__}")
    try:
        arr = np.asarray(a)
    except (TypeError, ValueError):
        raise InputTypeError(f"{what} must be {expected}; got a {type(a).__name__} that is not "
                             "a rectangular array of numbers (rows of different lengths?)"
                             ) from None
    kind = arr.dtype.kind
    if kind == "O":
        _check_objects(arr, what, expected)
    elif kind not in "iuf":
        found = {"b": "booleans", "c": "complex numbers", "U": "text", "S": "bytes",
                 "m": "time spans", "M": "dates", "V": "records"}.get(kind, f"{arr.dtype}")
        hint = " (convert with .astype(float))" if kind == "b" else ""
        raise InputTypeError(f"{what} holds {found} (dtype {arr.dtype}); expected {expected}"
                             f"{hint}")
    try:  # C order, as the compiled loops of the numba backend read it
        out = np.ascontiguousarray(arr, dtype=float)
    except (TypeError, ValueError, OverflowError) as e:
        raise InputTypeError(f"{what} must be {expected}; {e}") from None
    if writable and not out.flags.writeable:
        out = out.copy()
    if not np.all(np.isfinite(out)):
        bad = np.argwhere(~np.isfinite(out))[0]
        where = f" at index {tuple(int(i) for i in bad)}" if out.ndim else ""
        raise InvalidValueError(f"{what} holds a value that is not finite{where} "
                                f"({out[tuple(bad)] if out.ndim else out}); give finite numbers")
    return out


def all_finite(*arrays: np.ndarray, silenced: bool = False) -> bool:
    """Whether every entry of these float arrays is finite, in one pass for the usual answer.

    A sum is finite only when every term is (NaN and ±inf carry through a sum), so a finite
    sum answers at once; a sum that is not finite may be an overflow of finite values
    (1e308 + 1e308), so then each entry is looked at. Small arrays are summed in Python
    (faster than a NumPy call there: a quarter of a microsecond for a dozen).
    ``silenced``: the caller has NumPy's warnings off already (``np.errstate``), so the sum
    of a big array need not turn them off again (which costs most of a microsecond).

    >>> all_finite(np.array([1.0, 2.0]), np.ones((2, 2))), all_finite(np.array([1.0, np.nan]))
    (True, False)
    >>> all_finite(np.full(3, 1e308))  # the sum overflows; every entry is finite
    True
    """
    total = 0.0
    small = 32 if silenced else 128  # where a NumPy call starts to win, with and without
    for a in arrays:
        if a.size <= small:  # Python's floats overflow to inf without a warning
            total += sum(a.tolist() if a.ndim == 1 else a.ravel().tolist())
        elif silenced:
            total += float(np.add.reduce(a, axis=None))
        else:
            with np.errstate(over="ignore", invalid="ignore"):
                total += float(np.add.reduce(a, axis=None))
    return math.isfinite(total) or all(bool(np.isfinite(a).all()) for a in arrays)


def _check_objects(arr: np.ndarray, what: str, expected: str) -> None:
    """Refuse the entries of an object array that are not real numbers, naming the first."""
    for index, v in np.ndenumerate(arr):
        if isinstance(v, (bool, np.bool_)):
            found = "a boolean"
        elif v is None:
            found = "None"
        elif isinstance(v, (str, bytes)):
            found = f"text {v!r}"
        elif isinstance(v, (complex, np.complexfloating)) or (
                isinstance(v, sp.Basic) and v.is_number and v.is_real is False):
            found = f"the complex number {v}"
        elif isinstance(v, (numbers.Real, decimal.Decimal)) or (
                isinstance(v, sp.Basic) and v.is_number):
            continue
        else:
            found = f"an entry of type {type(v).__name__}"
        at = f" at index {tuple(int(i) for i in index)}" if arr.ndim else ""
        raise InputTypeError(f"{what} holds {found}{at}; expected {expected}")


def as_seed(seed) -> int:
    """A random seed: a non-negative int."""
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise InputTypeError(f"seed must be an int, not {type(seed).__name__}")
    if seed < 0:
        raise InvalidValueError(f"seed must be a non-negative int, not {seed}")
    return int(seed)


def as_real(value, what: str) -> float:
    """A real number (int, float, Fraction, Decimal, NumPy or SymPy number) as a float."""
    if isinstance(value, (bool, np.bool_)) or not (
            isinstance(value, (numbers.Real, decimal.Decimal))
            or (isinstance(value, sp.Basic) and value.is_number and value.is_real)):
        raise InputTypeError(f"{what} must be a real number, not {type(value).__name__} "
                             f"{value!r}")
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError, decimal.InvalidOperation):
        raise InvalidValueError(f"{what} must be a finite real number, not {value!r}") from None


def as_positive(value, what: str) -> float:
    """A positive finite real number as a float."""
    v = as_real(value, what)
    if not (np.isfinite(v) and v > 0):
        raise InvalidValueError(f"{what} must be a positive number, not {value!r}")
    return v


def as_decay_rate(value, what: str) -> float:
    """A number in [0, 1): a decay rate (momentum, Adam's betas)."""
    v = as_real(value, what)
    if not 0 <= v < 1:  # NaN fails too
        raise InvalidValueError(
            f"{what} must be a number in [0, 1) (0 forgets at once, values near 1 remember "
            f"long), not {value!r}")
    return v


def as_count(value, what: str, minimum: int = 0) -> int:
    """An int (not a bool) of at least ``minimum``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise InputTypeError(f"{what} must be an int, not {type(value).__name__} {value!r}")
    if value < minimum:
        raise InvalidValueError(f"{what} must be at least {minimum}, not {value}")
    return int(value)
