"""Numbers from users: exact where they are exact, and always finite and real.

Examples
========
>>> to_number(3), to_number(0.5), to_number("1/3")
(3, 0.500000000000000, 1/3)
>>> to_number("1/0")
Traceback (most recent call last):
...
symbackprop.core.errors.InvalidValueError: '1/0' is not a finite number (division by zero)
"""

from __future__ import annotations

import math
import numbers
from fractions import Fraction
from typing import Any

import sympy as sp

from .errors import InputTypeError, InvalidValueError, LimitError

__all__ = ["FLOAT_MAX", "MAX_DIGITS", "check_finite_real", "float_value", "has_too_many_digits",
           "to_number"]

MAX_DIGITS = 1_000
"""Most digits an exact integer (or a rational's numerator or denominator) may have."""

_DIGITS_BOUND = 10 ** MAX_DIGITS  # the smallest integer with MAX_DIGITS + 1 digits


def has_too_many_digits(n: int | sp.Rational) -> bool:
    """Whether an integer (or a rational's numerator or denominator) has more than
    :data:`MAX_DIGITS` decimal digits, counted exactly and without converting to decimal.

    >>> has_too_many_digits(10**1000 - 1), has_too_many_digits(-10**1000)
    (False, True)
    >>> has_too_many_digits(sp.Rational(1, 10**1000))
    True
    """
    if isinstance(n, sp.Rational):
        return has_too_many_digits(int(n.p)) or has_too_many_digits(int(n.q))
    return abs(int(n)) >= _DIGITS_BOUND

FLOAT_MAX = sp.Float(1.7976931348623157e308)


def _check_digits(n: int, text: object) -> None:
    if has_too_many_digits(n):
        raise LimitError(f"{_short(text)} has more than {MAX_DIGITS:,} digits; the limit is "
                         f"{MAX_DIGITS:,} (give it as a float, e.g. 1e300)")


def _short(v: object) -> str:
    s = repr(v) if isinstance(v, str) else f"the number {type(v).__name__}"
    return s if len(s) <= 40 else s[:37] + "...'"


def to_number(value: Any) -> sp.Expr:
    """Turn a user-given value into an exact SymPy number when it is exact, else a Float.

    Integers, fractions and strings such as ``"1/3"`` stay exact; floats become Floats.
    Non-finite values (inf, nan, ``1/0``), complex numbers, booleans and numbers with more
    than :data:`MAX_DIGITS` digits are refused with a clear error.
    """
    if isinstance(value, sp.Basic):
        if not isinstance(value, sp.Expr) or not value.is_number:
            raise InvalidValueError(f"a value must be a number, not the expression {value}")
        if isinstance(value, sp.Rational):
            _check_digits(max(abs(value.p), value.q), "the value")
        check_finite_real(value, "the value")
        return value
    if isinstance(value, bool):
        raise InputTypeError(f"a value must be a number, not the boolean {value!r}")
    if isinstance(value, numbers.Integral):
        _check_digits(int(value), value)
        return sp.Integer(int(value))
    if isinstance(value, Fraction):
        _check_digits(max(abs(value.numerator), value.denominator), value)
        return sp.Rational(value.numerator, value.denominator)
    if isinstance(value, numbers.Real):
        v = float(value)
        if not math.isfinite(v):
            raise InvalidValueError(f"{value!r} is not a finite number")
        return sp.Float(v)
    if isinstance(value, numbers.Complex):
        raise InvalidValueError(f"{value!r} is not a real number")
    if isinstance(value, str):
        return _from_text(value)
    raise InputTypeError(f"{_short(value)} (a {type(value).__name__}) is not a number")


def _from_text(value: str) -> sp.Expr:
    text = value.strip()
    if len(text) > 4 * MAX_DIGITS:
        raise LimitError(f"a number given as text has {len(text):,} characters; "
                         f"the limit is {4 * MAX_DIGITS:,}")
    try:
        if "/" in text:
            num, den = (t.strip() for t in text.split("/"))
            if not _is_int(num) or not _is_int(den):
                raise ValueError
            for part in (num, den):
                if len(part.lstrip("+-")) > MAX_DIGITS:
                    raise LimitError(f"{_short(value)} has more than {MAX_DIGITS:,} digits")
            if int(den) == 0:
                raise InvalidValueError(f"{_short(value)} is not a finite number "
                                        "(division by zero)")
            return sp.Rational(int(num), int(den))
        if _is_int(text):
            if len(text.lstrip("+-")) > MAX_DIGITS:
                raise LimitError(f"{_short(value)} has more than {MAX_DIGITS:,} digits; the "
                                 f"limit is {MAX_DIGITS:,} (give it as a float, e.g. 1e300)")
            return sp.Integer(int(text))
        v = float(text)
    except ValueError as e:
        if isinstance(e, InvalidValueError):
            raise
        raise InvalidValueError(f"{_short(value)} is not a number") from None
    if not math.isfinite(v):
        raise InvalidValueError(f"{_short(value)} is not a finite number")
    return sp.Float(v)


