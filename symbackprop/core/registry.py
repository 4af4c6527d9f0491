r"""Activations and losses as data: one entry each, in one place.

An activation entry names a function ``z ↦ h`` (a SymPy function class from
:mod:`symbackprop.core.functions`, any SymPy function such as ``sympy.tanh``, or any callable
returning a SymPy expression). Everything else follows from it: the derivative (SymPy's
``diff``, which for the classes here is the textbook form), the LaTeX (the class's ``_latex``
or SymPy's printer), the stable NumPy/JAX/numba code (the class's ``_numpycode``, ... or
SymPy's code printers).

A loss entry names a function ``(outputs, targets) ↦ loss of one example``. Losses computed
from the logits (``bce``, ``softmax_ce``) also name the prediction they imply
(:math:`\hat y = \sigma(z)` or :math:`\operatorname{softmax}(z)`); their gradient with respect
to the logits is then the textbook :math:`\hat y - t` (for softmax cross-entropy
:math:`(\sum_k t_k)\,\hat y - t`: the loss is :math:`-\sum_j t_j \log \hat y_j` for any
targets, as in PyTorch, which is :math:`\hat y - t` for targets that sum to 1).

A loss can also give its *matrix form* (``matrix``, a :class:`MatrixLoss`): the same loss
written over a whole batch with row reductions (:mod:`symbackprop.core.rows`), each stable step
once. The compiled matrix path uses it (every built-in loss has one), so its code does not grow
with the number of outputs; without one the matrix path matches the loss output by output.

Adding one
==========
>>> import sympy as sp
>>> import symbackprop as sb
>>> sb.register_activation("cube", lambda z: z**3, "the cube z³ (for a lesson, not for use)")
>>> net = sb.mlp([1, 1, 1], activation="cube")
>>> net.definition("h1_1").expr
z1_1**3
>>> sb.ACTIVATIONS.unregister("cube")

A callable works without registering: ``sb.mlp([2, 2, 1], activation=lambda z: z*sb.sigmoid(z))``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from dataclasses import replace as replace_field
from typing import Generic, TypeVar

import sympy as sp

from .errors import (
    InputTypeError,
    InvalidValueError,
    LimitError,
    SymbackpropError,
    UnknownNameError,
)
from .functions import (
    ACTIVATION_TABLE,
    CLASSES,
    ActivationDef,
    elementwise,
    generic_activation,
    logsumexp,
    shifted,
    sigmoid,
    softplus,
)
from .names import canonical_name, check_name
from .rows import rowmax, rowsum
from .types import ActivationLike, LossLike

__all__ = [
    "ACTIVATIONS",
    "LOSSES",
    "Activation",
    "Loss",
    "MatrixLoss",
    "Registry",
    "activation_entry",
    "check_stable_forms",
    "loss_entry",
    "register_activation",
    "register_loss",
]

_Z = sp.Symbol("z", real=True)


@dataclass(frozen=True)
class Activation:
    """One activation: its name, the function ``z ↦ h`` and a one-line description."""

    name: str
    function: Callable[[sp.Expr], sp.Expr]
    description: str = ""

    def __call__(self, z: sp.Expr) -> sp.Expr:
        out = _call_user("activation", self.name, self.function, z)
        return _expression("activation", self.name, out)

    @property
    def is_identity(self) -> bool:
        """Whether ``h = z`` (then a network makes no activation node)."""
        return self(_Z) == _Z

    def derivative(self, z: sp.Expr = _Z) -> sp.Expr:
        """The derivative ``dh/dz`` as SymPy's ``diff`` gives it (textbook form for the
        classes of :mod:`symbackprop.core.functions`)."""
        return sp.diff(self(z), z)


@dataclass(frozen=True)
class MatrixLoss:
    r"""A loss over a whole batch, one row per example: what :attr:`Loss.matrix` returns.

    ``steps`` are ``(symbol, expression)`` pairs computed in this order, each once (a step
    may use the steps before it); ``loss`` is the loss of each example, a column (one row per
    example, reduced with :mod:`symbackprop.core.rows`); ``delta`` its gradient with respect
    to the matrix the loss reads (the logits ``Z`` for a loss on the logits, the outputs ``H``
    otherwise); ``prediction`` the predictions :math:`\hat y` of a loss on the logits.
    Compiled code renames the step symbols into its own namespace.
    """

    steps: tuple[tuple[sp.Symbol, sp.Expr], ...]
    loss: sp.Expr
    delta: sp.Expr
    prediction: sp.Expr | None = None


@dataclass(frozen=True)
class Loss:
    r"""One loss: ``function(outputs, targets)`` is the loss of one example.

    ``prediction`` is set for losses computed from the logits: it maps the logits to the
    predictions :math:`\hat y` (then ``output`` names that output function, e.g.
    ``"sigmoid"``). ``display(yhat, t)`` writes the loss in the predictions as a textbook does
    (for notes); it defaults to ``function``. ``symbol`` is the loss node's name.

    ``stable(outputs, targets)`` and ``stable_prediction(logits)``, where given, are the same
    functions written so that floating point keeps its precision (softmax cross-entropy shifts
    the logits by their largest value, so logits of 1e300 still give ln 3 for three equal
    ones); compiled code uses them, derivations and notes use ``function``.

    ``matrix(Y, T, m)``, where given, is the same loss over a whole batch (a
    :class:`MatrixLoss`): ``Y`` stands for the matrix the loss reads (the logits for a loss on
    the logits, else the outputs), ``T`` for the targets, one row per example and ``m``
    columns. The compiled matrix path uses it instead of matching ``function`` output by
    output.
    """

    name: str
    function: Callable[[Sequence[sp.Expr], Sequence[sp.Expr]], sp.Expr]
    description: str = ""
    prediction: Callable[[Sequence[sp.Expr]], list[sp.Expr]] | None = None
    output: str | None = None
    display: Callable[[Sequence[sp.Expr], Sequence[sp.Expr]], sp.Expr] | None = None
    symbol: str = "L"
    min_outputs: int = 1
    stable: Callable[[Sequence[sp.Expr], Sequence[sp.Expr]], sp.Expr] | None = None
    stable_prediction: Callable[[Sequence[sp.Expr]], list[sp.Expr]] | None = None
    matrix: Callable[[sp.Symbol, sp.Symbol, int], MatrixLoss] | None = None

    @property
    def from_logits(self) -> bool:
        """Whether the loss is computed from the last layer's pre-activations (logits)."""
        return self.prediction is not None

    def __call__(self, outputs: Sequence[sp.Expr], targets: Sequence[sp.Expr]) -> sp.Expr:
        out = _call_user("loss", self.name, self.function, list(outputs), list(targets))
        return _expression("loss", self.name, out)

    def predictions(self, logits: Sequence[sp.Expr]) -> list[sp.Expr]:
        """The predictions ŷ of the logits, one per logit (losses computed from the logits)."""
        if self.prediction is None:
            raise InvalidValueError(f"the loss {self.name!r} is not computed from the logits")
        out = _call_user("prediction of the loss", self.name, self.prediction, list(logits))
        if isinstance(out, (str, bytes)) or not isinstance(out, Sequence):
            raise InputTypeError(f"the prediction of the loss {self.name!r} must return a list "
                                 f"of expressions, one per logit; got {type(out).__name__}")
        if len(out) != len(logits):
            raise InvalidValueError(
                f"the prediction of the loss {self.name!r} returned {len(out)} expression(s) "
                f"for {len(logits)} logits; it must return one per logit")
        return [_expression("prediction of the loss", self.name, e) for e in out]

    def textbook(self, yhat: Sequence[sp.Expr], targets: Sequence[sp.Expr]) -> sp.Expr:
        """The loss written in the predictions and targets, for display."""
        return (self.display or self.function)(list(yhat), list(targets))


