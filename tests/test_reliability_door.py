"""Issue 20, arguments at the door: E12, E15, E16, E17, E22 and the public numeric and
render functions' checks (type, shape, dtype, real, finite), one test per defect.

Oracles are written here: hand-computed forward passes, the same run with a plain float, or a
``SymbackpropError`` whose message names the argument and what was expected.
"""

from __future__ import annotations

import itertools
import math
import warnings
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

import symbackprop as sb
from symbackprop import datasets
from symbackprop.core.network import MAX_PARAMS
from symbackprop.numeric.arguments import as_real_array
from symbackprop.numeric.check import central_differences
from symbackprop.numeric.training import init_params
from symbackprop.render.plot import plot_size_study, save_loss_curve

NET = sb.mlp([2, 2, 1], activation="sigmoid", naming="sequential")
F = sb.compile(NET)
X, T = datasets.xor()
THETA = np.array([0.15, 0.2, 0.25, 0.3, 0.35, 0.35, 0.4, 0.45, 0.6])


def _sigmoid(z):
    return 1 / (1 + math.exp(-z))


def _forward(theta, x):
    """The 2-2-1 sigmoid net by hand (sequential naming: w1..w4, b1, b2, w5, w6, b3)."""
    w1, w2, w3, w4, b1, b2, w5, w6, b3 = theta
    h1 = _sigmoid(w1 * x[0] + w2 * x[1] + b1)
    h2 = _sigmoid(w3 * x[0] + w4 * x[1] + b2)
    return _sigmoid(w5 * h1 + w6 * h2 + b3)


def _half_se(theta, X, T):
    return sum(0.5 * (_forward(theta, x) - t[0]) ** 2 for x, t in zip(X, T, strict=True)) / len(X)


# ---- E12: the parameter limit names a real way out ---------------------------------------------

@pytest.mark.timeout(30)
@pytest.mark.parametrize("layers", [[784, 128, 10], [784, 32, 10], [2, 300, 300, 1]])
def test_E12_parameter_limit_names_a_net_that_fits(layers):
    net = sb.mlp(layers)  # the net itself is its matrices: any size builds
    with pytest.raises(sb.LimitError) as info:
        sb.backprop(net)  # its scalar graph has the ceiling
    message = str(info.value)
    assert "backend='jax'" not in message  # the old way out needed the refused net
    assert f"{MAX_PARAMS:,}" in message and "MAX_PARAMS" in message
    assert "every weight" in message  # why the limit exists
    suggested = message.split("e.g. ")[1].split(" ")[0]
    sizes = [int(n) for n in suggested.split("-")]
    assert sizes[0] == layers[0] and sizes[-1] == layers[-1] and len(sizes) == len(layers)
    count = sum((a + 1) * b for a, b in itertools.pairwise(sizes))  # by hand
    assert count <= MAX_PARAMS
    assert f"({count:,} parameters)" in message
    wider = [sizes[0], *(n + 1 for n in sizes[1:-1]), sizes[-1]]  # the widest that fits
    assert sum((a + 1) * b for a, b in itertools.pairwise(wider)) > MAX_PARAMS


@pytest.mark.timeout(30)
def test_E12_no_hidden_layer_to_narrow_says_fewer_inputs():
    with pytest.raises(sb.LimitError, match="fewer inputs or outputs"):
        sb.chain(sb.mlp([2048, 10]), "w1_1_1")


# ---- E15: complex, missing and half-given arrays -------------------------------------------------

@pytest.mark.timeout(30)
@pytest.mark.parametrize("which", ["theta", "X", "T"])
def test_E15_complex_input_is_refused_naming_the_argument(which):
    args = {"theta": THETA, "X": X, "T": T}
    args[which] = args[which] + 5j
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ComplexWarning, an error
        with pytest.raises(sb.InputTypeError, match=rf"^{which} holds complex numbers"):
            F(args["theta"], args["X"], args["T"])
        with pytest.raises(sb.InputTypeError, match=rf"^{which} holds complex numbers"):
            F.loss(args["theta"], args["X"], args["T"])
        with pytest.raises(sb.InputTypeError, match=rf"^{which} holds complex numbers"):
            sb.check_gradient(F, args["theta"], args["X"], args["T"])
        if which != "theta":
            with pytest.raises(sb.InputTypeError, match=rf"^{which} holds complex numbers"):
                sb.train(NET, args["X"], args["T"], steps=2)


