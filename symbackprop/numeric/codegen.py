"""Code generation: a backend is a SymPy code printer plus the namespace it asks for.

The printers are SymPy's own (``SciPyPrinter`` for NumPy, ``JaxPrinter`` for JAX,
``PythonCodePrinter`` for scalar numba code). symbackprop's functions print their stable forms
from the backends' table (:mod:`symbackprop.numeric.stable`), or their SymPy definition where
a backend has none; every module a printed
name needs is recorded by the printer (``module_imports``), and the namespace the generated
code runs in is built from that record, so whatever prints also runs. A function with no
numeric form raises :class:`~symbackprop.NoNumericFormError` naming it.

Like :func:`sympy.lambdify`, compiled functions are made with ``exec`` on the generated source;
the source is built only from the graph's own symbols and SymPy's printers, never from user
text, and ``f.source`` shows it.

Examples
========
>>> import sympy as sp, symbackprop as sb
>>> print(numpy_source(sb.softplus(sp.Symbol("z"))))
numpy.logaddexp(0.0, z)
>>> print(numpy_source(sp.erf(sp.Symbol("lambda"))))
scipy.special.erf(_v_lambda)
"""

from __future__ import annotations

import builtins
import importlib
import keyword

import sympy as sp
from sympy.codegen.ast import Assignment, CodeBlock
from sympy.core.function import AppliedUndef
from sympy.printing.codeprinter import PrintMethodNotImplementedError
from sympy.printing.numpy import JaxPrinter, SciPyPrinter
from sympy.printing.pycode import PythonCodePrinter

from ..core.errors import NoNumericFormError
from .stable import stable_form

__all__ = ["CodeNames", "Elementwise", "JaxCodePrinter", "NumPyCodePrinter", "NumbaCodePrinter",
           "code_name", "numpy_source"]

_MODULES = frozenset({"numpy", "scipy", "math", "functools", "jax", "numba", "mpmath", "cmath",
                      "symbackprop", "operator"})
_RESERVED = frozenset(dir(builtins)) | _MODULES


def code_name(s: sp.Symbol) -> str:
    """The identifier of a symbol in generated code.

    User names are kept, except those Python or the generated code already uses (keywords,
    builtins, module names), which become ``_v_<name>``. The program's own variables keep the
    names the printed program gives them (``delta_z1_1``, ``dL_dw1_11``), which never equal a
    symbol of the graph (:func:`~symbackprop.derive.program.delta_symbol`). User names never
    start with ``_``, so no user name can reach a generated one.
    """
    if s.name in _RESERVED or keyword.iskeyword(s.name):
        return f"_v_{s.name}"
    return s.name


CHUNK = 32
"""Sums and products with more terms than this print as a balanced tree of chunks."""


def _balanced(printer, op, args, sign: str) -> str:
    if len(args) <= CHUNK:
        return f"({printer._print(op(*args, evaluate=False))})"
    mid = len(args) // 2
    return (f"({_balanced(printer, op, args[:mid], sign)} {sign} "
            f"{_balanced(printer, op, args[mid:], sign)})")


