"""Compiled gradients: equal to the symbolic ones, to autograd and to central differences."""

import dataclasses

import numpy as np
import pytest
import sympy as sp

import symbackprop as sb
from tests import reference as ref
from tests.backend_checks import COMPOUND
from tests.catalogue import cases


def _data(net, rng, batch=7):
    X = rng.normal(size=(batch, net.n_inputs))
    if net.loss == "softmax_ce":
        T = np.eye(net.n_outputs)[rng.integers(net.n_outputs, size=batch)]
    else:
        T = rng.uniform(0.05, 0.95, size=(batch, net.n_outputs))
    return X, T


@pytest.mark.parametrize(("layers", "activation", "loss", "out_act"), cases())
def test_compiled_matches_autograd_symbolic_and_central_differences(layers, activation, loss,
                                                                     out_act):
    net = sb.mlp(layers, activation=activation, loss=loss, output_activation=out_act)
    rng = np.random.default_rng(len(layers) * 7 + len(activation))
    theta = rng.normal(size=len(net.param_symbols))
    X, T = _data(net, rng)
    scalar = sb.compile(net, path="scalar")
    matrix = sb.compile(net)
    assert matrix.path == "matrix" and scalar.path == "scalar"
    ls, gs = scalar(theta, X, T)
    lm, gm = matrix(theta, X, T)
    # the two code paths agree to rounding
    assert lm == pytest.approx(ls, rel=1e-12, abs=1e-14)
    np.testing.assert_allclose(gm, gs, rtol=1e-12, atol=1e-14)
    # HIPS autograd on an independent forward pass, averaged over the batch
    f = ref.mlp_loss(layers, activation, net.output_activation, loss)
    auto = np.mean([ref.autograd_gradient(layers, activation, net.output_activation, loss,
                                          theta, x, t) for x, t in zip(X, T, strict=False)], axis=0)
    want_loss = np.mean([f(theta, x, t) for x, t in zip(X, T, strict=False)])
    assert lm == pytest.approx(want_loss, rel=1e-12)
    np.testing.assert_allclose(gm, auto, rtol=1e-12, atol=1e-14)
    # central differences of the reference loss (seed 003's h = 1e-4)
    numeric = ref.central_differences(
        lambda th: np.mean([f(th, x, t) for x, t in zip(X, T, strict=False)]), theta)
    np.testing.assert_allclose(gm, numeric, rtol=1e-4, atol=1e-6)


def test_compiled_equals_exact_symbolic_gradient():
    net = sb.mlp([2, 2, 1], activation="sigmoid", naming="sequential")
    f = sb.compile(net, path="scalar")
    point = {s: sp.Rational(i + 1, 9) for i, s in enumerate(net.param_symbols)}
    point.update({net.symbol("x1"): sp.Rational(1, 3), net.symbol("x2"): -sp.Rational(1, 2),
                  net.symbol("t"): sp.Rational(1, 5)})
    theta = np.array([float(point[s]) for s in f.params])
    _, grad = f(theta, np.array([[1 / 3, -1 / 2]]), np.array([[0.2]]))
    # the oracle: seed 004's loss written by hand in plain SymPy, differentiated by SymPy
    w1, w2, w3, w4, b1, b2, w5, w6, b3 = f.params
    x1, x2, t = (net.symbol(n) for n in ("x1", "x2", "t"))

    def s(z):
        return 1 / (1 + sp.exp(-z))

    E = (t - s(w5 * s(w1 * x1 + w2 * x2 + b1) + w6 * s(w3 * x1 + w4 * x2 + b2) + b3)) ** 2 / 2
    for i, p in enumerate(f.params):
        exact = sp.diff(E, p)
        assert grad[i] == pytest.approx(float(exact.xreplace(point).evalf(40)), rel=1e-12)


def test_any_graph_compiles():
    g = sb.parse_graph("# params: w b\n# targets: t\nz = w*x + b\nE = (t - sin(z))**2")
    f = sb.compile(g)
    assert f.path == "scalar"
    X = np.array([[0.5], [1.5]])
    T = np.array([[0.1], [0.3]])
    loss, grad = f(np.array([0.7, -0.2]), X, T)
    c = sb.check_gradient(f, np.array([0.7, -0.2]), X, T)
    assert c.max_rel_error < 1e-7
    z = 0.7 * X[:, 0] - 0.2
    assert loss == pytest.approx(np.mean((T[:, 0] - np.sin(z)) ** 2))
    assert grad[0] == pytest.approx(np.mean(-2 * (T[:, 0] - np.sin(z)) * np.cos(z) * X[:, 0]))


def test_source_is_readable_one_line_per_step():
    net = sb.mlp([2, 2, 1], activation="sigmoid", naming="sequential")
    src = sb.compile(net, path="scalar").source
    assert "    delta_h1 = delta_a_h1*a_h1*(1 - a_h1)" in src  # the printed program's names
    assert "    a_h1 = scipy.special.expit(h1)" in src
    assert "    dE_dw1 = delta_h1*x1" in src
    msrc = sb.compile(net).source
    # BP2, with no extra array; every generated name starts with _ (never a user name)
    assert "    _D1 = _D2 @ _W2\n    _D1 *= _H1*(1 - _H1)\n" in msrc