@pytest.mark.timeout(30)
def test_E15_complex_entries_in_a_list_are_refused():
    with pytest.raises(sb.InputTypeError, match="theta holds complex numbers"):
        F([*THETA[:-1], 1 + 2j], X, T)
    with pytest.raises(sb.InputTypeError, match=r"theta holds the complex number .* index \(8,\)"):
        F(np.array([*THETA[:-1], 1j], dtype=object), X, T)


@pytest.mark.timeout(30)
def test_E15_none_is_missing_not_nan():
    for call in (lambda: F(None, X, T), lambda: F.loss(None, X, T),
                 lambda: F.predict(None, X), lambda: sb.check_gradient(F, None, X, T)):
        with pytest.raises(sb.InputTypeError, match=r"theta is missing \(None\); expected a "
                                                    r"1-D array of 9 numbers"):
            call()
    with pytest.raises(sb.InputTypeError, match=r"X is missing \(None\)"):
        F(THETA, None, T)
    with pytest.raises(sb.InputTypeError, match=r"theta holds None at index \(3,\)"):
        F([0.1, 0.2, 0.3, None, 0.5, 0.6, 0.7, 0.8, 0.9], X, T)


@pytest.mark.timeout(30)
def test_E15_targets_are_required_when_the_graph_has_them():
    for call in (lambda: F(THETA, X), lambda: F.loss(THETA, X),
                 lambda: sb.check_gradient(F, THETA, X), lambda: sb.train(NET, X, None, steps=2)):
        with pytest.raises(sb.InputTypeError, match=r"T is missing: the graph has targets \(t\)"
                                                    r".*shape \(4, 1\)"):
            call()
    # predict needs no T, and its outputs are the hand-computed forward pass
    P = F.predict(THETA, X)
    assert P.shape == (4, 1)
    assert P[:, 0].tolist() == pytest.approx([_forward(THETA, x) for x in X], rel=1e-13)
    # a graph without targets still needs none
    g = sb.parse_graph("# params: w\nf = (w*x - 1)**2")
    loss, grad = sb.compile(g)(np.array([0.5]), np.array([[2.0], [3.0]]))
    assert loss == pytest.approx(((0.5 * 2 - 1) ** 2 + (0.5 * 3 - 1) ** 2) / 2)
    assert grad[0] == pytest.approx((2 * 0 * 2 + 2 * 0.5 * 3) / 2)


@pytest.mark.timeout(30)
@pytest.mark.parametrize(("theta", "message"), [
    (np.ones(9, dtype=bool), r"theta holds booleans .*astype\(float\)"),
    (np.array(["0.1"] * 9), r"theta holds text"),
    (np.array([object()] * 9), r"theta holds an entry of type object at index \(0,\)"),
    ([0.1] * 8 + ["0.2"], r"theta holds text"),
    ([True] * 9, r"theta holds booleans"),
    (np.array([0.1] * 8 + [True], dtype=object), r"theta holds a boolean at index \(8,\)"),
    (np.array([np.datetime64("2020-01-01")] * 9), r"theta holds dates"),
])
def test_E15_booleans_text_and_objects_are_refused(theta, message):
    with pytest.raises(sb.InputTypeError, match=message):
        F(theta, X, T)


@pytest.mark.timeout(30)
def test_E15_ragged_lists_and_wrong_shapes_are_refused():
    with pytest.raises(sb.InputTypeError, match=r"X must be an array of shape \(batch, 2\) with "
                                                r"columns x1, x2; .*rows of different lengths"):
        F(THETA, [[0.0, 1.0], [1.0]], T[:2])
    with pytest.raises(sb.ShapeError, match=r"X has shape \(1, 4, 2\); expected \(batch, 2\)"):
        F(THETA, X[None], T)
    with pytest.raises(sb.ShapeError, match=r"theta has shape \(3, 3\); expected \(9,\)"):
        F(THETA.reshape(3, 3), X, T)
    with pytest.raises(sb.ShapeError, match=r"T has shape \(3, 1\); expected \(4, 1\)"):
        F(THETA, X, T[:3])
    with pytest.raises(sb.ShapeError, match="the batch is empty"):
        F.predict(THETA, np.zeros((0, 2)))


@pytest.mark.timeout(30)
def test_E15_integers_and_exact_numbers_are_converted():
    Xi, Ti = X.astype(np.int64), T.astype(np.int32)
    expected = _half_se(THETA, X, T)
    assert F.loss(THETA, Xi, Ti) == pytest.approx(expected, rel=1e-13)
    exact = [Fraction(15, 100), Decimal("0.2"), 0.25, 0.3, 0.35, 0.35, 0.4, 0.45, 0.6]
    assert F.loss(np.array(exact, dtype=object), X.tolist(), T.tolist()) == \
        pytest.approx(expected, rel=1e-13)


