"""Derivations of a graph's output in three forms that are proven equal, and their sizes.

* :func:`expanded` substitutes every node into the output and differentiates once;
* :func:`chain` writes the multivariate chain rule as data, a sum over paths;
* :func:`backprop` is the reverse sweep, each delta computed once;
* :func:`verify` checks the three against each other; :func:`matrix_form` gives the layered
  matrix equations of a network.
"""

from __future__ import annotations

from .chains import Chain, Factor, Path, chain
from .estimate import (
    DEFAULT_BUDGET,
    count_paths,
    estimate_chain_size,
    estimate_expanded_size,
    estimate_multiplied_out,
)
from .expansion import expanded
from .local import bind_derivatives, full_substitution, local_partial
from .matrix import MatrixForm, matrix_form
from .measure import dag_size, tree_size
from .program import DELTA_NAME, GRAD_NAME, Program, Step, backprop, delta_symbol, grad_symbol
from .verification import Agreement, verify

__all__ = [
    "DEFAULT_BUDGET",
    "DELTA_NAME",
    "GRAD_NAME",
    "Agreement",
    "Chain",
    "Factor",
    "MatrixForm",
    "Path",
    "Program",
    "Step",
    "backprop",
    "bind_derivatives",
    "chain",
    "count_paths",
    "dag_size",
    "delta_symbol",
    "estimate_chain_size",
    "estimate_expanded_size",
    "estimate_multiplied_out",
    "expanded",
    "full_substitution",
    "grad_symbol",
    "local_partial",
    "matrix_form",
    "tree_size",
    "verify",
]
