"""One rule for names, used by the Graph, the text format and the code generators.

A name is a Python identifier in Unicode NFKC normal form (the form Python itself reads, so
``ｘ`` and ``x`` are one name) that does not start with ``_``: names starting with ``_`` are
kept for generated code, so no user name can ever reach one.

Examples
========
>>> check_name("w1")
'w1'
>>> check_name("ｘ")
'x'
>>> check_name("_tmp")
Traceback (most recent call last):
...
symbackprop.core.errors.InvalidValueError: '_tmp' is not a valid name: use letters, digits and _, starting with a letter (names starting with _ are kept for generated code)
"""

from __future__ import annotations

import unicodedata

from .errors import InputTypeError, InvalidValueError, LimitError

__all__ = ["MAX_NAME_LENGTH", "canonical_name", "check_name"]

MAX_NAME_LENGTH = 100
"""Longest name accepted (characters)."""


def canonical_name(name: str) -> str:
    """A name as Python reads it: Unicode NFKC normal form.

    >>> canonical_name("ｘ１") == "x1"
    True
    """
    return unicodedata.normalize("NFKC", name)


def check_name(name: object, what: str = "name") -> str:
    """The canonical form of a user's name; raises if it cannot be a name."""
    if not isinstance(name, str):
        raise InputTypeError(f"a {what} must be a str, not {type(name).__name__}")
    if len(name) > MAX_NAME_LENGTH:
        raise LimitError(f"the {what} {name[:20]!r}... has {len(name):,} characters; "
                         f"the limit is {MAX_NAME_LENGTH}")
    canon = canonical_name(name)
    if not canon.isidentifier() or canon.startswith("_"):
        raise InvalidValueError(
            f"{name!r} is not a valid {what}: use letters, digits and _, starting with a letter "
            "(names starting with _ are kept for generated code)")
    return canon