# ---- E16: draw and the plotting helpers -----------------------------------------------------

@pytest.mark.timeout(30)
def test_E16_draw_refuses_what_is_not_a_graph():
    with pytest.raises(sb.InputTypeError, match="draw needs a Graph or a network, not str"):
        sb.draw("E = x")
    with pytest.raises(sb.InvalidValueError, match="no nodes to draw"):
        sb.draw(sb.Graph())


@pytest.mark.timeout(30)
@pytest.mark.parametrize(("figsize", "kind", "message"), [
    ((-1, 2), sb.InvalidValueError, r"figsize must be a pair \(width, height\) of positive"),
    ((0, 2), sb.InvalidValueError, r"figsize must be a pair"),
    ((3, float("nan")), sb.InvalidValueError, r"figsize must be a pair"),
    ((3, float("inf")), sb.InvalidValueError, r"figsize must be a pair"),
    ("big", sb.InputTypeError, r"figsize must be a pair .* not str 'big'"),
    ((1, 2, 3), sb.InputTypeError, r"figsize must be a pair"),
    (5, sb.InputTypeError, r"figsize must be a pair"),
    ((True, 2), sb.InputTypeError, r"True is not a number"),
    (("4", 2), sb.InputTypeError, r"'4' is not a number"),
    ((1000, 1000), sb.LimitError, r"figsize 1000 x 1000 inches .* the limit is 500 inches"),
    ((100, 100), sb.LimitError, r"64,000,000 pixels"),
])
def test_E16_figsize_is_checked(tmp_path, figsize, kind, message):
    with pytest.raises(kind, match=message):
        sb.draw(NET, figsize=figsize, path=tmp_path / "n.png")
    assert not list(tmp_path.iterdir())


@pytest.mark.timeout(60)
def test_E16_a_given_figsize_is_used():
    fig = sb.draw(sb.parse_graph("f = x*y"), figsize=(Fraction(7, 2), 2))
    assert tuple(fig.get_size_inches()) == (3.5, 2.0)


@pytest.mark.timeout(60)
def test_E16_a_drawing_too_big_for_a_figure_is_refused_up_front():
    with pytest.raises(sb.LimitError, match=r"the drawing .* inches .*draw a smaller graph"):
        sb.draw(sb.mlp([2, 500, 1]))


@pytest.mark.timeout(120)
def test_E16_drawing_to_a_path_in_a_loop_leaves_no_figure_open(tmp_path):
    plt = pytest.importorskip("matplotlib.pyplot")
    g = sb.parse_graph("q = x + y\nf = q*z")
    before = set(plt.get_fignums())
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "More than 20 figures have been opened" is an error
        for i in range(25):
            fig = sb.draw(g, at={"x": -2, "y": 5, "z": -4}, path=tmp_path / f"g{i}.png")
        for i in range(3):
            plot_size_study([{"width": 2, "depth": 1, "expanded_tree": 10, "chain_tree": 8,
                              "backprop_tree": 5}], tmp_path / f"s{i}.png")
    assert set(plt.get_fignums()) == before
    assert len(list(tmp_path.glob("g*.png"))) == 25
    # the returned figure still works: it can be drawn and saved again
    assert "-12" in [t.get_text() for t in fig.axes[0].texts]
    fig.canvas.draw()
    fig.savefig(tmp_path / "again.svg")
    assert b"<svg" in (tmp_path / "again.svg").read_bytes()[:500]


@pytest.mark.timeout(30)
def test_E16_highlight_grads_and_at_are_checked():
    with pytest.raises(sb.InputTypeError, match="highlight must be a variable's name or Symbol, "
                                                "not int 3"):
        sb.draw(NET, highlight=3)
    with pytest.raises(sb.UnknownVariableError, match="'w99' is not a variable of the graph, so "
                                                      "it cannot be highlighted"):
        sb.draw(NET, highlight="w99")
    with pytest.raises(sb.InputTypeError, match="grads must be True or False"):
        sb.draw(NET, grads="yes")
    with pytest.raises(sb.InvalidValueError, match="x1"):
        sb.draw(NET, at={**dict.fromkeys(NET.leaf_symbols, 0.5), "x1": "a"})
    with pytest.raises(sb.InputTypeError, match="a point must be a dict"):
        sb.draw(NET, at=[1, 2])


