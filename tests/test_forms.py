"""Expanded, chain and backprop forms agree with each other and with independent oracles."""

import numpy as np
import pytest
import sympy as sp

import symbackprop as sb
from tests import reference as ref
from tests.catalogue import ACTIVATIONS, cases


def _value(expr, point):
    return float(expr.xreplace(point).evalf(30))


def _random_point(net, rng):
    point = {}
    for s in net.param_symbols:
        point[s] = sp.Float(rng.uniform(-1.5, 1.5))
    for s in net.input_symbols:
        point[s] = sp.Float(rng.uniform(-1, 1))
    ts = net.target_symbols
    if net.loss == "softmax_ce":
        k = rng.integers(len(ts))
        for i, s in enumerate(ts):
            point[s] = sp.Float(float(i == k))
    else:
        for s in ts:
            point[s] = sp.Float(rng.uniform(0.05, 0.95))
    return point


@pytest.mark.parametrize(("layers", "activation", "loss", "out_act"), cases())
def test_forms_match_autograd_and_central_differences(layers, activation, loss, out_act):
    net = sb.mlp(layers, activation=activation, loss=loss, output_activation=out_act)
    rng = np.random.default_rng(sum(layers) + len(activation) + len(loss))
    point = _random_point(net, rng)
    theta = np.array([float(point[s]) for s in net.param_symbols])
    x = np.array([float(point[s]) for s in net.input_symbols])
    t = np.array([float(point[s]) for s in net.target_symbols])
    oa = net.output_activation
    f = ref.mlp_loss(layers, activation, oa, loss)
    assert sb.expanded(net, net.output) == 1
    assert float(net.evaluate(point)[net.output]) == pytest.approx(f(theta, x, t), rel=1e-12)

    auto = ref.autograd_gradient(layers, activation, oa, loss, theta, x, t)
    numeric = ref.central_differences(lambda th: f(th, x, t), theta, h=1e-4)
    bp = sb.backprop(net)
    run = bp.evaluate(point)
    for i, p in enumerate(net.param_symbols):
        forms = {
            "expanded": _value(sb.expanded(net, p), point),
            "chain": _value(sb.chain(net, p).doit(), point),
            "backprop": _value(bp.gradient(p), point),
            "program run": float(run[p]),
        }
        for name, val in forms.items():
            assert val == pytest.approx(auto[i], rel=1e-12, abs=1e-14), (name, p, val, auto[i])
        # h = 1e-4 (seed 003): truncation error O(h^2) and kinks of relu keep this looser
        assert forms["backprop"] == pytest.approx(numeric[i], rel=1e-4, abs=1e-6), (p, numeric[i])


@pytest.mark.parametrize("activation", ["a", *ACTIVATIONS])
def test_forms_agree_symbolically_2_2_1(activation):
    net = sb.mlp([2, 2, 1], activation=activation, naming="sequential")
    bp = sb.backprop(net)
    for v in net.leaf_symbols:
        e = sb.expanded(net, v)
        # both sides are polynomials in the same atoms (a(..), tanh(..), ...): expand decides
        assert sp.expand(e - sb.chain(net, v).doit()) == 0, v
        assert sp.expand(e - bp.gradient(v)) == 0, v


@pytest.mark.parametrize(("layers", "activation", "loss", "out_act"), cases()[::5])
def test_verify_accepts_correct_derivations(layers, activation, loss, out_act):
    net = sb.mlp(layers, activation=activation, loss=loss, output_activation=out_act)
    report = sb.verify(net, points=2)
    assert {a.variable for a in report} == set(net.leaf_symbols)


def test_verify_catches_a_wrong_local_derivative():
    from symbackprop.derive.cache import derivations
    g = sb.parse_graph("q = x*y\nf = sin(q)")
    sb.backprop(g)
    # corrupt the cached local derivative d f / d q (cos q -> sin q): verify must notice
    cache = derivations(g)
    cache.local[(g.symbol("f"), g.symbol("q"))] = sp.sin(g.symbol("q"))
    cache.program = None
    cache.chains.clear()
    with pytest.raises(sb.VerificationError, match="disagree"):
        sb.verify(g)


def test_derivatives_with_respect_to_nodes():
    net = sb.mlp([2, 2, 1], activation="tanh", naming="sequential")
    bp = sb.backprop(net)
    point = {s: sp.Rational(i + 1, 7) * (-1) ** i for i, s in enumerate(net.leaf_symbols)}
    run = bp.evaluate(point)
    for n in ("h1", "a_h1", "y", "a_y"):
        v = net.symbol(n)
        e = sb.expanded(net, v)
        c = sb.chain(net, v).doit()
        assert float((e - c).xreplace(point)) == pytest.approx(0, abs=1e-12)
        assert float(e.xreplace(point)) == pytest.approx(float(run[v]), rel=1e-12)


def test_fan_out_sums_paths():
    # x feeds a, b and f directly: three paths
    g = sb.parse_graph("a = x**2\nb = exp(x)\nf = a*b + x")
    x = g.symbol("x")
    c = sb.chain(g, x)
    assert len(c.paths) == 3
    oracle = sp.diff(x**2 * sp.exp(x) + x, x)
    assert sp.simplify(c.doit() - oracle) == 0
    assert sp.simplify(sb.backprop(g).gradient(x) - oracle) == 0


def test_textbook_local_forms():
    g = sb.Graph()
    z = g.inputs("z")
    s = g.node("s", sb.sigmoid(z))
    t = g.node("t", sp.tanh(s))
    e = g.node("e", sp.exp(t))
    assert sb.local_partial(g, s, z) == s * (1 - s)
    assert sb.local_partial(g, t, s) == 1 - t**2
    assert sb.local_partial(g, e, t) == e


def test_relu_and_max_subgradients_at_the_kink():
    g = sb.parse_graph("r = relu(x)\nm = max(x, y)\nf = r + m")
    grads = sb.backprop(g).evaluate({"x": 0, "y": 0})
    # relu'(0) = 0 (PyTorch and micrograd); Max splits a tie: 1/2 to each argument
    assert grads[g.symbol("x")] == sp.Rational(1, 2)
    assert grads[g.symbol("y")] == sp.Rational(1, 2)
    assert sb.backprop(g).evaluate({"x": 1, "y": 0})[g.symbol("x")] == 2


def test_exact_and_float_evaluation():
    g = sb.parse_graph("f = x/3 + y")
    exact = g.evaluate({"x": 1, "y": sp.Rational(1, 6)})[g.output]
    assert exact == sp.Rational(1, 2) and exact.is_Rational
    approx = g.evaluate({"x": 1.0, "y": 0.5})[g.output]
    assert approx.is_Float and float(approx) == pytest.approx(5 / 6)
