"""The PyTorch backend: the generated code as ``torch`` tensor operations, in float64.

One module, as every backend is (:mod:`symbackprop.numeric.backend`): SymPy's own
``TorchPrinter`` prints the same backprop program and matrix derivation as the NumPy backend,
this module adds PyTorch's column of the stable forms (``torch.sigmoid``,
``torch.logsumexp``, the row reductions with ``dim=1``), and :meth:`TorchBackend.fast` moves
the arrays: NumPy in, tensors (float64, on the backend's device) through the generated code,
NumPy out. ``f.raw`` is the generated function itself, on tensors: usable under
``torch.func.grad`` and ``torch.func.vmap``, or with ``torch.compile``.

``compile(net, backend="torch")`` runs on the CPU. For a GPU, register a second backend::

    from symbackprop.numeric.backend import register_backend
    from symbackprop.numeric.torch_backend import TorchBackend
    register_backend(TorchBackend(name="torch-cuda", device="cuda"))
    f = sb.compile(net, backend="torch-cuda")

The tensors are float64 everywhere, so the gradients equal the NumPy backend's to rounding.
"""

from __future__ import annotations

from collections.abc import Callable

import sympy as sp

from .backend import Backend, register_backend
from .codegen import CodeNames, Elementwise
from .stable import SQRT_HALF, STABLE, leaky_slope

__all__ = ["TorchBackend", "printer_class"]


_PRINTER: list[type] = []


def printer_class() -> type:
    """The printer class, made on first use: SymPy's ``TorchPrinter`` imports torch itself,
    which ``import symbackprop`` does not."""
    if _PRINTER:
        return _PRINTER[0]
    from sympy.printing.pytorch import TorchPrinter

    class TorchCodePrinter(CodeNames, Elementwise, TorchPrinter):
        """``torch`` code: SymPy's printer, with numbers as float64 and the stable forms."""

        backend_name = "torch"

        def __init__(self, settings=None):
            super().__init__({"fully_qualified_modules": True, "allow_unknown_functions": False,
                              **(settings or {})})
            self._module_format("torch.float64")  # the code always names torch (namespace)

        def number(self, value) -> str:
            """A number as the code's value: a float64 tensor on the arrays' device (torch's
            functions take tensors, not Python numbers; every generated function has
            ``_theta``)."""
            return (f"{self._module_format('torch.tensor')}({float(value)!r}, "
                    f"dtype={self._module_format('torch.float64')}, device=_theta.device)")

        def _print_Assignment(self, expr):
            # a step whose value is a number (a constant gradient, dL/db = 1) is a tensor
            if expr.rhs.is_number:
                return f"{self._print(expr.lhs)} = {self.number(expr.rhs)}"
            return super()._print_Assignment(expr)

        def _print(self, expr, **kwargs):
            # a number that is not a plain rational (log(2), sqrt(3), pi) is a float here:
            # torch's functions take tensors, not Python numbers
            if isinstance(expr, sp.Expr) and expr.is_number and not expr.is_Rational \
                    and not expr.is_Float and expr.is_real:
                return repr(float(expr))
            return super()._print(expr, **kwargs)

        def _tensor(self, expr) -> str:
            """An argument that torch needs as a tensor: a number becomes one (float64)."""
            if expr.is_number:
                return self.number(expr)  # NaN too (float(nan) is nan)
            return self._print(expr)

        def _print_Max(self, expr):
            return self._fold("torch.maximum", expr.args, self._tensor)

        def _print_Min(self, expr):
            return self._fold("torch.minimum", expr.args, self._tensor)

        def _print_Piecewise(self, expr):
            # nested torch.where, numbers as float64 tensors (torch.where(c, 1, 0.01) makes
            # float32), no value where no condition holds (NaN)
            *rest, (last, cond) = expr.args
            out = self._tensor(last if cond == sp.true else sp.nan)
            if cond != sp.true:
                rest.append((last, cond))
            for e, c in reversed(rest):
                out = (f"{self._module_format('torch.where')}({self._print(c)}, "
                       f"{self._tensor(e)}, {out})")
            return out

        def _print_Heaviside(self, expr):
            h0 = expr.args[1] if len(expr.args) > 1 else sp.S.Half
            return (f"{self._module_format('torch.heaviside')}({self._tensor(expr.args[0])}, "
                    f"{self._tensor(sp.Float(h0))})")

    _PRINTER.append(TorchCodePrinter)
    return TorchCodePrinter