def _call_user(what: str, name: str, function: Callable, *args):
    """Call a user's function; its own exception is re-raised with what was being built."""
    try:
        return function(*args)
    except SymbackpropError:
        raise
    except RecursionError:
        raise LimitError(f"the {what} {name!r} recursed too deeply") from None
    except Exception as e:  # a user's function may raise anything: say which and where
        shown = ", ".join(_short(a) for a in args)
        raise InvalidValueError(f"the {what} {name!r} failed when called with ({shown}): "
                                f"{type(e).__name__}: {e}") from e


def _short(arg) -> str:
    text = str(arg)
    return text if len(text) <= 60 else text[:57] + "..."


def _expression(what: str, name: str, out) -> sp.Expr:
    """``out`` as a SymPy expression, or a clear error."""
    try:
        out = sp.sympify(out, strict=True)
    except sp.SympifyError:
        raise InputTypeError(f"the {what} {name!r} returned {type(out).__name__}, "
                             "not a SymPy expression") from None
    if not isinstance(out, sp.Expr):
        raise InputTypeError(f"the {what} {name!r} returned {out!r}, not an expression")
    return out


T = TypeVar("T", Activation, Loss)


class Registry(Mapping[str, T], Generic[T]):
    """Name -> entry, read like a dict; an unknown name lists the valid ones.

    With ``group``, the entries that installed packages declare under that entry-point group
    are added the first time the registry is read (once per process): an entry point names an
    :class:`Activation` or :class:`Loss`, or a plain function (``z -> h`` for an activation,
    ``(outputs, targets) -> loss`` for a loss), registered under the entry point's name. One
    that fails to load, or takes a name already given, is skipped with a warning.
    """

    def __init__(self, what: str, group: str | None = None):
        self.what = what
        self.group = group
        self._entries: dict[str, T] = {}
        self._loaded = group is None
        self.version = 0  # grows with every change (views of the registry rebuild then)

    @property
    def _all(self) -> dict[str, T]:
        if not self._loaded:
            self._loaded = True
            self._load_entry_points()
        return self._entries

    def _load_entry_points(self) -> None:
        import warnings
        from importlib.metadata import entry_points
        for ep in sorted(entry_points(group=self.group or ""), key=lambda e: e.name):
            try:
                obj = ep.load()
                if isinstance(obj, (Activation, Loss)):
                    entry = replace_field(obj, name=ep.name)
                elif callable(obj):
                    entry = (Activation if self.what == "activation" else Loss)(ep.name, obj)
                else:
                    raise InputTypeError(f"{ep.value} is {type(obj).__name__}, not an "
                                         f"{self.what} or a function")
                expected = Activation if self.what == "activation" else Loss
                if not isinstance(entry, expected):
                    raise InputTypeError(f"{ep.value} is a {type(obj).__name__}, not an "
                                         f"{self.what}")
                self.register(entry)  # type: ignore[arg-type]  # checked just above
            except Exception as e:  # noqa: BLE001 - a broken plug-in must not break the package
                warnings.warn(f"symbackprop: the {self.what} {ep.name!r} from the entry point "
                              f"group {self.group!r} ({ep.value}) was not registered: {e}",
                              RuntimeWarning, stacklevel=2)

    def __getitem__(self, name: str) -> T:
        try:
            return self._all[canonical_name(name)]
        except (KeyError, TypeError):
            raise UnknownNameError(self.what, name, self._entries) from None

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and canonical_name(name) in self._all

    def get(self, name: str, default=None):
        """The entry of a name, or ``default``."""
        return self._all.get(canonical_name(name), default) if isinstance(name, str) \
            else default

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._all))

    def __len__(self) -> int:
        return len(self._all)

    def __repr__(self) -> str:
        return f"<{self.what} registry: {', '.join(self)}>"

    def register(self, entry: T, replace: bool = False, _checked: bool = False) -> T:
        """Add an entry under its name's normal form; an existing name needs ``replace=True``.

        A loss's symbol must be a valid name, and its stable forms must give the values of its
        functions (checked at a few points, see :func:`check_stable_forms`). The built-in
        entries pass ``_checked``: the test suite checks them, so importing the package does
        not evaluate them again (it took 0.1 s).
        """
        if not isinstance(replace, bool):
            raise InputTypeError(f"replace must be True or False, not {replace!r}")
        entry = replace_field(entry, name=check_name(entry.name, self.what + " name"))
        if isinstance(entry, Loss):
            entry = replace_field(entry, symbol=check_name(entry.symbol, "loss symbol"))
            if not _checked:
                check_stable_forms(entry)
        if entry.name in self._entries and not replace:
            raise InvalidValueError(f"the {self.what} {entry.name!r} exists; pass replace=True "
                                    "to replace it")
        self._entries[entry.name] = entry
        self.version += 1
        return entry

    def unregister(self, name: str) -> None:
        """Remove an entry added by a user."""
        self[name]
        del self._entries[name]
        self.version += 1


