"""Any SymPy expression in a graph: derived, verified, evaluated and compiled.

Oracles: SymPy's own ``diff`` of the loss the test writes out itself, and central differences
of a NumPy forward pass the test writes itself (not symbackprop's printer).
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import symbackprop as sb

w, x, t = sp.symbols("w x t", real=True)
z = w * x

# name -> (h as a SymPy expression in z and x, the same in NumPy for the oracle)
FUNCTIONS = {
    "erf": (lambda z: sp.erf(z), lambda z, x: __import__("scipy.special").special.erf(z)),
    "atan": (sp.atan, lambda z, x: np.arctan(z)),
    "asinh": (sp.asinh, lambda z, x: np.arcsinh(z)),
    "log_base_2": (lambda z: sp.log(z**2 + 1, 2), lambda z, x: np.log2(z**2 + 1)),
    "abs": (sp.Abs, lambda z, x: np.abs(z)),
    "max3": (lambda z: sp.Max(z, x / 2, 0), lambda z, x: np.maximum(np.maximum(z, x / 2), 0)),
    "min3": (lambda z: sp.Min(z, x / 2, 1), lambda z, x: np.minimum(np.minimum(z, x / 2), 1)),
    "piecewise": (lambda z: sp.Piecewise((z, z > 0), (z / 10, True)),
                  lambda z, x: np.where(z > 0, z, z / 10)),
    "heaviside": (lambda z: z * sp.Heaviside(z), lambda z, x: z * (z > 0)),
    "cosh": (sp.cosh, lambda z, x: np.cosh(z)),
    "exp_sin": (lambda z: sp.exp(sp.sin(z)), lambda z, x: np.exp(np.sin(z))),
    "sqrt": (lambda z: sp.sqrt(z**2 + 1), lambda z, x: np.sqrt(z**2 + 1)),
    "gamma": (lambda z: sp.loggamma(z**2 + 1), lambda z, x: __import__(
        "scipy.special").special.gammaln(z**2 + 1)),
}


def graph_of(h_of_z):
    g = sb.Graph()
    gx = g.inputs("x")
    gw = g.params("w")
    gt = g.targets("t")
    zz = g.node("z", gw * gx)
    h = g.node("h", h_of_z(zz).xreplace({x: gx}))
    g.node("E", (gt - h) ** 2 / 2)
    return g


POINTS = [(0.7, 1.3, 0.2), (-0.9, 0.8, -0.4), (1.1, -1.7, 0.5)]  # w, x, t, away from kinks


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_function_in_a_graph_all_forms_and_compiled(name):
    sym, num = FUNCTIONS[name]
    g = graph_of(sym)
    E_hand = (t - sym(z)) ** 2 / 2  # the oracle's own expression
    sb.verify(g)
    f = sb.compile(g)
    for wv, xv, tv in POINTS:
        at = {w: sp.Float(wv), x: sp.Float(xv), t: sp.Float(tv)}
        want = float(sp.diff(E_hand, w).subs(at).evalf(30))
        for form in (sb.expanded(g, "w"), sb.chain(g, "w").doit(),
                     sb.backprop(g).gradient("w")):
            got = float(form.xreplace({g.symbol(k.name): v for k, v in at.items()}).evalf(30))
            assert got == pytest.approx(want, rel=1e-12, abs=1e-14), name
        run = sb.backprop(g).evaluate({"w": wv, "x": xv, "t": tv})
        assert float(run[g.symbol("w")]) == pytest.approx(want, rel=1e-12, abs=1e-14)
        loss, grad = f(np.array([wv]), np.array([[xv]]), np.array([[tv]]))
        assert grad[0] == pytest.approx(want, rel=1e-9, abs=1e-12), name

        def E_num(wq, xv=xv, tv=tv):
            return 0.5 * (tv - num(wq * xv, xv)) ** 2
        h = 1e-6
        numeric = (E_num(wv + h) - E_num(wv - h)) / (2 * h)
        assert grad[0] == pytest.approx(numeric, rel=1e-5, abs=1e-8), name
        assert loss == pytest.approx(E_num(wv), rel=1e-12)


def test_heaviside_derivative_is_zero_almost_everywhere_and_compiles():
    g = graph_of(lambda z: sp.Heaviside(z) + z)
    f = sb.compile(g)
    _, grad = f(np.array([0.7]), np.array([[1.3]]), np.array([[0.2]]))
    # dE/dw = -(t - H(z) - z) * x away from z = 0: the DiracDelta term is 0
    zv = 0.7 * 1.3
    assert grad[0] == pytest.approx(-(0.2 - 1 - zv) * 1.3, rel=1e-12)


@pytest.mark.parametrize("nargs", [1, 2])
def test_undefined_functions_derive_in_sympys_own_terms(nargs):
    f = sp.Function("f")
    g = sb.Graph()
    gx = g.inputs("x")
    gw = g.params("w")
    gt = g.targets("t")
    zz = g.node("z", gw * gx)
    h = g.node("h", f(zz) if nargs == 1 else f(zz, gx))
    g.node("E", (gt - h) ** 2 / 2)
    E_hand = (t - (f(z) if nargs == 1 else f(z, x))) ** 2 / 2
    for form in (sb.expanded(g, "w"), sb.chain(g, "w").doit(), sb.backprop(g).gradient("w")):
        assert sp.simplify((form - sp.diff(E_hand, w)).doit()) == 0
    sb.verify(g)
    c = sb.chain(g, "w")
    tex = sb.latex(c)
    assert ("f'(z)" in tex) if nargs == 1 else (r"\frac{\partial f}{\partial z}" in tex)
    with pytest.raises(sb.NoNumericFormError, match="f"):
        sb.compile(g)


def test_generic_activation_converts_to_plain_sympy():
    net = sb.mlp([2, 2, 1], activation="a", naming="sequential")
    a = sp.Function("a")
    p = {n: net.symbol(n) for n in ("x1", "x2", "t", "w1", "w2", "w3", "w4", "w5", "w6",
                                    "b1", "b2", "b3")}
    y = (p["w5"] * a(p["w1"] * p["x1"] + p["w2"] * p["x2"] + p["b1"])
         + p["w6"] * a(p["w3"] * p["x1"] + p["w4"] * p["x2"] + p["b2"]) + p["b3"])
    E = (p["t"] - a(y)) ** 2 / 2
    for name in ("w1", "w5", "b3"):
        diff = sb.as_sympy(sb.expanded(net, name)) - sp.diff(E, p[name])
        assert sp.expand(diff.doit()) == 0


def test_as_sympy_of_every_class():
    zz = sp.Symbol("z", real=True)
    plain = {
        sb.sigmoid(zz): 1 / (1 + sp.exp(-zz)),
        sb.relu(zz): sp.Max(0, zz),
        sb.softplus(zz): sp.log(1 + sp.exp(zz)),
        sb.swish(zz): zz / (1 + sp.exp(-zz)),
        sb.gelu(zz): zz * (1 + sp.erf(zz / sp.sqrt(2))) / 2,
        sb.logsumexp(zz, 2 * zz): sp.log(sp.exp(zz) + sp.exp(2 * zz)),
    }
    for ours, want in plain.items():
        got = sb.as_sympy(ours)
        assert not got.atoms(type(ours)), ours
        for v in (-1.3, 0.4, 2.2):
            assert float(got.subs(zz, v)) == pytest.approx(float(want.subs(zz, v)), rel=1e-14)


def test_stage_shows_the_real_chain():
    w1, w2, b1, b2 = sp.symbols("w1 w2 b1 b2", real=True)
    L = (t - sp.tanh(w2 * sp.tanh(w1 * x + b1) + b2)) ** 2 / 2
    g = sb.stage(L, params=[w1, w2, b1, b2], targets=[t])
    assert len(sb.chain(g, "w1").paths[0].factors) >= 4
    for v in (w1, w2, b1, b2):
        oracle = sp.diff(L, v)
        for form in (sb.expanded(g, v.name), sb.chain(g, v.name).doit(),
                     sb.backprop(g).gradient(v.name)):
            assert sp.simplify(form.xreplace({g.symbol(s.name): s for s in L.free_symbols})
                               - oracle) == 0


def test_stage_shares_repeated_subexpressions_and_splits_deep_ones():
    L = sp.sin(w * x) + sp.cos(w * x)
    g = sb.stage(L, params=[w])
    assert [n.name for n in g.nodes] == ["z1", "h1", "h2", "L"]  # one z1 = w*x feeds both
    deep = x
    for _ in range(40):  # nested 80 levels: too deep for one node
        deep = deep * w + 1
    with pytest.raises(sb.LimitError, match="stage"):
        _one_node(deep)
    g = sb.stage(deep, params=[w])
    assert len(g.nodes) > 2 and max(n.expr.count_ops() for n in g.nodes) < 40
    assert sp.expand(sb.expanded(g, "w") - sp.diff(deep, w)) == 0


def _one_node(expr):
    g = sb.Graph()
    g.inputs("x")
    g.params("w")
    g.node("f", expr)


def test_a_graph_too_deep_to_expand_is_refused_and_backprop_still_works():
    g = sb.Graph()
    gx, gw = g.inputs("x"), g.params("w")
    a = gx
    for i in range(100):  # a_i = a_{i-1} w + 1: the expanded form nests 200 levels
        a = g.node(f"a{i}", a * gw + 1)
    with pytest.raises(sb.LimitError, match="use backprop"):
        sb.expanded(g, "w")
    at = {"w": sp.Rational(99, 100), "x": sp.Rational(1, 2)}
    run = sb.backprop(g).evaluate(at)

    def f(wv):  # the oracle: the same recursion in plain Python, differentiated numerically
        v = 0.5
        for _ in range(100):
            v = v * wv + 1
        return v
    numeric = (f(0.99 + 1e-6) - f(0.99 - 1e-6)) / 2e-6
    assert float(run[gw]) == pytest.approx(numeric, rel=1e-7)


CALLABLES = {
    "swish": lambda z: z * sb.sigmoid(z),
    "gelu_erf": lambda z: z * (1 + sp.erf(z / sp.sqrt(2))) / 2,
}
LOSS_CALLABLES = {
    "log_cosh": lambda y, t: sum(sp.log(sp.cosh(yj - tj)) for yj, tj in zip(y, t, strict=True)),
    "huber": lambda y, t: sum(sp.Piecewise(((tj - yj) ** 2 / 2, sp.Abs(tj - yj) <= 1),
                                           (sp.Abs(tj - yj) - sp.S.Half, True))
                              for yj, tj in zip(y, t, strict=True)),
}


@pytest.mark.parametrize("act", sorted(CALLABLES))
@pytest.mark.parametrize("loss", sorted(LOSS_CALLABLES))
def test_callables_derive_verify_compile_matrix_and_train(act, loss):
    net = sb.mlp([2, 3, 2], activation=CALLABLES[act], loss=LOSS_CALLABLES[loss],
                 output_activation="identity")
    sb.verify(net, wrt=["w1_11", "b2_2"], points=2)
    f = sb.compile(net)
    assert f.path == "matrix"
    rng = np.random.default_rng(1)
    theta = rng.normal(size=len(f.params))
    X, T = rng.normal(size=(6, 2)), rng.normal(size=(6, 2))
    assert sb.check_gradient(f, theta, X, T).ok(rtol=1e-5, atol=1e-7)
    scalar = sb.compile(net, path="scalar")
    l1, g1 = f(theta, X, T)
    l2, g2 = scalar(theta, X, T)
    assert l1 == pytest.approx(l2, rel=1e-12)
    np.testing.assert_allclose(g1, g2, rtol=1e-10, atol=1e-13)
    run = sb.train(net, X, T, lr=0.05, steps=50, seed=0)
    assert run.history["loss"][-1] < run.history["loss"][0]


@pytest.mark.parametrize("name", sorted(sb.ACTIVATIONS))
def test_registry_round_trip_activations(name):
    net = sb.mlp([2, 2, 1], activation=name, naming="sequential")
    sb.verify(net, points=2)
    if name == "a":
        with pytest.raises(sb.NoNumericFormError):
            sb.compile(net)
        return
    for path in ("matrix", "scalar"):
        f = sb.compile(net, path=path)
        rng = np.random.default_rng(0)
        theta = rng.normal(size=len(f.params))
        X, T = rng.normal(size=(5, 2)), rng.uniform(size=(5, 1))
        assert sb.check_gradient(f, theta, X, T).ok(rtol=1e-5, atol=1e-7), (name, path)


@pytest.mark.parametrize("name", sorted(sb.LOSSES))
def test_registry_round_trip_losses(name):
    m = 3 if name == "softmax_ce" else 2
    out = None if sb.LOSSES[name].from_logits else "identity"
    net = sb.mlp([2, 3, m], activation="tanh", loss=name, output_activation=out)
    sb.verify(net, wrt=["w1_11", "w2_12", "b2_1"], points=2)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(6, 2))
    T = np.eye(m)[rng.integers(m, size=6)] if name in ("softmax_ce", "bce") else \
        rng.normal(size=(6, m))
    for path in ("matrix", "scalar"):
        f = sb.compile(net, path=path)
        assert f.path == path
        theta = rng.normal(size=len(f.params))
        assert sb.check_gradient(f, theta, X, T).ok(rtol=1e-5, atol=1e-7), (name, path)


def test_registering_an_activation_and_a_loss():
    sb.register_activation("cube", lambda z: z**3, "z³")
    sb.register_loss("quartic", lambda y, t: sum((tj - yj) ** 4 for yj, tj in
                                                 zip(y, t, strict=True)))
    try:
        assert "cube" in sb.ACTIVATIONS and "quartic" in sb.LOSSES
        net = sb.mlp([1, 2, 1], activation="cube", loss="quartic", output_activation="identity")
        sb.verify(net, points=2)
        f = sb.compile(net)
        assert sb.check_gradient(f, np.full(len(f.params), 0.3), [[0.5], [1.0]],
                                 [[1.0], [0.0]]).ok()
        with pytest.raises(sb.InvalidValueError, match="exists"):
            sb.register_activation("cube", lambda z: z)
    finally:
        sb.ACTIVATIONS.unregister("cube")
        sb.LOSSES.unregister("quartic")
    assert "cube" not in sb.ACTIVATIONS
