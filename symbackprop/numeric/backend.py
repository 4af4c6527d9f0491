r"""A backend is an object: how generated code is printed, built, called fast and trained.

:class:`Backend` holds what every backend shares, written once: the code of both paths (the
backprop program line by line, or the matrix derivation as matmuls), built into functions.
A backend says only what is its own: its code printer, the package it needs, how its
functions are made fast (JAX: ``jax.jit``), how they are called (JAX: in float64 mode, scoped
to the call), how a gradient entry is added to (JAX's arrays are immutable) and, where it
has one, a compiled training loop (numba). Nothing outside a backend's module asks for a
backend by its name.

Adding a backend is one module: a subclass and a call of :func:`register_backend`. The built-in
ones are NumPy (here), JAX (:mod:`symbackprop.numeric.jax_backend`), numba
(:mod:`symbackprop.numeric.loops`) and PyTorch (:mod:`symbackprop.numeric.torch_backend`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, TypeVar

from ..core.errors import InvalidValueError, MissingDependencyError, UnknownNameError
from ..core.graph import Graph
from ..core.network import Network
from .codegen import NumPyCodePrinter, build
from .matrix_code import NoMatrixPath, matrix_source
from .scalar_code import scalar_source

T = TypeVar("T")

__all__ = ["BACKENDS", "Backend", "NumPyBackend", "backend", "numpy_matrix", "register_backend"]


class Backend:
    """What a backend is; subclasses set the class attributes and override what differs."""

    name = ""
    package = ""  # what require() imports
    extra = ""  # the pip extra that installs it
    printer: type = NumPyCodePrinter
    writable = False  # whether its functions need writable arrays (numba takes no read-only one)
    warns = True  # whether its code can raise NumPy's floating-point warnings (to silence)

    def new_printer(self):
        """A fresh code printer (it records the modules the code uses)."""
        return self.printer()

    def require(self) -> None:
        """Import the backend's package, or say which extra installs it."""
        try:
            importlib.import_module(self.package)
        except ImportError:
            raise MissingDependencyError(
                f"the {self.name} backend needs {self.package}: pip install "
                f"'symbackprop[{self.extra}]'") from None

    # ---- building ----------------------------------------------------------------------------
    def choose(self, graph: Graph, path: str, matrix: Callable[[], T],
               scalar: Callable[[], T]) -> tuple[str, str, T]:
        """``(path taken, why, what its generator made)``: the matrix path for a network when
        asked or by default (``matrix()`` raises :class:`NoMatrixPath` with the reason when it
        cannot express the network), the scalar path otherwise. Every backend decides so."""
        if path == "scalar":
            return "scalar", "path='scalar' was asked for", scalar()
        if not isinstance(graph, Network):
            if path == "matrix":
                raise InvalidValueError("the matrix path needs a network built by mlp(...); "
                                        "this graph takes path='scalar'")
            why = "a graph that is not a network built by mlp(...) takes the scalar path"
            return "scalar", why, scalar()
        small = self.scalar_first(graph) if path == "auto" else None
        if small:
            return "scalar", small, scalar()
        try:
            made = matrix()
        except NoMatrixPath as e:
            if path == "matrix":
                raise InvalidValueError(f"the matrix path cannot compute this network's "
                                        f"gradient: {e}; use path='scalar' (or 'auto')") from None
            why = (f"the matrix path cannot compute this network's gradient ({e}), so it takes "
                   "the scalar path")
            return "scalar", why, scalar()
        why = "path='matrix' was asked for" if path == "matrix" else self.matrix_reason(graph)
        return "matrix", why, made

    def scalar_first(self, graph: Network) -> str | None:
        """Why this backend takes the scalar path for a network by default, or None."""
        return None

    def matrix_reason(self, graph: Network) -> str:
        """Why a network takes the matrix path by default."""
        return "a network built by mlp(...) takes the matrix path"

    def build(self, graph: Graph, path: str) -> dict[str, Any]:
        """The compiled functions and their sources, as keywords of
        :class:`~symbackprop.numeric.compiled.Compiled`."""
        chosen, reason, (src, fsrc, psrc, ns) = self.choose(
            graph, path, lambda: matrix_source(graph, self),  # type: ignore[arg-type]
            lambda: scalar_source(graph, self))
        raw = build(src, "_grad", dict(ns))
        raw_loss = build(fsrc, "_loss", dict(ns))
        raw_predict = build(psrc, "_predict", dict(ns)) if psrc else None
        return {"path": chosen, "reason": reason, "source": src, "forward_source": fsrc,
                "predict_source": psrc, "raw": raw, "raw_loss": raw_loss,
                "raw_predict": raw_predict}

    def fast(self, fn: Callable) -> Callable:
        """The function as fast as this backend runs it (NumPy: itself; JAX: jitted, run in
        float64)."""
        return fn

    def checked(self, raw: Callable, dispatch: Callable | None) -> tuple[Callable | None, int]:
        """A compiled call that checks shapes and finiteness and computes the gradient in
        one go, and the batch size below which it is used; (None, 0) when there is none."""
        return None, 0

    # ---- printing --------------------------------------------------------------------------
    def add_to(self, array: str, index: int, value: str) -> str:
        """A line of code adding ``value`` to ``array[index]``."""
        return f"    {array}[{index}] += {value}"

    # ---- training --------------------------------------------------------------------------
    def trainer(self, compiled) -> Callable | None:
        """A compiled loop that runs many training steps at once, or None (one call a step)."""
        return None


class NumPyBackend(Backend):
    """NumPy and SciPy: vectorised over the batch, BLAS for the matrix path."""

    name, package, extra = "numpy", "numpy", "numpy"


def numpy_matrix(net: Network) -> Callable | None:
    """The NumPy backend's matrix-path gradient ``raw(theta, X, T)`` of a network (or None
    when the matrix path cannot express it, see
    :func:`~symbackprop.numeric.matrix_code.matrix_obstacle`)."""
    try:
        src, _, _, ns = matrix_source(net, BACKENDS["numpy"])
    except NoMatrixPath:
        return None
    return build(src, "_grad", dict(ns))


BACKENDS: dict[str, Backend] = {}
"""Name -> backend object."""


def register_backend(be: Backend) -> Backend:
    """Add a backend (its module calls this once)."""
    BACKENDS[be.name] = be
    return be


def backend(name: str) -> Backend:
    """The backend of a name; an unknown name lists the valid ones."""
    if name not in BACKENDS:
        raise UnknownNameError("backend", name, BACKENDS)
    return BACKENDS[name]


register_backend(NumPyBackend())  # JAX and numba register in their modules, which the
# package imports (they import jax and numba themselves only when used)