@pytest.mark.timeout(30)
@pytest.mark.parametrize(("call", "kind", "message"), [
    (lambda p: save_loss_curve("abc", p), sb.InputTypeError, "losses must be a sequence"),
    (lambda p: save_loss_curve([], p), sb.InvalidValueError, "losses is empty"),
    (lambda p: save_loss_curve([1.0, "x"], p), sb.InputTypeError, r"losses\[1\] is 'x'"),
    (lambda p: save_loss_curve([1.0, math.nan], p), sb.InvalidValueError, r"losses\[1\]"),
    (lambda p: save_loss_curve([1.0], p, title=3), sb.InputTypeError, "title must be a str"),
    (lambda p: plot_size_study([{"width": 2}], p), sb.InvalidValueError,
     r"rows\[0\] has no depth, expanded_tree"),
    (lambda p: plot_size_study("rows", p), sb.InputTypeError, "rows must be a list"),
    (lambda p: plot_size_study([3], p), sb.InputTypeError, r"rows\[0\] must be a dict"),
    (lambda p: save_loss_curve([1.0], p, force="no"), sb.InputTypeError,
     "force must be True or False"),
    (lambda p: sb.draw(NET, path=p, force=1), sb.InputTypeError, "force must be True or False"),
])
def test_E16_plotting_helpers_check_their_arguments(tmp_path, call, kind, message):
    with pytest.raises(kind, match=message):
        call(tmp_path / "plot.png")
    assert not list(tmp_path.iterdir())


# ---- E17: read-only arrays on the numba backend -----------------------------------------------

@pytest.mark.timeout(30)
def test_E17_arrays_are_copied_only_when_needed():
    good = np.arange(6.0).reshape(3, 2)
    assert as_real_array(good, "X", writable=True) is good  # already right: no copy
    ro = good.copy()
    ro.setflags(write=False)
    assert as_real_array(ro, "X") is ro  # NumPy and JAX read it as it is
    out = as_real_array(ro, "X", writable=True)  # numba's loops need a writable one
    assert out.flags.writeable and out.flags.c_contiguous and out.dtype == np.float64
    assert np.array_equal(out, good) and not ro.flags.writeable
    assert as_real_array(np.asfortranarray(good), "X").flags.c_contiguous
    # the NumPy backend reads read-only arrays as they are
    Xr, Tr, theta = X.copy(), T.copy(), THETA.copy()
    for a in (Xr, Tr, theta):
        a.setflags(write=False)
    assert F.loss(theta, Xr, Tr) == pytest.approx(_half_se(THETA, X, T), rel=1e-13)


@pytest.mark.timeout(300)
@pytest.mark.slow
def test_E17_numba_takes_read_only_arrays(tmp_path):
    pytest.importorskip("numba")
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "T.npy", T)
    Xm, Tm = np.load(tmp_path / "X.npy", mmap_mode="r"), np.load(tmp_path / "T.npy", mmap_mode="r")
    theta = THETA.copy()
    theta.setflags(write=False)
    f = sb.compile(NET, backend="numba")
    loss, grad = f(theta, Xm, Tm)
    assert loss == pytest.approx(_half_se(THETA, X, T), rel=1e-12)  # by hand
    numeric = central_differences(lambda th: _half_se(th, X, T), THETA, h="auto")
    assert grad == pytest.approx(numeric, rel=1e-6, abs=1e-9)
    assert f.loss(theta, Xm, Tm) == pytest.approx(loss, rel=1e-14)
    assert f.predict(theta, Xm)[:, 0].tolist() == \
        pytest.approx([_forward(THETA, x) for x in X], rel=1e-12)
    run = sb.train(f, Xm, Tm, lr=0.5, steps=20, seed=0, theta0=theta)
    ref = sb.train(F, X, T, lr=0.5, steps=20, seed=0, theta0=THETA)
    assert run.steps == 20 and run.theta == pytest.approx(ref.theta, rel=1e-9)
    assert not theta.flags.writeable and np.array_equal(theta, THETA)  # the caller's untouched


# ---- E22: the optimizer's options ---------------------------------------------------------

