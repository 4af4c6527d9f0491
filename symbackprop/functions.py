r"""Activation and loss building blocks as SymPy functions.

Each class knows its derivative written the way a textbook writes it, often in its own output:
``sigmoid(z).diff(z) == sigmoid(z)*(1 - sigmoid(z))``. That keeps the chain-rule form readable.
Exact arguments stay exact (``sigmoid(0) == 1/2``); float arguments evaluate to floats.

ReLU's derivative at exactly 0 is taken to be 0 (the convention of PyTorch and micrograd); leaky
ReLU's is its slope 1/100 there. ``max``/``min`` of the text format use SymPy's ``Max``/``Min``,
whose derivative at a tie is 1/2 for each argument.

Examples
========
>>> import sympy as sp
>>> from symbackprop.functions import sigmoid, relu, generic_activation
>>> z = sp.Symbol("z", real=True)
>>> sigmoid(z).diff(z)
(1 - sigmoid(z))*sigmoid(z)
>>> relu(z).diff(z)
Heaviside(z, 0)
>>> a = generic_activation("a")
>>> a(z).diff(z)
a'(z)
"""

from __future__ import annotations

import sympy as sp
from sympy import S

__all__ = [
    "generic_activation",
    "leaky_relu",
    "logsumexp",
    "relu",
    "sigmoid",
    "softplus",
]

LEAKY_SLOPE = sp.Rational(1, 100)


def _is_float(z: sp.Expr) -> bool:
    return z.is_Float


class sigmoid(sp.Function):
    r"""Logistic function $\sigma(z) = 1/(1+e^{-z})$ with $\sigma'(z) = \sigma(z)(1-\sigma(z))$."""

    nargs = 1

    def fdiff(self, argindex=1):
        return self * (1 - self)

    @classmethod
    def eval(cls, z):
        if z.is_zero:
            return S.Half
        if z is S.Infinity:
            return S.One
        if z is S.NegativeInfinity:
            return S.Zero
        if _is_float(z):
            return 1 / (1 + sp.exp(-z))  # exp of a Float evaluates, so this is a Float
        return None

    def _eval_rewrite_as_exp(self, z, **kwargs):
        return 1 / (1 + sp.exp(-z))

    def _eval_evalf(self, prec):
        return (1 / (1 + sp.exp(-self.args[0])))._eval_evalf(prec)

    def _eval_is_real(self):
        return self.args[0].is_real

    def _eval_is_positive(self):
        return self.args[0].is_real


class relu(sp.Function):
    r"""Rectifier $\max(0, z)$; its derivative is the step $H(z)$ with $H(0) = 0$."""

    nargs = 1

    def fdiff(self, argindex=1):
        return sp.Heaviside(self.args[0], 0)

    @classmethod
    def eval(cls, z):
        if z.is_Number:
            return z if z > 0 else S.Zero
        if z.is_extended_nonnegative:
            return z
        if z.is_extended_nonpositive:
            return S.Zero
        return None

    def _eval_rewrite_as_Max(self, z, **kwargs):
        return sp.Max(0, z)

    def _eval_evalf(self, prec):
        return sp.Max(0, self.args[0])._eval_evalf(prec)

    def _eval_is_real(self):
        return self.args[0].is_real

    def _eval_is_nonnegative(self):
        return self.args[0].is_real


class leaky_relu(sp.Function):
    r"""Leaky rectifier: $z$ for $z > 0$, else $z/100$; derivative 1 for $z>0$, else $1/100$."""

    nargs = 1

    def fdiff(self, argindex=1):
        z = self.args[0]
        return (1 - LEAKY_SLOPE) * sp.Heaviside(z, 0) + LEAKY_SLOPE

    @classmethod
    def eval(cls, z):
        if z.is_Number:
            return z if z > 0 else LEAKY_SLOPE * z
        if z.is_extended_nonnegative:
            return z
        return None

    def _eval_rewrite_as_Max(self, z, **kwargs):
        return sp.Max(z, LEAKY_SLOPE * z)

    def _eval_evalf(self, prec):
        z = self.args[0]
        return sp.Max(z, LEAKY_SLOPE * z)._eval_evalf(prec)

    def _eval_is_real(self):
        return self.args[0].is_real


class softplus(sp.Function):
    r"""Softplus $\log(1+e^{z})$, a smooth ReLU; its derivative is $\sigma(z)$."""

    nargs = 1

    def fdiff(self, argindex=1):
        return sigmoid(self.args[0])

    @classmethod
    def eval(cls, z):
        if z.is_zero:
            return sp.log(2)
        if _is_float(z):
            return sp.log(1 + sp.exp(z))
        return None

    def _eval_rewrite_as_log(self, z, **kwargs):
        return sp.log(1 + sp.exp(z))

    def _eval_rewrite_as_exp(self, z, **kwargs):
        return sp.log(1 + sp.exp(z))

    def _eval_evalf(self, prec):
        return sp.log(1 + sp.exp(self.args[0]))._eval_evalf(prec)

    def _eval_is_real(self):
        return self.args[0].is_real

    def _eval_is_positive(self):
        return self.args[0].is_real


class logsumexp(sp.Function):
    r"""$\log \sum_i e^{z_i}$; its partial derivative in $z_i$ is the softmax $e^{z_i - \mathrm{LSE}}$."""

    def fdiff(self, argindex=1):
        return sp.exp(self.args[argindex - 1] - self)

    @classmethod
    def eval(cls, *z):
        if len(z) == 0:
            raise TypeError("logsumexp needs at least one argument")
        if len(z) == 1:
            return z[0]
        if all(v.is_number for v in z):  # numbers: the exact value (or a float for floats)
            return sp.log(sp.Add(*[sp.exp(v) for v in z]))
        return None

    def _eval_rewrite_as_log(self, *z, **kwargs):
        return sp.log(sp.Add(*[sp.exp(v) for v in z]))

    def _eval_rewrite_as_exp(self, *z, **kwargs):
        return sp.log(sp.Add(*[sp.exp(v) for v in z]))

    def _eval_evalf(self, prec):
        return sp.log(sp.Add(*[sp.exp(v) for v in self.args]))._eval_evalf(prec)

    def _eval_is_real(self):
        return all(v.is_real for v in self.args) or None


_GENERIC: dict[str, type[sp.Function]] = {}


def generic_activation(name: str = "a") -> type[sp.Function]:
    r"""An undefined activation ``a(z)`` whose derivative prints as ``a'(z)``.

    The same name always gives the same class, so expressions built at different times compare
    equal. Its derivative is another undefined function, ``a'``, so derivatives stay free of
    SymPy's ``Subs`` blocks and read like a textbook: ``d/dw a(w*x) = x*a'(w*x)``.

    Examples
    ========
    >>> import sympy as sp
    >>> a = generic_activation("a")
    >>> w, x = sp.symbols("w x", real=True)
    >>> sp.diff(a(w*x), w)
    x*a'(w*x)
    """
    if name in _GENERIC:
        return _GENERIC[name]

    prime_name = name + "'"

    def _prime_fdiff(self, argindex=1):
        return generic_activation(prime_name)(self.args[0])

    cls = type(name, (sp.Function,), {
        "nargs": 1,
        "fdiff": _prime_fdiff,
        "__doc__": f"Generic (undefined) activation {name}(z); its derivative is {prime_name}(z).",
        "_eval_is_real": lambda self: self.args[0].is_real,
        "is_generic_activation": True,
    })
    _GENERIC[name] = cls
    return cls