ACTIVATIONS: Registry[Activation] = Registry("activation", group="symbackprop.activations")
"""Every named activation (read-only use: ``"tanh" in ACTIVATIONS``, ``ACTIVATIONS["tanh"]``)."""

LOSSES: Registry[Loss] = Registry("loss", group="symbackprop.losses")
"""Every named loss."""


def register_activation(name: str | ActivationDef,
                        function: Callable[[sp.Expr], sp.Expr] | None = None,
                        description: str = "", replace: bool = False) -> None:
    """Add a named activation (see the module docstring for an example).

    ``name`` may also be a whole table row, an :class:`~symbackprop.core.functions.ActivationDef`
    (definition, textbook derivative, LaTeX name): its SymPy function class is made from it,
    as for the built-in activations, and its derivative prints in textbook form.
    """
    if isinstance(name, ActivationDef):
        if function is not None:
            raise InputTypeError("give a table row (ActivationDef) or a name and a function, "
                                 "not both")
        row = name
        ACTIVATIONS.register(Activation(row.name, elementwise(row), row.description),
                             replace=replace)
        return
    if not callable(function):
        raise InputTypeError(f"the activation {name!r} must be callable: z -> SymPy expression")
    if not isinstance(description, str):
        raise InputTypeError(f"a description is a str, not {type(description).__name__}")
    ACTIVATIONS.register(Activation(name, function, description), replace=replace)