@pytest.mark.timeout(30)
@pytest.mark.parametrize(("options", "kind", "message"), [
    ({"optimizer": "momentum", "momentum": "x"}, sb.InputTypeError,
     "momentum must be a real number, not str 'x'"),
    ({"optimizer": "momentum", "momentum": None}, sb.InputTypeError,
     "momentum must be a real number, not NoneType"),
    ({"optimizer": "momentum", "momentum": math.nan}, sb.InvalidValueError,
     r"momentum must be a number in \[0, 1\)"),
    ({"optimizer": "momentum", "momentum": -5}, sb.InvalidValueError,
     r"momentum must be a number in \[0, 1\).*not -5"),
    ({"optimizer": "momentum", "momentum": 1.0}, sb.InvalidValueError,
     r"momentum must be a number in \[0, 1\)"),
    ({"optimizer": "momentum", "momentum": 1j}, sb.InputTypeError, "momentum must be a real"),
    ({"optimizer": "adam", "betas": (0.9,)}, sb.InputTypeError,
     r"betas must be a pair \(beta1, beta2\)"),
    ({"optimizer": "adam", "betas": "ab"}, sb.InputTypeError, "betas must be a pair"),
    ({"optimizer": "adam", "betas": 0.9}, sb.InputTypeError, "betas must be a pair"),
    ({"optimizer": "adam", "betas": (0.9, 1.0)}, sb.InvalidValueError,
     r"betas\[1\] \(beta2\) must be a number in \[0, 1\)"),
    ({"optimizer": "adam", "betas": (1.0, 0.999)}, sb.InvalidValueError,
     r"betas\[0\] \(beta1\) must be a number in \[0, 1\)"),
    ({"optimizer": "adam", "betas": (0.9, "b")}, sb.InputTypeError, r"betas\[1\]"),
    ({"optimizer": 3}, sb.InputTypeError, "optimizer must be a name, one of adam, gd, momentum"),
    ({"optimizer": "sgd"}, sb.UnknownNameError, "valid optimizers are: adam, gd, momentum"),
    ({"lr": math.inf}, sb.InvalidValueError, "the learning rate lr must be a positive number"),
    ({"lr": Fraction(-1, 10)}, sb.InvalidValueError,
     "the learning rate lr must be a positive number"),
    ({"lr": "0.1"}, sb.InputTypeError, "the learning rate lr must be a real number"),
    ({"steps": 2.5}, sb.InputTypeError, "steps must be an int"),
    ({"steps": -1}, sb.InvalidValueError, "steps must be at least 0"),
    ({"batch_size": 0}, sb.InvalidValueError, "batch_size must be at least 1"),
    ({"seed": np.bool_(True)}, sb.InputTypeError, "seed must be an int"),
    ({"callback": 3}, sb.InputTypeError, r"callback must be a function callback\(step"),
    ({"layer_norms": "yes"}, sb.InputTypeError, "layer_norms must be True or False"),
    ({"progress": "yes"}, sb.InputTypeError, "progress must be True, False or None"),
    ({"theta0": [1.0, 2.0]}, sb.ShapeError, r"theta0 has shape \(2,\); expected \(9,\)"),
    ({"theta0": np.full(9, 1j)}, sb.InputTypeError, "theta0 holds complex numbers"),
    ({"backend": "tensorflow"}, sb.UnknownNameError, "valid backends are"),
])
def test_E22_train_options_are_checked_before_any_step(options, kind, message):
    options = {"steps": 3, **options}
    with pytest.raises(kind, match=message):
        sb.train(NET, X, T, **options)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("lr", [Fraction(1, 10), Decimal("0.1"), np.float32(0.25)])
def test_E22_exact_learning_rates_are_taken_as_floats(lr):
    run = sb.train(NET, X, T, lr=lr, steps=5, seed=2, optimizer="momentum",
                   momentum=Fraction(1, 2), betas=(Decimal("0.9"), 0.99))
    ref = sb.train(NET, X, T, lr=float(lr), steps=5, seed=2, optimizer="momentum",
                   momentum=0.5)
    assert run.steps == 5 and np.array_equal(run.theta, ref.theta)


@pytest.mark.timeout(60)
def test_E22_momentum_zero_is_plain_gradient_descent():
    a = sb.train(NET, X, T, lr=0.5, steps=5, seed=2, optimizer="momentum", momentum=0)
    b = sb.train(NET, X, T, lr=0.5, steps=5, seed=2)
    assert a.theta == pytest.approx(b.theta, rel=1e-14)


