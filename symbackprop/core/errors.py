"""One exception hierarchy for everything a user can get wrong.

Every class derives from :class:`SymbackpropError`, so ``except sb.SymbackpropError`` catches
them all; each also derives from the built-in exception a Python user would expect
(``ValueError``, ``TypeError``, ``LookupError``, ``OSError``, ...), so generic handlers keep
working: ``except ValueError`` catches a bad learning rate as well as a bad name.

Examples
========
>>> import symbackprop as sb
>>> try:
...     sb.mlp([2, 2, 1], activation="sigmod")
... except ValueError as e:
...     print(e)
unknown activation 'sigmod'; did you mean 'sigmoid'? valid activations are: a, gelu, identity, leaky_relu, relu, sigmoid, softplus, swish, tanh
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = [
    "CycleError",
    "DivergenceError",
    "DuplicateNameError",
    "ExpressionTooLargeError",
    "ExternalToolError",
    "InputTypeError",
    "InvalidValueError",
    "LayerSpecError",
    "LimitError",
    "MissingDependencyError",
    "NoNumericFormError",
    "OutputFileError",
    "ParseError",
    "ShapeError",
    "StaleError",
    "SymbackpropError",
    "UnknownNameError",
    "UnknownVariableError",
    "VerificationError",
]


class SymbackpropError(Exception):
    """Base class of every error symbackprop raises on bad input or a bad environment."""


class InvalidValueError(SymbackpropError, ValueError):
    """A value of the right type that cannot be used: a negative learning rate, ``inf`` in a
    point, a non-real number, a name that is not an identifier."""


class InputTypeError(SymbackpropError, TypeError):
    """An argument of the wrong type, e.g. a string where an array or a number belongs."""


class LimitError(InvalidValueError):
    """Input past a stated limit (file size, layer size, nesting depth, digits, ...).

    The message names the limit and the size found.
    """


class UnknownNameError(InvalidValueError):
    """An activation, loss, naming, form or other option that does not exist."""

    def __init__(self, what: str, name: object, valid: Iterable[str]):
        self.what = what
        self.name = name
        self.valid = sorted(valid)
        near = difflib.get_close_matches(str(name), self.valid, n=1, cutoff=0.6)
        hint = f" did you mean {near[0]!r}?" if near else ""
        plural = (what[:-1] + "ies" if what.endswith("y")
                  else what + "es" if what.endswith(("s", "x")) else what + "s")
        super().__init__(f"unknown {what} {name!r};{hint} valid {plural} are: "
                         f"{', '.join(self.valid)}")


class LayerSpecError(InvalidValueError):
    """A layer list for :func:`symbackprop.mlp` that does not describe a network."""


class UnknownVariableError(SymbackpropError, KeyError):
    """A variable name or Symbol that is not in the graph; suggests near names."""

    def __init__(self, name: object, known: Iterable[str], where: str = "the graph"):
        self.name = str(name)
        self.known = list(known)
        near = difflib.get_close_matches(self.name, self.known, n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(repr(n) for n in near)}?" if near else ""
        listing = ", ".join(self.known[:30]) + (" ..." if len(self.known) > 30 else "")
        self.message = f"{self.name!r} is not a variable of {where}{hint} (known: {listing})"
        super().__init__(self.message)

    def __str__(self) -> str:  # KeyError would quote the whole message
        return self.message


class DuplicateNameError(InvalidValueError):
    """A name defined twice in one graph (after Unicode normalisation)."""


class CycleError(InvalidValueError):
    """Definitions that depend on themselves, directly or through other nodes."""


class ExpressionTooLargeError(LimitError):
    """An asked-for form would exceed its size budget; it was not built."""

    def __init__(self, what: str, size: float, budget: float, hint: str):
        self.what = what
        self.size = size
        self.budget = budget
        super().__init__(
            f"{what} would have about {_fmt(size)} nodes in its expression tree, "
            f"over the budget of {_fmt(budget)}; {hint}"
        )


class ParseError(InvalidValueError):
    """Text that does not parse; ``line`` and ``col`` (1-based) say where, when known."""

    def __init__(self, message: str, line: int | None = None, col: int | None = None,
                 source_line: str | None = None):
        self.reason = message
        self.line = line
        self.col = col
        self.source_line = source_line
        where = f"line {line}, column {col}: " if line is not None else ""
        text = where + message
        if source_line is not None and col is not None and len(source_line) <= 200:
            text += f"\n    {source_line}\n    {' ' * max(col - 1, 0)}^"
        self.message = text
        super().__init__(text)

    def __str__(self) -> str:
        return self.message


class ShapeError(InvalidValueError):
    """Data whose shape does not fit the network or compiled function."""


class NoNumericFormError(InvalidValueError):
    """An expression with a function that has no numeric form (an undefined ``a(z)``, say)."""


class StaleError(SymbackpropError, RuntimeError):
    """A derivation used after its graph changed; derive again from the graph."""


class DivergenceError(SymbackpropError, FloatingPointError):
    """Training produced NaN or inf; the last good parameters are kept on the error."""

    def __init__(self, step: int, what: str, last_good=None, history=None, run=None):
        self.step = step
        self.last_good = last_good
        self.history = history
        self.run = run
        super().__init__(
            f"training diverged at step {step}: {what} is not finite. "
            "The parameters before that step are in .last_good; try a smaller learning rate."
        )


class OutputFileError(SymbackpropError, OSError):
    """An output file that cannot be written (it exists, a folder is missing, no permission)."""


class MissingDependencyError(SymbackpropError, ImportError):
    """An optional package that the asked-for feature needs is not installed."""


class ExternalToolError(SymbackpropError, RuntimeError):
    """An external program (pdflatex) is missing, failed or took too long."""


class VerificationError(SymbackpropError, AssertionError):
    """Two derivation forms disagree. This indicates a bug in symbackprop, never bad input."""


def _fmt(n: float) -> str:
    n = float(n)
    if n < 1e6:
        return f"{int(n):,}"
    return f"{n:.3g}"