def _is_int(text: str) -> bool:
    return text.lstrip("+-").isdigit() and text.count("-") + text.count("+") <= 1


def check_finite_real(value: sp.Expr, what: str, thorough: bool = True) -> sp.Expr:
    """``value`` if it is a finite real number that fits a float; else a clear error.

    ``what`` names the value in the message ("the value of E at this point", ...). With
    ``thorough=False`` only SymPy's assumptions are asked (no numerical evaluation).
    """
    if value.is_Float:
        if abs(value) > FLOAT_MAX:
            raise InvalidValueError(f"{what} is not finite or too large for a float "
                                    f"({_describe(value)})")
        return value
    if value.is_Rational:
        return value
    if value.has(sp.zoo, sp.nan, sp.oo, -sp.oo) or value.is_finite is False:
        raise InvalidValueError(f"{what} is not finite ({_describe(value)}); "
                                "is there a division by zero or a log of 0?")
    if value.has(sp.I) or value.is_real is False:
        raise InvalidValueError(f"{what} is not a real number ({_describe(value)})")
    if thorough:
        try:
            n = sp.N(value, 30)
        except (TypeError, ValueError, ArithmeticError, RecursionError):
            return value
        re_, im = n.as_real_imag()
        if im != 0 and abs(im) > 1e-25 * max(abs(re_), 1):
            raise InvalidValueError(f"{what} is not a real number ({_describe(value)} ≈ {n})")
        if re_.is_Float and abs(re_) > FLOAT_MAX:
            raise InvalidValueError(f"{what} is too large for a float ({_describe(value)})")
    return value


def _describe(value: sp.Expr) -> str:
    s = sp.sstr(value)
    return s if len(s) <= 60 else s[:57] + "..."


def float_value(expr: sp.Basic, known: dict, what: str) -> sp.Expr | None:
    """``expr``'s value as a 15-digit Float, from the Float values ``known`` of its symbols.

    The expression is evaluated bottom up and every intermediate result is checked to be a
    finite real that fits a float, so no step ever works on an astronomically large number
    (SymPy's exact ``evalf`` of ``exp(exp(exp(10)))`` needs precision in proportion to its
    size and never finishes). Returns None when the value is not a number (an undefined
    ``a(z)``, say); raises :class:`InvalidValueError` naming ``what`` when it is not finite or
    not real.
    """
    memo: dict = {}
    for e in sp.postorder_traversal(expr):
        if e in memo:
            continue
        if e in known:
            memo[e] = known[e]
            continue
        if not e.args:
            memo[e] = sp.Float(e, 15) if isinstance(e, sp.Expr) and e.is_number else e
            continue
        try:
            v = e.func(*[memo[a] for a in e.args])
            if isinstance(v, sp.Expr) and v.is_number and not v.is_Float:
                v = v.evalf(15)
        except (TypeError, ValueError, ArithmeticError):
            return None
        if isinstance(v, sp.Expr) and v.is_number:
            if v.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
                raise InvalidValueError(f"{what} is not finite; is there a division by zero or "
                                        "a log of 0?")
            if not v.is_Float:
                re_, im = v.as_real_imag()
                if im.is_Float and abs(im) > 1e-12 * max(abs(re_), 1):
                    raise InvalidValueError(f"{what} is not a real number (≈ {_describe(v.evalf(6))})")
                v = re_
            if v.is_Float and abs(v) > FLOAT_MAX:
                raise InvalidValueError(f"{what} is too large for a float (an intermediate "
                                        f"value is about {_describe(sp.Float(v, 6))})")
        memo[e] = v
    out = memo[expr]
    return out if isinstance(out, sp.Expr) and out.is_Float else None