class CodeNames:
    """Printing rules shared by every backend printer."""

    def _print_Symbol(self, expr):
        return code_name(expr)

    def _print_ProgramSymbol(self, expr):
        return code_name(expr)

    backend_name = ""

    def _print_Function(self, expr):
        # symbackprop's functions: the backend's stable form (numeric/stable.py), or else the
        # function's own SymPy definition, so a registered activation needs no code of its own
        form = stable_form(type(expr), self.backend_name)
        if form is not None:
            return form(self, [self._print(a) for a in expr.args])
        if getattr(expr, "is_generic_activation", False):
            raise NoNumericFormError(
                f"{type(expr).__name__}(...) is a generic function with no numeric value, so "
                "it cannot be compiled or evaluated in floats; build the net with a concrete "
                "activation such as 'sigmoid'")
        if hasattr(expr, "_as_sympy"):
            return self._print(expr._as_sympy())
        if isinstance(expr, AppliedUndef):
            raise NoNumericFormError(
                f"{type(expr).__name__}(...) is an undefined function with no numeric value, so "
                "it cannot be compiled; define it, e.g. with a registered activation")
        return super()._print_Function(expr)

    def _print_Subs(self, expr):
        raise NoNumericFormError(f"{expr} has no numeric value (a derivative of an undefined "
                                 "function), so it cannot be compiled")

    def _print_Derivative(self, expr):
        raise NoNumericFormError(f"the unevaluated derivative {expr} cannot be compiled")

    def _print_Assignment(self, expr):
        return f"{self._print(expr.lhs)} = {self._print(expr.rhs)}"

    def number(self, value) -> str:
        """A number as a value of the generated code (PyTorch's printer makes it a tensor)."""
        return repr(float(value))

    # Python's own compiler recurses once per operator of a flat ``a + b + c + ...``, so a
    # sum of thousands of terms (the gradient of x in a long chain) cannot be compiled as one
    # line. Long sums and products print as a balanced tree of short chunks: depth ~ log n.
    def _print_Add(self, expr, order=None):
        if len(expr.args) <= CHUNK:
            return super()._print_Add(expr, order=order)
        return _balanced(self, sp.Add, expr.args, "+")

    def _as_ordered_terms(self, expr, order=None):
        # a positive term first: t - h, not -h + t (one array operation fewer, same bits)
        terms = list(super()._as_ordered_terms(expr, order=order))
        if terms and terms[0].could_extract_minus_sign():
            first = next((t for t in terms if not t.could_extract_minus_sign()), None)
            if first is not None:
                terms.remove(first)
                terms.insert(0, first)
        return terms

    def _print_Mul(self, expr):
        if len(expr.args) <= CHUNK:
            return super()._print_Mul(expr)
        return _balanced(self, sp.Mul, expr.args, "*")

    def _print_DiracDelta(self, expr):
        # the derivative of a step: 0 everywhere except at the step itself
        return "0.0"


class Elementwise:
    """Array code, element by element: ``a & b`` as ``logical_and(a, b)``, which broadcasts a
    parameter (a scalar) against a data column (SymPy's printers write
    ``logical_and.reduce((a, b))``, which cannot stack a scalar with a vector)."""

    def _fold(self, fn, args, each=None):  # untyped: a mixin of SymPy's printers
        """``fn(fn(a, b), c)``...: a binary function of the module over every argument, each
        printed by ``each`` (the printer's own ``_print`` by default)."""
        each = each or self._print
        name = self._module_format(fn if "." in fn else f"{self._module}.{fn}")
        out = each(args[0])
        for a in args[1:]:
            out = f"{name}({out}, {each(a)})"
        return out

    def _print_And(self, expr):
        return self._fold("logical_and", expr.args)

    def _print_Or(self, expr):
        return self._fold("logical_or", expr.args)


class NumPyCodePrinter(CodeNames, Elementwise, SciPyPrinter):
    """Vectorised NumPy/SciPy code."""

    backend_name = "numpy"

    def __init__(self, settings=None):
        super().__init__({"fully_qualified_modules": True, "allow_unknown_functions": False,
                          **(settings or {})})

    def _print_Heaviside(self, expr):
        h0 = expr.args[1] if len(expr.args) > 1 else sp.S.Half
        return (f"{self._module_format('numpy.heaviside')}({self._print(expr.args[0])}, "
                f"{float(h0)!r})")


class JaxCodePrinter(CodeNames, Elementwise, JaxPrinter):
    """Pure ``jax.numpy`` code."""

    backend_name = "jax"

    def __init__(self, settings=None):
        super().__init__({"fully_qualified_modules": True, "allow_unknown_functions": False,
                          **(settings or {})})

    def _print_erf(self, expr):
        return f"{self._module_format('jax.scipy.special.erf')}({self._print(expr.args[0])})"

    def _print_erfc(self, expr):
        return f"{self._module_format('jax.scipy.special.erfc')}({self._print(expr.args[0])})"

    def _print_Heaviside(self, expr):
        h0 = expr.args[1] if len(expr.args) > 1 else sp.S.Half
        return (f"{self._module_format('jax.numpy.heaviside')}({self._print(expr.args[0])}, "
                f"{float(h0)!r})")


