r"""Activation and loss building blocks as SymPy functions, each one complete in its class.

Every class carries, in one place, what each part of symbackprop needs from it:

* ``fdiff``: its derivative in textbook form, often in its own output
  (``sigmoid(z).diff(z) == sigmoid(z)*(1 - sigmoid(z))``), which keeps the chain rule readable;
* ``eval`` and ``_eval_evalf``: exact values stay exact (``sigmoid(0) == 1/2``), floats give floats;
* ``_latex``: how it is typeset (:math:`\sigma`, :math:`\operatorname{ReLU}`, ...);
* ``_numpycode``, ``_jaxcode``, ``_numbacode``: its numerically stable form for each backend
  (``scipy.special.expit``, ``jax.nn.sigmoid``, a branch on the sign for scalar code);
* ``_as_sympy``: the same function in plain SymPy, for :func:`symbackprop.as_sympy`.

Conventions at kinks: ReLU's derivative at exactly 0 is 0 (as in PyTorch and micrograd); leaky
ReLU's derivative there is its slope 1/100. SymPy's own ``Max``/``Min`` split a tie, 1/2 to each
argument, and ``Heaviside(z)`` (without a second argument) is 1/2 at 0; the derivative of
``Heaviside`` is a ``DiracDelta``, which is 0 almost everywhere and is compiled as 0.

Examples
========
>>> import sympy as sp
>>> from symbackprop.core.functions import sigmoid, relu, generic_activation
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

from .names import check_name

__all__ = [
    "LEAKY_SLOPE",
    "gelu",
    "generic_activation",
    "leaky_relu",
    "logsumexp",
    "relu",
    "sigmoid",
    "softplus",
    "swish",
]

LEAKY_SLOPE = sp.Rational(1, 100)
"""Slope of :class:`leaky_relu` for negative inputs."""


def _wrap(printer, head: str, expr: sp.Function, exp=None) -> str:
    args = ", ".join(printer._print(a) for a in expr.args)
    simple = all(a.is_Atom for a in expr.args)
    out = f"{head}({args})" if simple else f"{head}\\left({args}\\right)"
    return f"{out}^{{{exp}}}" if exp is not None else out


def _arg(printer, expr) -> str:
    return printer._print(expr.args[0])


def _scalar_sigmoid(printer, z: str) -> str:
    """A scalar logistic that never overflows: the exponent is never positive."""
    e = printer._module_format("math.exp")
    return f"(1.0/(1.0 + {e}(-({z}))) if ({z}) >= 0 else {e}({z})/(1.0 + {e}({z})))"


class _Elementwise(sp.Function):
    """A real function of one real argument."""

    nargs = 1

    def _eval_is_real(self):
        return self.args[0].is_real

    def _eval_is_finite(self):
        return self.args[0].is_finite


class sigmoid(_Elementwise):
    r"""Logistic function $\sigma(z) = 1/(1+e^{-z})$ with $\sigma'(z) = \sigma(z)(1-\sigma(z))$."""

    def fdiff(self, argindex=1):
        """The derivative, in textbook form."""
        return self * (1 - self)

    @classmethod
    def eval(cls, z):
        if z.is_zero:
            return S.Half
        if z is S.Infinity:
            return S.One
        if z is S.NegativeInfinity:
            return S.Zero
        if z.is_Float:
            return 1 / (1 + sp.exp(-z))  # exp of a Float evaluates, so this is a Float
        return None

    def _as_sympy(self):
        return 1 / (1 + sp.exp(-self.args[0]))

    def _eval_rewrite_as_exp(self, z, **kwargs):
        return 1 / (1 + sp.exp(-z))

    def _eval_evalf(self, prec):
        return self._as_sympy()._eval_evalf(prec)

    def _eval_is_positive(self):
        return self.args[0].is_real

    def _latex(self, printer, exp=None):
        return _wrap(printer, r"\sigma", self, exp)

    def _numpycode(self, printer):
        return f"{printer._module_format('scipy.special.expit')}({_arg(printer, self)})"

    def _jaxcode(self, printer):
        return f"{printer._module_format('jax.nn.sigmoid')}({_arg(printer, self)})"

    def _numbacode(self, printer):
        return _scalar_sigmoid(printer, _arg(printer, self))