@pytest.mark.parametrize(("activation", "loss", "out_act"), [
    ("sigmoid", "bce", None), ("softplus", "softmax_ce", None), ("sigmoid", "half_se", None),
    ("tanh", "mse", "identity"), ("softplus", "half_se", "softplus"),
])
def test_stable_for_large_logits(activation, loss, out_act):
    n_out = 3 if loss == "softmax_ce" else 1
    net = sb.mlp([2, 3, n_out], activation=activation, loss=loss, output_activation=out_act)
    rng = np.random.default_rng(3)
    X = np.array([[1.0, -1.0], [-1.0, 1.0]])
    T = np.eye(n_out)[[0, n_out - 1]] if loss == "softmax_ce" else np.array([[1.0], [0.0]])
    for scale in (1e2, 1e3):
        theta = rng.normal(size=len(net.param_symbols)) * scale / 2
        for path in ("scalar", "matrix"):
            f = sb.compile(net, path=path)
            with np.errstate(all="raise"):
                loss_v, grad = f(theta, X, T)
            assert np.isfinite(loss_v) and np.all(np.isfinite(grad))


def test_bce_at_huge_logits_has_the_exact_limit():
    net = sb.mlp([1, 1], loss="bce")
    f = sb.compile(net)
    with np.errstate(all="raise"):
        loss, grad = f(np.array([1.0, 0.0]), np.array([[1000.0]]), np.array([[0.0]]))
    assert loss == pytest.approx(1000.0)  # -log(1 - sigmoid(1000)) = 1000
    assert grad[0] == pytest.approx(1000.0)  # (sigmoid(z) - t) * x


def test_shape_errors():
    f = sb.compile(sb.mlp([2, 2, 1]))
    theta = np.zeros(9)
    with pytest.raises(sb.ShapeError, match=r"theta has shape \(3,\); expected \(9,\)"):
        f(np.zeros(3), np.zeros((4, 2)), np.zeros((4, 1)))
    with pytest.raises(sb.ShapeError, match=r"X has shape \(4, 3\); expected \(batch, 2\) "
                                            "with columns x1, x2"):
        f(theta, np.zeros((4, 3)), np.zeros((4, 1)))
    with pytest.raises(sb.ShapeError, match=r"T has shape \(3, 1\); expected \(4, 1\)"):
        f(theta, np.zeros((4, 2)), np.zeros((3, 1)))
    with pytest.raises(sb.ShapeError, match="empty"):
        f(theta, np.zeros((0, 2)), np.zeros((0, 1)))


def test_compile_errors():
    with pytest.raises(sb.NoNumericFormError, match="generic function"):
        sb.compile(sb.mlp([2, 2, 1], activation="a"))
    with pytest.raises(sb.UnknownNameError, match="valid backends are: jax, numba, numpy, torch"):
        sb.compile(sb.mlp([2, 1]), backend="tensorflow")
    with pytest.raises(sb.SymbackpropError, match="no parameters"):
        sb.compile(sb.parse_graph("f = x*y"))
    with pytest.raises(sb.SymbackpropError, match="matrix path needs a network"):
        sb.compile(sb.parse_graph("# params: w\nf = w*x"), path="matrix")


def test_numerical_gradient_seed003_and_h():
    g = sb.parse_graph("f = 2*x + 3*x*y + y**3")
    for h in (1e-4, "auto"):
        d = sb.numerical_gradient(g, {"x": 1.5, "y": -0.5}, h=h)
        assert d[g.symbol("x")] == pytest.approx(2 + 3 * -0.5, abs=1e-7)
        assert d[g.symbol("y")] == pytest.approx(3 * 1.5 + 3 * 0.25, abs=1e-7)
    with pytest.raises(sb.SymbackpropError, match="positive number or 'auto'"):
        sb.numerical_gradient(g, {"x": 1, "y": 1}, h=0)


def test_check_gradient_reports_the_worst_parameter():
    net = sb.mlp([2, 3, 1], activation="tanh")
    f = sb.compile(net)
    rng = np.random.default_rng(0)
    theta, X, T = rng.normal(size=13), rng.normal(size=(5, 2)), rng.uniform(size=(5, 1))
    good = sb.check_gradient(f, theta, X, T)
    assert good.ok() and good.max_abs_error < 1e-8

    def wrong_in_one_place(th, X, T):
        loss, g = f.raw(th, X, T)
        g = g.copy()
        g[4] += 0.1
        return loss, g

    broken = dataclasses.replace(f, raw=wrong_in_one_place)
    bad = sb.check_gradient(broken, theta, X, T)
    assert not bad.ok()
    assert bad.worst == f.params[4].name
    assert "largest relative error" in str(bad)


