"""The JAX backend: pure ``jax.numpy`` code, made fast with ``jax.jit``, run in float64.

JAX computes in float32 unless told otherwise. Every call this backend makes (``f(...)``,
``f.fast``, ``f.loss``, ``f.predict`` and training) runs inside ``jax.enable_x64(True)``, so
its gradients equal the NumPy backend's, and the rest of the user's process keeps JAX's own
setting. ``f.raw`` is the plain function for ``jax.jit``, ``jax.vmap`` and ``jax.grad``; it
computes in float64 under ``with jax.enable_x64(True):`` (or with ``jax_enable_x64`` set).
"""

from __future__ import annotations

from collections.abc import Callable

from .backend import Backend, register_backend
from .codegen import JaxCodePrinter

__all__ = ["JaxBackend"]


class JaxBackend(Backend):
    """``jax.numpy`` code, jitted, each call in JAX's float64 mode."""

    name, package, extra = "jax", "jax", "jax"
    printer = JaxCodePrinter

    def fast(self, fn: Callable) -> Callable:
        import jax

        jitted = jax.jit(fn)
        x64 = _x64()

        def run(*args):
            with x64():
                return jitted(*args)

        run.__wrapped__ = jitted  # type: ignore[attr-defined]  # the jitted function itself
        return run

    def add_to(self, array: str, index: int, value: str) -> str:
        # JAX's arrays are immutable: a new array with the entry added
        return f"    {array} = {array}.at[{index}].add({value})"


def _x64():
    """JAX's float64 mode as a context manager: ``jax.enable_x64(True)`` (JAX 0.8 and later),
    ``jax.experimental.enable_x64()`` before."""
    import jax
    if hasattr(jax, "enable_x64"):
        return lambda: jax.enable_x64(True)
    from jax.experimental import enable_x64
    return enable_x64


register_backend(JaxBackend())