class relu(_Elementwise):
    r"""Rectifier $\max(0, z)$; its derivative is $\mathbf{1}[z > 0]$ (0 at $z = 0$)."""

    def fdiff(self, argindex=1):
        """The derivative, in textbook form."""
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

    def _as_sympy(self):
        return sp.Max(0, self.args[0])

    def _eval_rewrite_as_Max(self, z, **kwargs):
        return sp.Max(0, z)

    def _eval_evalf(self, prec):
        return self._as_sympy()._eval_evalf(prec)

    def _eval_is_nonnegative(self):
        return self.args[0].is_real

    def _latex(self, printer, exp=None):
        return _wrap(printer, r"\operatorname{ReLU}", self, exp)

    def _numpycode(self, printer):
        return f"{printer._module_format('numpy.maximum')}({_arg(printer, self)}, 0.0)"

    def _jaxcode(self, printer):
        return f"{printer._module_format('jax.nn.relu')}({_arg(printer, self)})"

    def _numbacode(self, printer):
        return f"max({_arg(printer, self)}, 0.0)"


class leaky_relu(_Elementwise):
    r"""Leaky rectifier: $z$ for $z > 0$, else $z/100$; derivative 1 for $z>0$, else $1/100$."""

    def fdiff(self, argindex=1):
        """The derivative, in textbook form."""
        z = self.args[0]
        return sp.Piecewise((S.One, z > 0), (LEAKY_SLOPE, True))

    @classmethod
    def eval(cls, z):
        if z.is_Number:
            return z if z > 0 else LEAKY_SLOPE * z
        if z.is_extended_positive:
            return z
        return None

    def _as_sympy(self):
        z = self.args[0]
        return sp.Piecewise((z, z > 0), (LEAKY_SLOPE * z, True))

    def _eval_rewrite_as_Max(self, z, **kwargs):
        return sp.Max(z, LEAKY_SLOPE * z)

    def _eval_evalf(self, prec):
        z = self.args[0]
        return sp.Max(z, LEAKY_SLOPE * z)._eval_evalf(prec)

    def _latex(self, printer, exp=None):
        return _wrap(printer, r"\operatorname{LReLU}", self, exp)

    # the compiled code prints its slope from LEAKY_SLOPE, as the derivation uses it
    def _numpycode(self, printer):
        z = _arg(printer, self)
        return (f"{printer._module_format('numpy.where')}(({z}) > 0, {z}, "
                f"{float(LEAKY_SLOPE)!r}*({z}))")

    def _jaxcode(self, printer):
        return (f"{printer._module_format('jax.nn.leaky_relu')}({_arg(printer, self)}, "
                f"{float(LEAKY_SLOPE)!r})")

    def _numbacode(self, printer):
        z = _arg(printer, self)
        return f"(({z}) if ({z}) > 0 else {float(LEAKY_SLOPE)!r}*({z}))"


class softplus(_Elementwise):
    r"""Softplus $\log(1+e^{z})$, a smooth ReLU; its derivative is $\sigma(z)$."""

    def fdiff(self, argindex=1):
        """The derivative, in textbook form."""
        return sigmoid(self.args[0])

    @classmethod
    def eval(cls, z):
        if z.is_zero:
            return sp.log(2)
        if z.is_Float:
            return sp.log(1 + sp.exp(z))
        return None

    def _as_sympy(self):
        return sp.log(1 + sp.exp(self.args[0]))

    def _eval_rewrite_as_log(self, z, **kwargs):
        return sp.log(1 + sp.exp(z))

    def _eval_rewrite_as_exp(self, z, **kwargs):
        return sp.log(1 + sp.exp(z))

    def _eval_evalf(self, prec):
        return self._as_sympy()._eval_evalf(prec)

    def _eval_is_positive(self):
        return self.args[0].is_real

    def _latex(self, printer, exp=None):
        return _wrap(printer, r"\operatorname{softplus}", self, exp)

    def _numpycode(self, printer):
        return f"{printer._module_format('numpy.logaddexp')}(0.0, {_arg(printer, self)})"

    def _jaxcode(self, printer):
        return f"{printer._module_format('jax.nn.softplus')}({_arg(printer, self)})"

    def _numbacode(self, printer):
        z = _arg(printer, self)
        return (f"(max({z}, 0.0) + {printer._module_format('math.log1p')}"
                f"({printer._module_format('math.exp')}(-abs({z}))))")