@pytest.mark.timeout(30)
def test_E22_accuracy_checks_the_shape_of_T():
    run = sb.train(NET, X, T, steps=3)
    with pytest.raises(sb.ShapeError, match=r"T has shape \(4, 2\); expected \(4, 1\)"):
        run.accuracy(X, np.c_[T, 1 - T])
    with pytest.raises(sb.InputTypeError, match="T must be an array"):
        run.accuracy(X, "ab")
    with pytest.raises(sb.InputTypeError, match="T is missing"):
        run.accuracy(X, None)
    P = run.predict(X)[:, 0]
    expected = np.mean((P > 0.5) == (T[:, 0] > 0.5))  # by hand
    assert run.accuracy(X, T[:, 0]) == expected == run.accuracy(X, T)


# ---- What must work 3: the numeric and render functions at the door -----------------------------

@pytest.mark.timeout(30)
@pytest.mark.parametrize(("call", "kind", "message"), [
    (lambda: sb.numerical_gradient("f = x", {"x": 1}), sb.InputTypeError,
     "numerical_gradient needs a Graph"),
    (lambda: sb.check_gradient("net", THETA, X, T), sb.InputTypeError, "needs a Graph"),
    (lambda: central_differences(3, [1.0]), sb.InputTypeError, "f must be a function"),
    (lambda: central_differences(sum, "ab"), sb.InputTypeError, "x must be a 1-D array"),
    (lambda: central_differences(sum, [[1.0]]), sb.ShapeError, r"x has shape \(1, 1\)"),
    (lambda: central_differences(sum, [1.0, math.nan]), sb.InvalidValueError, "x holds a value"),
    (lambda: init_params("net"), sb.InputTypeError, "init_params needs a Graph"),
    (lambda: datasets.two_moons(n=-1), sb.InvalidValueError, r"n \(the number of examples\)"),
    (lambda: datasets.two_moons(n="a"), sb.InputTypeError, "n .* must be an int"),
    (lambda: datasets.two_moons(n=10**12), sb.LimitError, "at most 10,000,000 examples"),
    (lambda: datasets.two_moons(noise=-1), sb.InvalidValueError, "noise must be a finite"),
    (lambda: datasets.two_moons(noise=math.nan), sb.InvalidValueError, "noise must be"),
    (lambda: datasets.two_moons(seed=-1), sb.InvalidValueError, "seed must be a non-negative"),
    (lambda: datasets.spiral(classes=0), sb.InvalidValueError, "classes must be at least 1"),
    (lambda: datasets.spiral(n=2, classes=3), sb.InvalidValueError,
     r"classes \(3\) must be at most n \(2\)"),
    (lambda: datasets.sine(n=0), sb.InvalidValueError, "n .* must be at least 1"),
    (lambda: datasets.sine(noise="x"), sb.InputTypeError, "noise must be a real number"),
    (lambda: datasets.load(3), sb.InputTypeError, "name must be a data set's name"),
    (lambda: datasets.load("xor", n=3), sb.InputTypeError,
     "the data set 'xor' takes no option 'n'; its options are: [(]none[)]"),
    (lambda: datasets.load("moons", size=3), sb.InputTypeError, "options are: n, noise, seed"),
    (lambda: datasets.digits(test_size=1.5), sb.InvalidValueError, "test_size must be a"),
    (lambda: sb.compile(NET, backend=["numpy"]), sb.InputTypeError,
     "backend must be a name, one of jax, numba, numpy, torch; not list"),
    (lambda: sb.compile(NET, path=None), sb.InputTypeError, "path must be a name"),
    (lambda: sb.check_gradient(F, THETA, X, T, h="1e-4"), sb.InvalidValueError,
     "h must be a positive number or 'auto'"),
])
def test_door_numeric_arguments_are_checked(call, kind, message):
    with pytest.raises(kind, match=message):
        call()


@pytest.mark.timeout(30)
def test_door_datasets_still_make_their_sets():
    Xm, Tm = datasets.load("moons", n=7, noise=0.0, seed=1)
    assert Xm.shape == (7, 2) and Tm[:, 0].tolist() == [0, 0, 0, 1, 1, 1, 1]
    assert Xm[0].tolist() == pytest.approx([1.0, 0.0])  # cos 0, sin 0
    Xs, Ts = datasets.spiral(n=3, classes=3)
    assert Xs.shape == (3, 2) and Ts.tolist() == np.eye(3).tolist()
    Xn, Tn = datasets.sine(n=3)
    assert Xn[:, 0] == pytest.approx([-math.pi, 0, math.pi]) and Tn[:, 0] == \
        pytest.approx([0, 0, 0], abs=1e-15)