class NumbaCodePrinter(CodeNames, PythonCodePrinter):
    """Scalar Python code (``math``) that numba compiles."""

    backend_name = "numba"

    def __init__(self, settings=None):
        super().__init__({"fully_qualified_modules": True, "allow_unknown_functions": False,
                          **(settings or {})})

    def _print_Heaviside(self, expr):
        z = self._print(expr.args[0])
        h0 = expr.args[1] if len(expr.args) > 1 else sp.S.Half
        return f"(1.0 if ({z}) > 0 else ({float(h0)!r} if ({z}) == 0 else 0.0))"


def doprint(printer, expr) -> str:
    """Print one expression, turning SymPy's 'unsupported' into a clear error."""
    try:
        return printer.doprint(expr)
    except PrintMethodNotImplementedError as e:
        what = str(e).split(":")[-1].split("\n")[0].strip()
        raise NoNumericFormError(f"{what} has no numeric form in the "
                                 f"{type(printer).__name__.replace('CodePrinter', '')} backend, "
                                 "so it cannot be compiled") from None


WIDTH = 100
"""Longest line of generated code; a longer assignment is broken inside parentheses."""


def assignments(printer, pairs, indent: str = "    ") -> list[str]:
    """``lhs = rhs`` lines for (Symbol, expression) pairs, printed as one SymPy ``CodeBlock``;
    a line longer than :data:`WIDTH` is broken before its ``+`` and ``-`` (or after commas)."""
    pairs = list(pairs)
    if not pairs:
        return []
    block = CodeBlock(*[Assignment(lhs, rhs) for lhs, rhs in pairs])
    text = doprint(printer, block)
    out = []
    for ln in text.splitlines():
        out += wrap(indent + ln)
    return out


def wrap(line: str, width: int = WIDTH) -> list[str]:
    """An assignment line of generated code as lines of at most ``width`` characters where it
    can: the right-hand side in parentheses, broken at spaces before ``+``/``-`` or after a
    comma (inside brackets Python joins the lines)."""
    if len(line) <= width or " = " not in line:
        return [line]
    lhs, rhs = line.split(" = ", 1)
    cont = " " * (len(lhs) - len(lhs.lstrip()) + 8)
    breaks = [i for i in range(1, len(rhs)) if rhs[i] == " " and (
        rhs[i + 1:i + 3] in ("+ ", "- ") or rhs[i - 1] == ",")]
    lines, start, current = [], 0, f"{lhs} = ("
    for i in [*breaks, len(rhs)]:
        piece = rhs[start:i]
        if len(current) + len(piece) > width and current.strip() and current != f"{lhs} = (":
            lines.append(current.rstrip())
            current = cont + piece.lstrip()
        else:
            current += piece
        start = i
    lines.append(current.rstrip() + ")")
    return lines


def namespace(printer, extra: dict | None = None) -> dict:
    """The globals generated code runs with: every module the printer recorded, imported."""
    ns: dict = {}
    for module in sorted(printer.module_imports):
        importlib.import_module(module)
        top = module.split(".")[0]
        ns[top] = importlib.import_module(top)
    ns["numpy"] = importlib.import_module("numpy")
    ns.update(extra or {})
    return ns


def build(source: str, name: str, ns: dict):
    """Execute generated source in ``ns`` and return the function called ``name``."""
    code = builtins.compile(source, f"<symbackprop-generated {name}>", "exec")
    exec(code, ns)  # noqa: S102 - generated from the graph's symbols and SymPy's printers only
    return ns[name]


def numpy_source(expr: sp.Expr) -> str:
    """NumPy source for one expression, with the stable forms used by compiled code."""
    return doprint(NumPyCodePrinter(), expr)
