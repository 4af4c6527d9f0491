"""The third reliability sweep, registry and user callables: E4 and E20.

Each test is named by its defect's number and sets its own time limit. A careless user's
activation or loss gets a ``SymbackpropError`` that says which function failed and why; a
registered entry is checked when it is registered, not when it is first used.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special
import sympy as sp

import symbackprop as sb
from symbackprop.core import registry


@pytest.fixture
def scratch():
    """Names registered by a test are removed after it."""
    before = {"act": set(sb.ACTIVATIONS), "loss": set(sb.LOSSES)}
    yield
    for name in set(sb.ACTIVATIONS) - before["act"]:
        sb.ACTIVATIONS.unregister(name)
    for name in set(sb.LOSSES) - before["loss"]:
        sb.LOSSES.unregister(name)


# ---- E4: constant, foreign or failing activations and losses -----------------------------------

@pytest.mark.timeout(60)
@pytest.mark.parametrize("constant", [0.5, 2, sp.S.Zero, sp.Rational(1, 3)])
def test_E4_a_constant_activation_is_refused(constant):
    with pytest.raises(sb.LayerSpecError, match="does not depend on its argument z"):
        sb.mlp([2, 2, 1], activation=lambda z: constant)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("constant", [1.0, 0, sp.S.Half])
def test_E4_a_constant_loss_is_refused(constant):
    with pytest.raises(sb.LayerSpecError, match="does not depend on the network's outputs"):
        sb.mlp([2, 2, 1], loss=lambda y, t: constant)


@pytest.mark.timeout(60)
def test_E4_a_symbol_outside_the_network_is_named():
    alpha = sp.Symbol("alpha", real=True)
    with pytest.raises(sb.UnknownVariableError, match=r"'alpha'.*used by the activation"):
        sb.mlp([2, 2, 1], activation=lambda z: alpha * z)
    with pytest.raises(sb.UnknownVariableError, match=r"'q'.*used by the loss"):
        sb.mlp([2, 1], loss=lambda y, t: (y[0] - t[0]) ** 2 * sp.Symbol("q"))


@pytest.mark.timeout(60)
@pytest.mark.parametrize(("kwargs", "message"), [
    ({"activation": lambda z: 1 / 0}, r"activation 'custom' failed .*ZeroDivisionError"),
    ({"activation": lambda z, w: z}, r"activation 'custom' failed .*TypeError"),
    ({"loss": lambda y, t: y[5]}, r"loss 'custom' failed .*IndexError: list index"),
    ({"loss": lambda y, t: {"a": 1}}, r"loss 'custom' returned .*not an expression"),
    ({"activation": lambda z: sp.Eq(z, 1)}, r"activation 'custom' returned .*not an expression"),
])
def test_E4_a_failing_callable_is_named_with_its_own_error(kwargs, message):
    with pytest.raises(sb.SymbackpropError, match=message) as info:
        sb.mlp([2, 2, 1], **kwargs)
    if "failed" in message:  # the user's own exception stays attached, for their traceback
        assert info.value.__cause__ is not None


@pytest.mark.timeout(60)
def test_E4_an_activation_using_the_networks_own_symbols_works():
    # x1 and a weight are symbols of the net: the activation gates by x1, a PReLU-like slope
    # on w1_11; the compiled gradient must equal SymPy's diff of the hand-written loss
    x1, w11 = sp.Symbol("x1", real=True), sp.Symbol("w1_11", real=True)
    net = sb.mlp([2, 1], activation=lambda z: z * x1 + w11 * z**2, loss="half_se")
    f = sb.compile(net, path="scalar")
    names = [p.name for p in f.params]
    theta = np.array([0.3, -0.7, 0.2])
    X, T = np.array([[0.5, -1.5]]), np.array([[0.25]])
    W = dict(zip(names, theta, strict=True))
    w = sp.symbols("w1 w2 b", real=True)
    z = w[0] * X[0, 0] + w[1] * X[0, 1] + w[2]
    L = sp.Rational(1, 2) * (T[0, 0] - (z * X[0, 0] + w[0] * z**2)) ** 2
    at = {w[0]: W["w1_11"], w[1]: W["w1_12"], w[2]: W["b1_1"]}
    want = [float(sp.diff(L, v).subs(at)) for v in w]
    loss, grad = f(theta, X, T)
    assert loss == pytest.approx(float(L.subs(at)), rel=1e-12)
    assert grad == pytest.approx(want, rel=1e-12)


# ---- E20: the registry ----------------------------------------------------------------------

@pytest.mark.timeout(60)
@pytest.mark.usefixtures("scratch")
def test_E20_names_are_stored_in_normal_form():
    sb.register_activation("ｃｕｂｅ", lambda z: z**3, "the cube")
    assert "cube" in sb.ACTIVATIONS and "ｃｕｂｅ" in sb.ACTIVATIONS
    assert sb.ACTIVATIONS["cube"].name == "cube"
    assert list(sb.ACTIVATIONS).count("cube") == 1
    net = sb.mlp([1, 1, 1], activation="cube")
    assert net.activation == "cube"
    with pytest.raises(sb.InvalidValueError, match="exists"):
        sb.register_activation("cube", lambda z: z**3)


@pytest.mark.timeout(60)
@pytest.mark.usefixtures("scratch")
@pytest.mark.parametrize("symbol", ["_L", "", "1L", "a b", 3])
def test_E20_a_bad_loss_symbol_is_refused_at_registration(symbol):
    with pytest.raises(sb.SymbackpropError, match="loss symbol"):
        sb.register_loss("sq", lambda y, t: (y[0] - t[0]) ** 2, symbol=symbol)
    assert "sq" not in sb.LOSSES


@pytest.mark.timeout(60)
@pytest.mark.usefixtures("scratch")
def test_E20_an_unknown_option_lists_the_valid_ones():
    with pytest.raises(sb.UnknownNameError, match=r"unknown loss option 'stabel'.*'stable'"):
        sb.register_loss("sq", lambda y, t: (y[0] - t[0]) ** 2, stabel=None)
    with pytest.raises(sb.InputTypeError, match="prediction must be callable"):
        sb.register_loss("sq", lambda y, t: y[0], prediction="sigmoid")
    with pytest.raises(sb.InvalidValueError, match="min_outputs"):
        sb.register_loss("sq", lambda y, t: y[0], min_outputs=0)
    with pytest.raises(sb.InputTypeError, match="replace"):
        sb.register_activation("sq", lambda z: z**2, "", "yes")


@pytest.mark.timeout(60)
@pytest.mark.usefixtures("scratch")
def test_E20_a_prediction_must_give_one_value_per_logit():
    sb.register_loss("first", lambda z, t: sum(sb.softplus(zj) - tj * zj for zj, tj in zip(z, t, strict=True)),
                     prediction=lambda z: [sb.sigmoid(z[0])], output="sigmoid")
    sb.mlp([2, 1], loss="first")  # one output: one prediction, as it should be
    with pytest.raises(sb.InvalidValueError, match=r"returned 1 expression\(s\) for 2 logits"):
        sb.mlp([2, 2], loss="first")


@pytest.mark.timeout(60)
@pytest.mark.usefixtures("scratch")
def test_E20_a_stable_form_must_compute_its_function():
    def sq(y, t):
        return sp.Add(*[(yj - tj) ** 2 for yj, tj in zip(y, t, strict=True)])

    with pytest.raises(sb.InvalidValueError, match=r"stable form gives 7 where its function"):
        sb.register_loss("sq", sq, stable=lambda y, t: sp.Float(7.0))
    assert "sq" not in sb.LOSSES
    # the form behind E1: softmax cross-entropy shifted with the wrong sign is caught, because
    # the check uses targets that do not sum to 1
    def wrong(z, t):
        m = sp.Max(*z, evaluate=False)
        s = [sb.core.functions.shifted(zj, m) for zj in z]
        return (sb.logsumexp(*s) - sp.Add(*[tj * sj for sj, tj in zip(s, t, strict=True)])
                + m * (sp.Add(*t) - 1))

    entry = sb.LOSSES["softmax_ce"]
    with pytest.raises(sb.InvalidValueError, match="stable form"):
        sb.register_loss("ce2", entry.function, prediction=entry.prediction, min_outputs=2,
                         output="softmax", stable=wrong)
    # an equal form is accepted
    sb.register_loss("sq", sq, stable=lambda y, t: sp.Add(*[(tj - yj) ** 2
                                                             for yj, tj in zip(y, t, strict=True)]))


@pytest.mark.timeout(60)
def test_E20_the_built_in_stable_forms_pass_the_check():
    for name in sb.LOSSES:
        registry.check_stable_forms(sb.LOSSES[name])
    # and the check is not empty: softmax cross-entropy's stable form and prediction are
    # compared with the definitions at targets that do not sum to 1, against SciPy here
    entry = sb.LOSSES["softmax_ce"]
    z = [sp.Float(v) for v in (0.7, -1.3, 2.1)]
    t = [sp.Float(v) for v in (0.6, 0.3, 1.0)]
    want = -float(np.dot([0.6, 0.3, 1.0], scipy.special.log_softmax([0.7, -1.3, 2.1])))
    assert float(entry.stable(z, t)) == pytest.approx(want, rel=1e-13)
    assert float(entry.function(z, t)) == pytest.approx(want, rel=1e-13)


# ---- every public function checks its arguments at the door ------------------------------------

_BAD = [None, "zzz", -1, float("nan"), 3 + 2j, [1, 2], {"a": 1}, object(), b"x"]
# these write files or take callables; their arguments have tests of their own
_ELSEWHERE = {"compile_pdf", "register_activation", "register_loss"}


def _public_functions():
    import inspect
    out = []
    for name in sb.__all__:
        obj = getattr(sb, name)
        if callable(obj) and not inspect.isclass(obj) and name not in _ELSEWHERE:
            try:
                sig = inspect.signature(obj)
            except (TypeError, ValueError):
                continue
            params = [p for p in sig.parameters.values()
                      if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
            if params:
                out.append(pytest.param(obj, params, id=name))
    return out


@pytest.mark.timeout(120)
@pytest.mark.parametrize(("function", "params"), _public_functions())
def test_every_public_function_refuses_bad_arguments_with_its_own_error(function, params,
                                                                        tmp_path, monkeypatch):
    """Each argument in turn gets a value of the wrong type or meaning (the others are valid):
    the answer is a SymbackpropError, never a raw error from inside."""
    monkeypatch.chdir(tmp_path)  # a function that writes a file writes it here
    net = sb.mlp([2, 2, 1], activation="sigmoid", naming="sequential")
    raw = []
    for p in params:
        for bad in _BAD:
            kwargs = {q.name: (net if q is params[0] else "w1") for q in params
                      if q.default is q.empty}
            kwargs[p.name] = bad
            try:
                function(**kwargs)
            except sb.SymbackpropError:
                pass
            except Exception as e:  # noqa: BLE001 - what the test looks for
                raw.append(f"{p.name}={bad!r}: {type(e).__name__}: {e}"[:160])
    assert not raw, raw
