"""Numbers: compiled gradients (NumPy, JAX, numba backends), numerical checks, training,
and small data sets."""

from __future__ import annotations

from . import datasets
from .check import GradientCheck, central_differences, check_gradient, numerical_gradient
from .compile import Compiled, compile
from .train import OPTIMIZERS, Run, init_params, train

__all__ = [
    "OPTIMIZERS",
    "Compiled",
    "GradientCheck",
    "Run",
    "central_differences",
    "check_gradient",
    "compile",
    "datasets",
    "init_params",
    "numerical_gradient",
    "train",
]