@pytest.mark.parametrize("slope", [sp.Rational(1, 100), sp.Rational(1, 8)])
def test_leaky_relu_compiles_with_the_slope_it_is_derived_with(monkeypatch, request, slope):
    """The compiled code prints the slope from LEAKY_SLOPE (it once wrote 0.01 by hand): at
    z < 0 value and derivative are float(LEAKY_SLOPE) z and float(LEAKY_SLOPE), whatever it is."""
    from symbackprop.core import functions
    from symbackprop.numeric.codegen import NumbaCodePrinter
    monkeypatch.setattr(functions, "LEAKY_SLOPE", slope)
    # SymPy caches leaky_relu(number) by its argument only: no value of another slope may stay
    sp.core.cache.clear_cache()
    request.addfinalizer(sp.core.cache.clear_cache)
    g = sb.Graph()
    x = g.inputs("x")
    w = g.params("w")
    g.node("f", sb.leaky_relu(w * x))
    xs = np.array([[-2.0], [-0.5], [-3.0]])
    k = float(slope)
    for backend in ("numpy", "jax"):
        if backend == "jax":
            pytest.importorskip("jax")
        f = sb.compile(g, backend=backend)
        loss, grad = f(np.array([1.5]), xs)
        assert loss == pytest.approx(k * 1.5 * xs.mean(), rel=1e-15)
        assert grad[0] == pytest.approx(k * xs.mean(), rel=1e-15)
    # numba's code is Python: evaluated here as printed, without compiling it
    z = sp.Symbol("z")
    code = NumbaCodePrinter().doprint(sb.leaky_relu(z))
    assert eval(code, {"z": -2.5}) == k * -2.5  # the printed code, by design
    assert eval(code, {"z": 2.5}) == 2.5


# numba compiles each graph for seconds: its case, every function in one graph (weighted
# differently, so an error in one cannot cancel another's), is in test_backends.py
@pytest.mark.parametrize(("names", "backend"), [
    ((n,), b) for b in ("numpy", "jax") for n in COMPOUND],
    ids=[f"{n}-{b}" for b in ("numpy", "jax") for n in COMPOUND])
def test_functions_of_a_compound_argument(names, backend):
    """Each function printed around a sum (z - 1, not z): compiled value and derivative against
    SymPy's exact evaluation of the same expression (leaky_relu once printed 0.01*z - 1)."""
    if backend != "numpy":
        pytest.importorskip(backend)
    fns = [getattr(sb, name) for name in names]
    g = sb.Graph()
    x = g.inputs("x")
    w = g.params("w")
    z = g.node("z", w * x)
    g.node("f", sp.Add(*[(k + 1) * (fn(z - 1) + fn(2 - 3 * z)) for k, fn in enumerate(fns)]))
    f = sb.compile(g, backend=backend)
    xs = np.array([[-2.0], [-0.3], [0.2], [0.9], [1.7]])
    W, X = sp.symbols("W X", real=True)
    expr = sb.as_sympy(sp.Add(*[(k + 1) * (fn(W * X - 1) + fn(2 - 3 * W * X))
                                for k, fn in enumerate(fns)]))
    for wv in (0.6, -1.4):
        loss, grad = f(np.array([wv]), xs)
        vals = [expr.subs({W: wv, X: xv}).evalf(30) for xv in xs[:, 0]]
        ders = [sp.diff(expr, W).subs({W: wv, X: xv}).evalf(30) for xv in xs[:, 0]]
        assert loss == pytest.approx(float(sum(vals)) / 5, rel=1e-12)
        assert grad[0] == pytest.approx(float(sum(ders)) / 5, rel=1e-10)


@pytest.mark.parametrize("backend", [
    "numpy", "jax", pytest.param("numba", marks=pytest.mark.slow),
    pytest.param("torch", marks=pytest.mark.torch)])
def test_piecewise_conditions_joining_a_parameter_and_a_data_column(backend):
    """``(w > 0) & (x > 0)``: a scalar (the parameter) and a column (the data) in one
    condition, element by element (SymPy's NumPy printer stacked them, and failed)."""
    pytest.importorskip(backend)
    g = sb.Graph()
    x = g.inputs("x")
    w = g.params("w")
    W, X = sp.symbols("W X", real=True)

    def piecewise(w, x):
        return sp.Piecewise((w * x**2, (w > 0) & (x > 0)), (w * x / 3, (x < -1) | (w < -2)),
                            (0, True))

    g.node("E", piecewise(w, x))
    f = sb.compile(g, backend=backend)
    xs = np.array([[1.0], [-1.5], [0.5], [-0.2]])
    exact = piecewise(W, X)
    for wv in (0.5, -0.5, -3.0):
        loss, grad = f(np.array([wv]), xs)
        at = [{W: wv, X: v} for v in xs[:, 0]]
        assert loss == pytest.approx(float(sum(exact.subs(p) for p in at)) / 4, rel=1e-14)
        assert grad[0] == pytest.approx(
            float(sum(sp.diff(exact, W).subs(p) for p in at)) / 4, rel=1e-14, abs=1e-15)
