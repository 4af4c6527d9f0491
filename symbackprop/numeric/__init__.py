"""Numbers: compiled gradients (NumPy, JAX, numba, PyTorch backends), numerical checks, training,
and small data sets."""

from __future__ import annotations

from . import datasets, jax_backend, loops, torch_backend  # noqa: F401 - backends register themselves
from .backend import BACKENDS, Backend, register_backend
from .check import GradientCheck, central_differences, check_gradient, numerical_gradient
from .compiled import Compiled, compile
from .training import OPTIMIZERS, Run, init_params, train

__all__ = [
    "BACKENDS",
    "OPTIMIZERS",
    "Backend",
    "Compiled",
    "GradientCheck",
    "Run",
    "central_differences",
    "check_gradient",
    "compile",
    "datasets",
    "init_params",
    "numerical_gradient",
    "register_backend",
    "train",
]