class swish(_Elementwise):
    r"""Swish (SiLU) $z\,\sigma(z)$; its derivative is $s(z) + \sigma(z)(1 - s(z))$."""

    def fdiff(self, argindex=1):
        """The derivative, in textbook form."""
        return self + sigmoid(self.args[0]) * (1 - self)

    @classmethod
    def eval(cls, z):
        if z.is_zero:
            return S.Zero
        if z.is_Float:
            return z / (1 + sp.exp(-z))
        return None

    def _as_sympy(self):
        z = self.args[0]
        return z / (1 + sp.exp(-z))

    def _eval_evalf(self, prec):
        return self._as_sympy()._eval_evalf(prec)

    def _latex(self, printer, exp=None):
        return _wrap(printer, r"\operatorname{swish}", self, exp)

    def _numpycode(self, printer):
        z = _arg(printer, self)
        return f"({z})*{printer._module_format('scipy.special.expit')}({z})"

    def _jaxcode(self, printer):
        return f"{printer._module_format('jax.nn.silu')}({_arg(printer, self)})"

    def _numbacode(self, printer):
        z = _arg(printer, self)
        return f"({z})*{_scalar_sigmoid(printer, z)}"


class gelu(_Elementwise):
    r"""Gaussian error linear unit $z\,\Phi(z) = \tfrac{z}{2}\bigl(1 + \operatorname{erf}(z/\sqrt2)\bigr)$;
    its derivative is $\Phi(z) + z\,\varphi(z)$."""

    def fdiff(self, argindex=1):
        """The derivative, in textbook form."""
        z = self.args[0]
        return (1 + sp.erf(z / sp.sqrt(2))) / 2 + z * sp.exp(-z**2 / 2) / sp.sqrt(2 * sp.pi)

    @classmethod
    def eval(cls, z):
        if z.is_zero:
            return S.Zero
        if z.is_Float:
            return z * (1 + sp.erf(z / sp.sqrt(2))) / 2
        return None

    def _as_sympy(self):
        z = self.args[0]
        return z * (1 + sp.erf(z / sp.sqrt(2))) / 2

    def _eval_rewrite_as_erf(self, z, **kwargs):
        return self._as_sympy()

    def _eval_evalf(self, prec):
        return self._as_sympy()._eval_evalf(prec)

    def _latex(self, printer, exp=None):
        return _wrap(printer, r"\operatorname{GELU}", self, exp)

    def _numpycode(self, printer):
        z = _arg(printer, self)
        erf = printer._module_format("scipy.special.erf")
        return f"0.5*({z})*(1.0 + {erf}(({z})*0.7071067811865476))"

    def _jaxcode(self, printer):
        z = _arg(printer, self)
        return f"{printer._module_format('jax.nn.gelu')}({z}, approximate=False)"

    def _numbacode(self, printer):
        z = _arg(printer, self)
        return f"0.5*({z})*(1.0 + {printer._module_format('math.erf')}(({z})*0.7071067811865476))"


class logsumexp(sp.Function):
    r"""$\operatorname{LSE}(z) = \log \sum_i e^{z_i}$; its partial derivative in $z_i$ is the
    softmax $e^{z_i - \operatorname{LSE}(z)}$."""

    def fdiff(self, argindex=1):
        """The derivative, in textbook form."""
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

    def _as_sympy(self):
        return sp.log(sp.Add(*[sp.exp(v) for v in self.args]))

    def _eval_rewrite_as_log(self, *z, **kwargs):
        return sp.log(sp.Add(*[sp.exp(v) for v in z]))

    def _eval_rewrite_as_exp(self, *z, **kwargs):
        return sp.log(sp.Add(*[sp.exp(v) for v in z]))

    def _eval_evalf(self, prec):
        return self._as_sympy()._eval_evalf(prec)

    def _eval_is_real(self):
        return all(v.is_real for v in self.args) or None

    def _latex(self, printer, exp=None):
        return _wrap(printer, r"\operatorname{LSE}", self, exp)

    def _numpycode(self, printer):
        args = ", ".join(printer._print(a) for a in self.args)
        np_ = printer._module_format("numpy")
        return (f"{printer._module_format('scipy.special.logsumexp')}"
                f"({np_}.stack({np_}.broadcast_arrays({args})), axis=0)")

    def _jaxcode(self, printer):
        args = ", ".join(printer._print(a) for a in self.args)
        jnp = printer._module_format("jax.numpy")
        return (f"{printer._module_format('jax.scipy.special.logsumexp')}"
                f"({jnp}.stack({jnp}.broadcast_arrays({args})), axis=0)")

    def _numbacode(self, printer):
        args = [printer._print(a) for a in self.args]
        m = f"max({', '.join(args)})"
        e = printer._module_format("math.exp")
        return (f"({m} + {printer._module_format('math.log')}("
                + " + ".join(f"{e}({a} - {m})" for a in args) + "))")