def register_loss(name: str, function: Callable[[Sequence[sp.Expr], Sequence[sp.Expr]], sp.Expr],
                  description: str = "", replace: bool = False, **options) -> None:
    """Add a named loss ``function(outputs, targets) -> expression`` (options: see :class:`Loss`)."""
    if not callable(function):
        raise InputTypeError(f"the loss {name!r} must be callable: (outputs, targets) -> "
                             "SymPy expression")
    valid = [f.name for f in fields(Loss) if f.name not in ("name", "function", "description")]
    for key, value in options.items():
        if key not in valid:
            raise UnknownNameError("loss option", key, valid)
        if key in ("prediction", "display", "stable", "stable_prediction") \
                and value is not None and not callable(value):
            raise InputTypeError(f"the loss option {key} must be callable, "
                                 f"not {type(value).__name__}")
    if "min_outputs" in options:
        n = options["min_outputs"]
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise InvalidValueError(f"min_outputs must be a positive integer, not {n!r}")
    if options.get("output") is not None and not isinstance(options["output"], str):
        raise InputTypeError("the loss option output names the prediction's function (a str)")
    if options.get("stable_prediction") is not None and options.get("prediction") is None:
        raise InvalidValueError("stable_prediction needs prediction (the function it "
                                "computes in floating point)")
    if not isinstance(description, str):
        raise InputTypeError(f"a description is a str, not {type(description).__name__}")
    LOSSES.register(Loss(name, function, description, **options), replace=replace)


_CHECK_LOGITS = (sp.Rational(7, 10), sp.Rational(-13, 10), sp.Rational(21, 10), sp.Rational(-2, 5))
_CHECK_TARGETS = ((sp.Rational(3, 5), sp.Rational(3, 10), sp.S.One, sp.Rational(1, 4)),
                  (sp.S.One, sp.S.Zero, sp.S.Zero, sp.S.Zero),
                  (sp.S.One, sp.S.One, sp.S.Zero, sp.S.One))


def check_stable_forms(entry: Loss) -> None:
    """Raise unless ``entry.stable`` and ``entry.stable_prediction`` give the values of
    ``entry.function`` and ``entry.prediction`` at a few points.

    Compiled code uses the stable forms and derivations use the functions, so a stable form
    that computes something else would make the compiled loss silently differ from the
    derived one. The points have 1 to 4 outputs (from ``min_outputs``) and targets that do
    not sum to 1 as well as one-hot ones; values are compared to 12 digits.
    """
    if entry.stable is None and entry.stable_prediction is None:
        return
    for n in sorted({max(entry.min_outputs, 1), max(entry.min_outputs, 2), 4}):
        z = [sp.Symbol(f"z{j}", real=True) for j in range(1, n + 1)]
        t = [sp.Symbol(f"t{j}", real=True) for j in range(1, n + 1)]
        for targets in _CHECK_TARGETS:
            point = dict(zip(z, _CHECK_LOGITS, strict=False))
            point.update(zip(t, targets, strict=False))
            pairs = []
            if entry.stable is not None:
                pairs.append(("stable", "function", entry.stable(z, t), entry.function(z, t)))
            if entry.stable_prediction is not None:
                got = entry.stable_prediction(z)
                want = entry.predictions(z)
                if len(got) != len(want):
                    raise InvalidValueError(
                        f"the loss {entry.name!r}: stable_prediction returned {len(got)} "
                        f"expression(s) for {n} logits; prediction returned {len(want)}")
                pairs += [("stable_prediction", "prediction", g, w)
                          for g, w in zip(got, want, strict=True)]
            for name, of, fast, exact in pairs:
                a, b = (_value(e, point) for e in (fast, exact))
                if a is None or b is None:
                    raise InvalidValueError(
                        f"the loss {entry.name!r}: its {name} form cannot be checked against "
                        f"its {of} (no numeric value at {_fmt_point(point)})")
                if abs(a - b) > 1e-12 * max(1.0, abs(b)):
                    raise InvalidValueError(
                        f"the loss {entry.name!r}: its {name} form gives {a:.12g} where its "
                        f"{of} gives {b:.12g} at {_fmt_point(point)}; a stable form must "
                        "compute the same value (compiled code uses it)")


