r"""Reductions over the outputs of one example, for losses written over a whole batch.

In the compiled matrix path a quantity of the outputs is a matrix with one row per example and
one column per output (``Z``, ``H``, ``T``). A loss of one example reduces a row to one
number: :class:`rowsum`, :class:`rowmax`, :class:`rowlogsumexp`, ... A reduction keeps the row
as a column of shape ``(batch, 1)``, so it broadcasts against the matrix it came from
(``Z - rowmax(Z)`` shifts every row by its own largest entry).

These are SymPy functions of a symbol that stands for a whole matrix; they are never
differentiated (a loss's matrix form gives its output delta itself, see
:class:`~symbackprop.core.registry.MatrixLoss`), and print as NumPy's and JAX's reductions
along ``axis=1``. The numba backend writes them as loops over the outputs.

Examples
========
>>> import sympy as sp
>>> from symbackprop.numeric.codegen import numpy_source
>>> Z = sp.Symbol("Z")
>>> print(numpy_source(Z - rowmax(Z)))
Z - numpy.max(Z, axis=1, keepdims=True)
"""

from __future__ import annotations

import sympy as sp

__all__ = ["ROW_REDUCTIONS", "RowReduction", "rowlogsumexp", "rowmax", "rowmin", "rowprod",
           "rowsum"]


class RowReduction(sp.Function):
    """A reduction over the outputs (one row per example), kept 2-D for broadcasting; each
    backend prints it (:mod:`symbackprop.numeric.stable`)."""

    nargs = 1


class rowsum(RowReduction):
    """The sum of a row: :math:`\\sum_j a_j`."""


class rowprod(RowReduction):
    """The product of a row: :math:`\\prod_j a_j`."""


class rowmax(RowReduction):
    """The largest entry of a row."""


class rowmin(RowReduction):
    """The smallest entry of a row."""


class rowlogsumexp(RowReduction):
    r"""The log-sum-exp of a row, :math:`\log \sum_j e^{a_j}`, computed stably."""


ROW_REDUCTIONS: tuple[type[RowReduction], ...] = (rowsum, rowprod, rowmax, rowmin, rowlogsumexp)
"""Every row reduction."""
