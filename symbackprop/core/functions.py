r"""Activation and loss building blocks as SymPy functions, each one complete in its class.

The activations are rows of one table, :data:`ACTIVATION_TABLE` (an :class:`ActivationDef`
each: definition, textbook derivative, LaTeX name); their classes are made from it, and the
registry, the text format and the package's exports come from the registry. Every class
carries what the core needs from it:

* ``fdiff``: its derivative in textbook form, often in its own output
  (``sigmoid(z).diff(z) == sigmoid(z)*(1 - sigmoid(z))``), which keeps the chain rule readable;
* ``eval`` and ``_eval_evalf``: exact values stay exact (``sigmoid(0) == 1/2``), floats give floats;
* ``_latex``: how it is typeset (:math:`\sigma`, :math:`\operatorname{ReLU}`, ...);
* its numerically stable form for each backend is kept by the backends, in
  :mod:`symbackprop.numeric.stable` (``scipy.special.expit``, ``jax.nn.sigmoid``, a branch on
  the sign for scalar code); a function without one compiles from its definition;
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

from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp
from sympy import S

from .names import check_name

__all__ = [
    "ACTIVATION_TABLE",
    "CLASSES",
    "LEAKY_SLOPE",
    "ActivationDef",
    "elementwise",
    "function_latex",
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


class _Elementwise(sp.Function):
    """A real function of one real argument."""

    nargs = 1

    def _eval_is_real(self):
        return self.args[0].is_real

    def _eval_is_finite(self):
        return self.args[0].is_finite


@dataclass(frozen=True)
class ActivationDef:
    r"""One row of the activation table: everything the core knows of an activation.

    ``definition(z)`` is the function in plain SymPy; ``derivative(z, a)`` its derivative as a
    textbook writes it, where ``a`` stands for the activation's own value :math:`a(z)`
    (sigmoid: :math:`a(1-a)`), which keeps the chain rule readable; ``latex`` the name it is
    typeset with; ``simplify(z)`` an optional exact shortcut for symbolic arguments (ReLU of
    a nonnegative ``z`` is ``z``). How each backend computes it stably is kept by the backends
    (:mod:`symbackprop.numeric.stable`); without an entry there, code is printed from the
    definition.
    """

    name: str
    definition: Callable[[sp.Expr], sp.Expr]
    derivative: Callable[[sp.Expr, sp.Expr], sp.Expr]
    latex: str
    description: str = ""
    simplify: Callable[[sp.Expr], sp.Expr | None] | None = None
    positive: bool = False  # a(z) > 0 for every real z
    nonnegative: bool = False


def elementwise(row: ActivationDef) -> type[sp.Function]:
    """The SymPy function class of one table row (see :class:`ActivationDef`)."""

    def fdiff(self, argindex=1):
        """The derivative, in textbook form (from the table row)."""
        return row.derivative(self.args[0], self)

    def eval(cls, z):
        if z.is_Number:  # numbers: exact values stay exact, floats give floats
            return row.definition(z)
        return row.simplify(z) if row.simplify is not None else None

    def _as_sympy(self):
        return row.definition(self.args[0])

    def _eval_evalf(self, prec):
        return self._as_sympy()._eval_evalf(prec)

    def _latex(self, printer, exp=None):
        return _wrap(printer, row.latex, self, exp)

    def _rewrite(self, z, **kwargs):
        return row.definition(z)

    body = {
        "__doc__": f"{row.name}: {row.description}" if row.description else row.name,
        "__module__": __name__,
        "fdiff": fdiff,
        "eval": classmethod(eval),
        "_as_sympy": _as_sympy,
        "_eval_evalf": _eval_evalf,
        "_latex": _latex,
        "definition_of": row,
    }
    for target in ("exp", "log", "Max", "Piecewise", "erf"):  # f.rewrite(sp.exp), ...
        body[f"_eval_rewrite_as_{target}"] = _rewrite
    if row.positive:
        body["_eval_is_positive"] = lambda self: self.args[0].is_real
    elif row.nonnegative:
        body["_eval_is_nonnegative"] = lambda self: self.args[0].is_real
    return type(row.name, (_Elementwise,), body)


def _relu_simplify(z):
    if z.is_extended_nonnegative:
        return z
    if z.is_extended_nonpositive:
        return S.Zero
    return None


def _leaky(z):
    return sp.Piecewise((z, z > 0), (LEAKY_SLOPE * z, True))


def _logistic(z):
    return 1 / (1 + sp.exp(-z))


ACTIVATION_TABLE: tuple[ActivationDef, ...] = (
    ActivationDef("sigmoid", _logistic, lambda z, a: a * (1 - a), r"\sigma",
                  "the logistic σ(z) = 1/(1 + e^{-z})", positive=True),
    ActivationDef("relu", lambda z: sp.Max(0, z), lambda z, a: sp.Heaviside(z, 0),
                  r"\operatorname{ReLU}", "the rectifier max(0, z), with ReLU'(0) = 0",
                  simplify=_relu_simplify, nonnegative=True),
    ActivationDef("leaky_relu", _leaky, lambda z, a: sp.Piecewise((S.One, z > 0),
                                                                  (LEAKY_SLOPE, True)),
                  r"\operatorname{LReLU}", "z for z > 0, else z/100",
                  simplify=lambda z: z if z.is_extended_positive else None),
    ActivationDef("softplus", lambda z: sp.log(1 + sp.exp(z)), lambda z, a: CLASSES["sigmoid"](z),
                  r"\operatorname{softplus}", "log(1 + e^z), a smooth ReLU", positive=True),
    ActivationDef("swish", lambda z: z * _logistic(z), lambda z, a: a + CLASSES["sigmoid"](z) * (1 - a),
                  r"\operatorname{swish}", "z·σ(z) (also called SiLU)"),
    ActivationDef("gelu", lambda z: z * (1 + sp.erf(z / sp.sqrt(2))) / 2,
                  lambda z, a: (1 + sp.erf(z / sp.sqrt(2))) / 2
                  + z * sp.exp(-z**2 / 2) / sp.sqrt(2 * sp.pi),
                  r"\operatorname{GELU}", "z·Φ(z), Φ the standard normal CDF (exact, with erf)"),
)
"""The activations defined here, one row each (``tanh`` is SymPy's own, ``a`` the generic
one, ``identity`` the identity; the registry adds them)."""

def function_latex(name: str) -> str:
    """How a function of the table (or softmax, a loss's prediction) is named in LaTeX."""
    row = next((r for r in ACTIVATION_TABLE if r.name == name), None)
    if row is not None:
        return row.latex
    return f"\\operatorname{{{name}}}"


CLASSES: dict[str, type[sp.Function]] = {}
"""Name -> the SymPy function class made from its row of :data:`ACTIVATION_TABLE`."""


def _make(row: ActivationDef) -> type[sp.Function]:
    CLASSES[row.name] = cls = elementwise(row)
    return cls


# the names the package itself uses; every row is in CLASSES (and exported by the package)
sigmoid, relu, leaky_relu, softplus, swish, gelu = (_make(row) for row in ACTIVATION_TABLE)


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
    base = name.rstrip("'")
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

    cls = type(name, (sp.Function,), {
        "nargs": 1,
        "fdiff": _prime_fdiff,
        "__doc__": f"Generic (undefined) activation {name}(z); its derivative is {name}'(z).",
        "__module__": __name__,
        "_eval_is_real": lambda self: self.args[0].is_real,
        "_as_sympy": _as_sympy,
        "_latex": _latex,
        "is_generic_activation": True,
    })
    _GENERIC[name] = cls
    return cls