def _value(expr, point) -> float | None:
    try:
        v = sp.sympify(expr).xreplace(point).evalf(30)
    except (TypeError, ValueError, ArithmeticError):
        return None
    return float(v) if v.is_real and v.is_finite and v.is_number else None


def _fmt_point(point) -> str:
    return ", ".join(f"{k} = {v}" for k, v in point.items())


def activation_entry(activation: ActivationLike | Activation) -> Activation:
    """The entry for a name, an :class:`Activation`, or a callable ``z -> expression``."""
    if isinstance(activation, Activation):
        return activation
    if isinstance(activation, str):
        return ACTIVATIONS[activation]
    if callable(activation):
        name = getattr(activation, "__name__", "custom")
        if not name.isidentifier():
            name = "custom"
        return Activation(name, activation, "a user-given function")
    raise InputTypeError(f"an activation is a name ({', '.join(ACTIVATIONS)}) or a callable, "
                         f"not {type(activation).__name__}")


def loss_entry(loss: LossLike | Loss) -> Loss:
    """The entry for a name, a :class:`Loss`, or a callable ``(outputs, targets) -> expression``."""
    if isinstance(loss, Loss):
        return loss
    if isinstance(loss, str):
        return LOSSES[loss]
    if callable(loss):
        name = getattr(loss, "__name__", "custom")
        if not name.isidentifier():
            name = "custom"
        return Loss(name, loss, "a user-given loss")
    raise InputTypeError(f"a loss is a name ({', '.join(LOSSES)}) or a callable, "
                         f"not {type(loss).__name__}")


# ---- the built-in entries ----------------------------------------------------------------------

_ROWS = {row.name: row for row in ACTIVATION_TABLE}
for _entry in (
    Activation("a", generic_activation("a"), "a generic activation a(·): prints a(z), a'(z)"),
    Activation("sigmoid", CLASSES["sigmoid"], _ROWS["sigmoid"].description),
    Activation("tanh", sp.tanh, "the hyperbolic tangent"),
    Activation("relu", CLASSES["relu"], _ROWS["relu"].description),
    Activation("identity", lambda z: z, "the identity (a linear layer)"),
    *(Activation(row.name, CLASSES[row.name], row.description) for row in ACTIVATION_TABLE
      if row.name not in ("sigmoid", "relu")),  # every other row of the table, in its order
):
    ACTIVATIONS.register(_entry)


def _sum(terms) -> sp.Expr:
    return sp.Add(*terms)


def _half_se(y, t):
    return sp.Rational(1, 2) * _sum((tj - yj) ** 2 for yj, tj in zip(y, t, strict=False))


def _mse(y, t):
    return sp.Rational(1, len(y)) * _sum((tj - yj) ** 2 for yj, tj in zip(y, t, strict=False))


def _bce_logits(z, t):
    return _sum(softplus(zj) - tj * zj for zj, tj in zip(z, t, strict=False))


def _bce_display(y, t):
    return -_sum(tj * sp.log(yj) + (1 - tj) * sp.log(1 - yj) for yj, tj in zip(y, t, strict=False))


def _softmax_ce_logits(z, t):
    # -sum_j t_j log softmax_j(z) = -sum_j t_j (z_j - LSE(z)) = (sum_j t_j) LSE(z) - sum_j t_j z_j,
    # for any targets (PyTorch's meaning: they need not sum to 1)
    return _sum(t) * logsumexp(*z) - _sum(tj * zj for zj, tj in zip(z, t, strict=False))


def _softmax_ce_display(y, t):
    return -_sum(tj * sp.log(yj) for yj, tj in zip(y, t, strict=False))