def _m(p, name: str) -> str:
    return p._module_format(name)


def _lse(p, a: list[str]) -> str:
    # each argument as a float64 tensor (a number among them, logsumexp(0, z), included)
    args = ", ".join(f"{_m(p, 'torch.as_tensor')}({x}, dtype={_m(p, 'torch.float64')}, "
                     "device=_theta.device)" for x in a)
    return (f"{_m(p, 'torch.logsumexp')}({_m(p, 'torch.stack')}("
            f"{_m(p, 'torch.broadcast_tensors')}({args})), dim=0)")


def _row(fn: str) -> Callable:
    return lambda p, a: f"{_m(p, fn)}({a[0]}, dim=1, keepdim=True)"


_FORMS = {
    "sigmoid": lambda p, a: f"{_m(p, 'torch.sigmoid')}({a[0]})",
    "relu": lambda p, a: f"{_m(p, 'torch.relu')}({a[0]})",
    "leaky_relu": lambda p, a: (f"{_m(p, 'torch.nn.functional.leaky_relu')}({a[0]}, "
                                f"{leaky_slope()})"),
    # log(1 + e^z) without overflow, as numpy.logaddexp(0, z) (torch's softplus is z itself
    # past a threshold)
    "softplus": lambda p, a: (f"({_m(p, 'torch.clamp')}({a[0]}, min=0.0) + "
                              f"{_m(p, 'torch.log1p')}({_m(p, 'torch.exp')}"
                              f"(-{_m(p, 'torch.abs')}({a[0]}))))"),
    "swish": lambda p, a: f"{_m(p, 'torch.nn.functional.silu')}({a[0]})",
    "gelu": lambda p, a: (f"0.5*({a[0]})*(1.0 + {_m(p, 'torch.erf')}"
                          f"(({a[0]})*{SQRT_HALF!r}))"),
    "logsumexp": _lse,
    "shifted": lambda p, a: f"({a[0]} - {a[1]})",
    "rowsum": _row("torch.sum"),
    "rowprod": _row("torch.prod"),
    "rowmax": _row("torch.amax"),
    "rowmin": _row("torch.amin"),
    "rowlogsumexp": _row("torch.logsumexp"),
}
for _name, _form in _FORMS.items():  # PyTorch's column of the table of stable forms
    STABLE[_name]["torch"] = _form


class TorchBackend(Backend):
    """``torch`` tensor code on ``device`` (float64); NumPy arrays in and out."""

    package, extra = "torch", "torch"
    writable = True  # torch.as_tensor warns on a read-only array: the checks copy it first

    def new_printer(self):
        return printer_class()()

    def __init__(self, name: str = "torch", device: str = "cpu"):
        self.name = name
        self.device = device

    def fast(self, fn: Callable) -> Callable:
        import numpy as np
        import torch

        device, f64 = torch.device(self.device), torch.float64

        def out(v):
            if isinstance(v, tuple):
                return tuple(out(x) for x in v)
            v = v.detach().cpu()
            return float(v) if v.ndim == 0 else v.numpy()

        def run(*args):
            with torch.no_grad():
                return out(fn(*[torch.as_tensor(np.asarray(a), dtype=f64, device=device)
                                for a in args]))

        run.__wrapped__ = fn  # type: ignore[attr-defined]  # the generated function itself
        return run


register_backend(TorchBackend())