class shifted(sp.Function):
    r"""$z - m$ computed as one step, for compiled code that must keep floating point's order.

    SymPy sorts the terms of a sum, so ``exp((z - m) - LSE)`` could be evaluated as
    ``(z - LSE) - m``, which for logits of 1e300 loses every digit. ``shifted(z, m)`` prints as
    the parenthesised ``(z - m)`` in every backend, so the shift is done first.
    """

    nargs = 2

    def fdiff(self, argindex=1):
        """1 with respect to ``z``, -1 with respect to ``m``."""
        return S.One if argindex == 1 else S.NegativeOne

    @classmethod
    def eval(cls, z, m):
        if z.is_number and m.is_number:
            return z - m
        return None

    def _as_sympy(self):
        return self.args[0] - self.args[1]

    def _eval_evalf(self, prec):
        return self._as_sympy()._eval_evalf(prec)

    def _eval_is_real(self):
        return (self.args[0].is_real and self.args[1].is_real) or None

    def _latex(self, printer, exp=None):
        return f"\\left({printer._print(self._as_sympy())}\\right)"

    def _code(self, printer):
        return f"({printer._print(self.args[0])} - {printer._print(self.args[1])})"

    _numpycode = _jaxcode = _numbacode = _code


_GENERIC: dict[str, type[sp.Function]] = {}


def generic_activation(name: str = "a") -> type[sp.Function]:
    r"""An undefined activation ``a(z)`` whose derivative prints as ``a'(z)``.

    The same name always gives the same class, so expressions built at different times compare
    equal. Its derivative is another undefined function, ``a'``, so derivatives stay free of
    SymPy's ``Subs`` blocks and read like a textbook: ``d/dw a(w*x) = x*a'(w*x)``.
    :func:`symbackprop.as_sympy` turns them into SymPy's own ``Function("a")`` and its
    ``Derivative``.

    Examples
    ========
    >>> import sympy as sp
    >>> a = generic_activation("a")
    >>> w, x = sp.symbols("w x", real=True)
    >>> sp.diff(a(w*x), w)
    x*a'(w*x)
    """
    if not isinstance(name, str):
        from .errors import InputTypeError
        raise InputTypeError(f"a generic activation's name is a str, not {type(name).__name__}")
    if name in _GENERIC:
        return _GENERIC[name]
    base = name.rstrip("'") if isinstance(name, str) else name
    check_name(base, "name of an activation")  # it is printed (LaTeX, code): a name only
    order = len(name) - len(base)

    def _prime_fdiff(self, argindex=1):
        return generic_activation(name + "'")(self.args[0])

    def _as_sympy(self):
        f = sp.Function(base)
        z = self.args[0]
        if order == 0:
            return f(z)
        if isinstance(z, sp.Symbol):  # as sympy.diff writes it
            return sp.Derivative(f(z), (z, order))
        xi = sp.Dummy("xi")
        return sp.Subs(sp.Derivative(f(xi), (xi, order)), xi, z)

    def _latex(self, printer, exp=None):
        return _wrap(printer, base + "'" * order, self, exp)

    def _no_code(self, printer):
        from .errors import NoNumericFormError
        raise NoNumericFormError(
            f"{name}(...) is a generic function with no numeric value, so it cannot be "
            "compiled or evaluated in floats; build the net with a concrete activation such "
            "as 'sigmoid'")

    cls = type(name, (sp.Function,), {
        "nargs": 1,
        "fdiff": _prime_fdiff,
        "__doc__": f"Generic (undefined) activation {name}(z); its derivative is {name}'(z).",
        "__module__": __name__,
        "_eval_is_real": lambda self: self.args[0].is_real,
        "_as_sympy": _as_sympy,
        "_latex": _latex,
        "_numpycode": _no_code,
        "_jaxcode": _no_code,
        "_numbacode": _no_code,
        "is_generic_activation": True,
    })
    _GENERIC[name] = cls
    return cls