def _softmax(z):
    lse = logsumexp(*z)
    return [sp.exp(zj - lse) for zj in z]


def _softmax_ce_stable(z, t):
    # the same value with every logit shifted by the largest, s_j = z_j - m:
    # (sum t) LSE(s) - sum t_j s_j = (sum t)(LSE(z) - m) - sum t_j z_j + m sum t, exactly the
    # function for any targets; no term in m is left to cancel
    m = sp.Max(*z, evaluate=False)  # no pairwise comparison of hundreds of logits
    s = [shifted(zj, m) for zj in z]
    return _sum(t) * logsumexp(*s) - _sum(tj * sj for sj, tj in zip(s, t, strict=True))


def _softmax_stable(z):
    m = sp.Max(*z, evaluate=False)  # no pairwise comparison of hundreds of logits
    s = [shifted(zj, m) for zj in z]
    lse = logsumexp(*s)
    return [sp.exp(sj - lse) for sj in s]


def _softmax_ce_matrix(Z, T, m):
    # each stable step once: the row's largest logit, the shifted logits, their exponentials
    # and log-sum-exp; the shifted logits are at most 0 and one of them is 0, so the sum of
    # their exponentials lies in [1, m] and its log needs no second shift
    top, S, ES, Q, lse, P, total = sp.symbols(
        "max shifted exp_shifted sum_exp lse softmax sum_t", real=True)
    steps = ((top, rowmax(Z)), (S, Z - top), (ES, sp.exp(S)), (Q, rowsum(ES)), (lse, sp.log(Q)),
             (P, ES / Q), (total, rowsum(T)))
    return MatrixLoss(steps, total * lse - rowsum(T * S), total * P - T, P)


def _bce_matrix(Z, T, m):
    P = sp.Symbol("sigmoid", real=True)
    return MatrixLoss(((P, sigmoid(Z)),), rowsum(softplus(Z) - T * Z), P - T, P)


def _half_se_matrix(H, T, m):
    R = sp.Symbol("residual", real=True)
    return MatrixLoss(((R, H - T),), rowsum(R**2) / 2, R)


def _mse_matrix(H, T, m):
    R = sp.Symbol("residual", real=True)
    return MatrixLoss(((R, H - T),), rowsum(R**2) / m, 2 * R / m)


def _huber(y, t, delta=sp.S.One):
    out = []
    for yj, tj in zip(y, t, strict=False):
        r = tj - yj
        out.append(sp.Piecewise((r**2 / 2, sp.Abs(r) <= delta),
                                (delta * (sp.Abs(r) - delta / 2), True)))
    return _sum(out)


def _huber_matrix(H, T, m):
    R = sp.Symbol("residual", real=True)  # t - y, as in the function
    r = sp.Dummy("r", real=True)
    each = _huber([sp.S.Zero], [r])
    return MatrixLoss(((R, T - H),), rowsum(each.xreplace({r: R})),
                      -sp.diff(each, r).xreplace({r: R}))


for _loss in (
    Loss("half_se", _half_se, "E = ½ Σ_j (t_j − ŷ_j)², the lecture notes' loss", symbol="E",
         matrix=_half_se_matrix),
    Loss("mse", _mse, "the mean over outputs (1/m) Σ_j (t_j − ŷ_j)²", matrix=_mse_matrix),
    Loss("bce", _bce_logits, "binary cross-entropy −[t log ŷ + (1 − t) log(1 − ŷ)], "
         "ŷ = σ(z), computed from the logit z", prediction=lambda z: [sigmoid(zj) for zj in z],
         output="sigmoid", display=_bce_display, matrix=_bce_matrix),
    Loss("softmax_ce", _softmax_ce_logits, "softmax cross-entropy −Σ_j t_j log ŷ_j, "
         "ŷ = softmax(z), computed from the logits (any targets; for targets that sum to 1 "
         "∂L/∂z = ŷ − t)", prediction=_softmax,
         output="softmax", display=_softmax_ce_display, min_outputs=2,
         stable=_softmax_ce_stable, stable_prediction=_softmax_stable,
         matrix=_softmax_ce_matrix),
    Loss("huber", _huber, "Huber loss with δ = 1: ½r² for |r| ≤ 1, else |r| − ½ (r = t − ŷ)",
         matrix=_huber_matrix),
):
    LOSSES.register(_loss, _checked=True)  # tests/test_reliability_registry.py checks them
