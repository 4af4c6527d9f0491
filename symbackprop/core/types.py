"""Type aliases for the public signatures."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TypeAlias

import sympy as sp

__all__ = ["ActivationLike", "LossLike", "PathLike", "Point", "SymbolLike", "Variables"]

SymbolLike: TypeAlias = str | sp.Symbol
"""A symbol of a graph, or its name."""

Variables = SymbolLike | Iterable[SymbolLike] | None
"""One variable, several, or None (meaning: every parameter)."""

Point = Mapping[SymbolLike, object]
"""Leaf (name or Symbol) -> a number: int, float, Fraction, a string such as '1/3', a SymPy number."""

PathLike = str | os.PathLike
"""A file path."""

ActivationLike = str | Callable[[sp.Expr], sp.Expr]
"""An activation's name, or a callable z -> SymPy expression."""

LossLike = str | Callable[[Sequence[sp.Expr], Sequence[sp.Expr]], sp.Expr]
"""A loss's name, or a callable (outputs, targets) -> SymPy expression."""
