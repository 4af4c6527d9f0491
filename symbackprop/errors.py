"""One exception hierarchy for everything a user can get wrong.

Every class derives from :class:`SymbackpropError`, so ``except sb.SymbackpropError`` catches
them all; the subclasses also derive from the built-in exception a Python user would expect
(``ValueError``, ``KeyError``, ...), so generic handlers keep working.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class SymbackpropError(Exception):
    """Base class of every error symbackprop raises on bad input."""


class UnknownNameError(SymbackpropError, ValueError):
    """An activation, loss, naming, form or other option that does not exist."""

    def __init__(self, what: str, name: object, valid: Iterable[str]):
        self.what = what
        self.name = name
        self.valid = sorted(valid)
        super().__init__(
            f"unknown {what} {name!r}; valid {what}s are: {', '.join(self.valid)}"
        )


class LayerSpecError(SymbackpropError, ValueError):
    """A layer list for :func:`symbackprop.mlp` that does not describe a network."""


class UnknownVariableError(SymbackpropError, KeyError):
    """A variable name or Symbol that is not in the graph; suggests near names."""

    def __init__(self, name: object, known: Iterable[str], where: str = "the graph"):
        self.name = str(name)
        self.known = list(known)
        near = difflib.get_close_matches(self.name, self.known, n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(repr(n) for n in near)}?" if near else ""
        listing = ", ".join(self.known[:30]) + (" ..." if len(self.known) > 30 else "")
        msg = f"{self.name!r} is not a variable of {where}{hint} (known: {listing})"
        self.message = msg
        super().__init__(msg)

    def __str__(self) -> str:  # KeyError would quote the whole message
        return self.message


class DuplicateNameError(SymbackpropError, ValueError):
    """A name defined twice in one graph."""


class CycleError(SymbackpropError, ValueError):
    """Definitions that depend on themselves, directly or through other nodes."""


class ExpressionTooLargeError(SymbackpropError, MemoryError):
    """An asked-for form would exceed its size budget; it was not built."""

    def __init__(self, what: str, size: float, budget: float, hint: str):
        self.what = what
        self.size = size
        self.budget = budget
        super().__init__(
            f"{what} would have about {_fmt(size)} nodes in its expression tree, "
            f"over the budget of {_fmt(budget)}; {hint}"
        )


class ParseError(SymbackpropError, SyntaxError):
    """A line of the text format that does not parse; carries line and column."""

    def __init__(self, message: str, line: int | None = None, col: int | None = None,
                 source_line: str | None = None):
        self.reason = message
        self.line = line
        self.col = col
        self.source_line = source_line
        where = f"line {line}, column {col}: " if line is not None else ""
        text = where + message
        if source_line is not None and col is not None:
            text += f"\n    {source_line}\n    {' ' * max(col - 1, 0)}^"
        self.message = text
        super().__init__(text)

    def __str__(self) -> str:
        return self.message


class ShapeError(SymbackpropError, ValueError):
    """Data whose shape does not fit the network or compiled function."""


class DivergenceError(SymbackpropError, FloatingPointError):
    """Training produced NaN or inf; the last good parameters are kept on the error."""

    def __init__(self, step: int, what: str, last_good=None, history=None):
        self.step = step
        self.last_good = last_good
        self.history = history
        super().__init__(
            f"training diverged at step {step}: {what} is not finite. "
            "The parameters before that step are in .last_good; try a smaller learning rate."
        )


class VerificationError(SymbackpropError, AssertionError):
    """Two derivation forms disagree (this indicates a bug, never bad input)."""


def _fmt(n: float) -> str:
    n = float(n)
    if n < 1e6:
        return f"{int(n):,}"
    return f"{n:.3g}"
