"""The public call ``f(theta, X, T)`` (and ``f.loss``, ``f.predict``, ``f.check``): the cheap
checks of the usual case (float64, C-ordered, right shapes, finite) and the full checks of
everything else give the same results and the same errors, on NumPy and on numba; and
numba's choice, call by call, of how a big batch runs (:class:`~symbackprop.numeric.loops.Pace`).

Oracles: ``f.fast`` called on arrays made right by hand (the unchecked function), the NumPy
backend for numba, and the messages of :func:`~symbackprop.numeric.arguments.as_real_array`
(the full checks) for bad input. No test here reads a clock.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import symbackprop as sb
from symbackprop.numeric.arguments import all_finite, as_real_array

from .catalogue import NUMBA_SOFTMAX

NET = sb.mlp([2, 2, 1], activation="sigmoid", naming="sequential")
THETA = np.array([0.15, 0.2, 0.25, 0.3, 0.35, 0.35, 0.4, 0.45, 0.6])
RNG = np.random.default_rng(3)
X = RNG.normal(size=(5, 2))
T = RNG.uniform(size=(5, 1))
BACKENDS = ["numpy", pytest.param("numba", marks=[pytest.mark.timeout(300), pytest.mark.slow])]


@pytest.fixture(scope="module", params=BACKENDS)
def f(request):
    if request.param == "numba":
        pytest.importorskip("numba")
    return sb.compile(NET, backend=request.param)


def _fast(f, theta, X, T):
    """The unchecked function on copies made right by hand: C-ordered, writable float64."""
    return f.fast(*(np.array(a, dtype=np.float64, order="C") for a in (theta, X, T)))


def _same(got, want):
    (lg, gg), (lw, gw) = got, want
    assert type(lg) is float and isinstance(gg, np.ndarray) and gg.dtype == np.float64
    assert lg == float(lw) and np.array_equal(gg, np.asarray(gw))


def _message(call) -> tuple[type, str]:
    with pytest.raises(sb.SymbackpropError) as info:
        call()
    return type(info.value), str(info.value)


# ---- the usual case: the arrays as they are ----------------------------------------------------

@pytest.mark.parametrize("batch", [1, 5, 40])
def test_the_usual_call_equals_the_unchecked_function(f, batch):
    X, T = RNG.normal(size=(batch, 2)), RNG.uniform(size=(batch, 1))
    _same(f(THETA, X, T), _fast(f, THETA, X, T))
    assert f.loss(THETA, X, T) == float(f.fast_loss(THETA, X, T))
    assert np.array_equal(f.predict(THETA, X), f.fast_predict(THETA, X))
    theta2, X2, T2 = f.check(THETA, X, T)
    assert theta2 is THETA and X2 is X and T2 is T  # right as they are: not copied


# ---- everything else takes the full checks, with the same results ---------------------------

def _variants():
    """(name, theta, X, T): arrays the usual case does not take, and their right values."""
    Xf = np.asfortranarray(X)
    wide = np.zeros((5, 4))
    wide[:, ::2] = X
    strided = wide[:, ::2]  # every other column: not C-ordered
    backwards = X[::-1].copy()[::-1]  # negative strides
    return [
        ("Fortran order", THETA, Xf, T),
        ("strided columns", THETA, strided, T),
        ("negative strides", THETA, backwards, T),
        ("strided theta", np.repeat(THETA, 2)[::2], X, T),
        ("float32", THETA.astype(np.float32), X.astype(np.float32), T.astype(np.float32)),
        ("integers", np.array([0, 1, -1, 2, 0, 1, 1, -2, 0]), np.array([[1, 2], [0, -1]]),
         np.array([[0], [1]])),
        ("lists", THETA.tolist(), X.tolist(), T.tolist()),
        ("big-endian", THETA.astype(">f8"), X.astype(">f8"), T.astype(">f8")),
        ("1-D T for one target", THETA, X, T[:, 0]),
    ]


@pytest.mark.parametrize("case", range(len(_variants())),
                         ids=[v[0] for v in _variants()])
def test_other_arrays_give_the_results_of_converted_ones(f, case):
    _, theta, X_, T_ = _variants()[case]
    Tr = np.asarray(T_, dtype=float).reshape(len(np.asarray(X_)), -1)
    _same(f(theta, X_, T_), _fast(f, np.asarray(theta, dtype=float), X_, Tr))
    assert f.loss(theta, X_, T_) == float(f.fast_loss(*(np.array(a, dtype=float, order="C")
                                                        for a in (theta, X_, Tr))))
    assert np.array_equal(f.predict(theta, X_),
                          f.fast_predict(np.array(theta, dtype=float),
                                         np.array(X_, dtype=float, order="C")))


def test_read_only_arrays_are_read_and_left_alone(f):
    theta, X_, T_ = THETA.copy(), X.copy(), T.copy()
    for a in (theta, X_, T_):
        a.setflags(write=False)
    _same(f(theta, X_, T_), _fast(f, THETA, X, T))
    assert f.loss(theta, X_, T_) == float(f.fast_loss(THETA, X, T))
    assert np.array_equal(f.predict(theta, X_), f.fast_predict(THETA, X))
    assert not any(a.flags.writeable for a in (theta, X_, T_))
    assert np.array_equal(theta, THETA) and np.array_equal(X_, X)
    if f.backend == "numba":  # numba's loops take writable arrays only: check() copies
        checked = f.check(theta, X_, T_)
        assert all(c.flags.writeable and c is not a for c, a in zip(checked, (theta, X_, T_),
                                                                      strict=True))
    else:
        assert all(c is a for c, a in zip(f.check(theta, X_, T_), (theta, X_, T_),
                                          strict=True))


def test_one_input_nets_take_a_1d_x():
    g = sb.compile(sb.mlp([1, 2, 1], activation="tanh"))
    theta = np.linspace(-1, 1, len(g.params))
    x = np.array([0.5, -1.0, 2.0])
    _same(g(theta, x, x), _fast(g, theta, x[:, None], x[:, None]))


# ---- bad input: the same clear errors on every path -------------------------------------------

def _bad_values():
    nan_x = X.copy()
    nan_x[1, 1] = np.nan
    inf_theta = THETA.copy()
    inf_theta[4] = np.inf
    ninf_t = T.copy()
    ninf_t[3, 0] = -np.inf
    return [("NaN in X", THETA, nan_x, T, "X", nan_x),
            ("inf in theta", inf_theta, X, T, "theta", inf_theta),
            ("-inf in T", THETA, X, ninf_t, "T", ninf_t)]


@pytest.mark.parametrize("case", range(3), ids=[v[0] for v in _bad_values()])
def test_values_that_are_not_finite_are_named_with_their_place(f, case):
    _, theta, X_, T_, what, bad = _bad_values()[case]
    want = _message(lambda: as_real_array(bad, what))  # the full checks' own message
    assert want[0] is sb.InvalidValueError and "at index" in want[1]
    assert _message(lambda: f(theta, X_, T_)) == want
    assert _message(lambda: f.check(theta, X_, T_)) == want
    assert _message(lambda: f.loss(theta, X_, T_)) == want
    if what != "T":
        assert _message(lambda: f.predict(theta, X_)) == want
    # the same array made read-only, or Fortran-ordered, takes the full path: same message
    ro = [np.array(a, order="F") for a in (theta, X_, T_)]  # copies
    for a in ro:
        a.setflags(write=False)
    assert _message(lambda: f(*ro)) == want


@pytest.mark.parametrize(("theta", "X_", "T_", "kind", "start"), [
    (THETA[:8], X, T, sb.ShapeError, "theta has shape (8,); expected (9,)"),
    (THETA[None, :], X, T, sb.ShapeError, "theta has shape (1, 9); expected (9,)"),
    (THETA, X[:, :1], T, sb.ShapeError, "X has shape (5, 1); expected (batch, 2)"),
    (THETA, X[:, 0], T, sb.ShapeError, "X has shape (5,); expected (batch, 2)"),
    (THETA, X, T[:4], sb.ShapeError, "T has shape (4, 1); expected (5, 1)"),
    (THETA, X, np.hstack([T, T]), sb.ShapeError, "T has shape (5, 2); expected (5, 1)"),
    (THETA, X[:0], T[:0], sb.ShapeError, "the batch is empty"),
    (THETA, X, None, sb.InputTypeError, "T is missing"),
    (THETA, X.astype(complex), T, sb.InputTypeError, "X holds complex numbers"),
    (THETA, X > 0, T, sb.InputTypeError, "X holds booleans"),
    (None, X, T, sb.InputTypeError, "theta is missing"),
])
def test_wrong_shapes_and_types_get_the_full_checks_errors(f, theta, X_, T_, kind, start):
    with pytest.raises(kind) as info:
        f(theta, X_, T_)
    assert str(info.value).startswith(start)
    for call in (f.check, f.loss):
        with pytest.raises(kind) as again:
            call(theta, X_, T_)
        assert str(again.value) == str(info.value)


def test_sums_that_overflow_are_not_mistaken_for_infinities(f):
    theta = THETA.copy()
    theta[:4] = 1e-300  # w x stays finite for x = 1e308
    for batch in (1, 100):  # summed in Python, and by NumPy
        X_ = np.full((batch, 2), 1e308)
        T_ = np.full((batch, 1), 0.5)
        _same(f(theta, X_, T_), _fast(f, theta, X_, T_))
        assert np.isfinite(f.predict(theta, X_)).all()
    assert all_finite(np.full(200, 1e308), np.full(3, -1e308))
    assert not all_finite(np.full(200, 1e308), np.array([np.nan]))


# ---- results that are not finite -------------------------------------------------------------

@pytest.fixture(scope="module", params=BACKENDS)
def growth(request):
    if request.param == "numba":
        pytest.importorskip("numba")
    g = sb.parse_graph("# params: w\n# targets: t\nE = exp(w*x) - t")
    return sb.compile(g, backend=request.param)


def test_a_result_that_is_not_finite_is_an_error(growth):
    theta, T_ = np.array([1.0]), np.zeros((1, 1))
    loss, grad = growth(theta, np.array([[2.0]]), T_)
    assert loss == pytest.approx(np.exp(2.0)) and grad == pytest.approx([2 * np.exp(2.0)])
    with pytest.raises(sb.InvalidValueError, match=r"^the loss is not finite"):
        growth(theta, np.array([[1000.0]]), T_)  # exp overflows
    with pytest.raises(sb.InvalidValueError, match=r"^the loss is not finite"):
        growth.loss(theta, np.array([[1000.0]]), T_)


def test_a_copy_with_another_raw_calls_it(f):
    def doubled(theta, X, T):
        loss, grad = f.raw(theta, X, T)
        return 2 * loss, 2 * grad

    g = dataclasses.replace(f, raw=doubled)
    loss, grad = g(THETA, X, T)
    want = _fast(f, THETA, X, T)
    assert loss == 2 * want[0] and np.array_equal(grad, 2 * want[1])


# ---- numba: how a big batch runs ----------------------------------------------------------------

class _Clock:
    """A clock the test moves by hand: each call of the gradient 'takes' what the test says."""

    def __init__(self):
        self.now = 0.0

    def perf_counter(self):
        return self.now


def test_pace_tries_every_way_then_keeps_the_fastest_and_looks_again(monkeypatch):
    pytest.importorskip("numba")
    from symbackprop.numeric import loops
    clock = _Clock()
    monkeypatch.setattr(loops, "time", clock)
    pace = loops.Pace(numpy_option=True)
    took = {0: 1.0, 1: 0.5, 2: 2.0}  # seconds per call of each way: threads are fastest

    def call(threads=2):
        way, start = pace.start(1024, threads)
        clock.now += took[way]
        pace.stop(way, start, 1024)
        return way

    first = [call() for _ in range(6)]
    assert sorted(first) == [0, 0, 1, 1, 2, 2]  # each way twice (the first warms it up)
    ways = [call() for _ in range(200)]
    assert ways.count(1) > 180 and {0, 2} <= set(ways)  # the fastest, the others now and then
    took[1] = 5.0  # the machine got busy: threads wait for cores
    ways = [call() for _ in range(300)]
    assert ways[-50:].count(0) > 45  # one thread is the fastest now
    took[1] = 0.2  # quiet again: threads are found again, and kept
    ways = [call() for _ in range(3000)]
    assert ways[-100:].count(1) > 95
    # one thread allowed (numba.set_num_threads(1)): never the threaded loops
    assert 1 not in {call(threads=1) for _ in range(50)}


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_every_way_of_a_big_batch_gives_the_numpy_result():
    pytest.importorskip("numba")
    from symbackprop.numeric.loops import PACED_EXAMPLES
    layers, act, loss, _ = NUMBA_SOFTMAX  # compiled once for every numba test
    net = sb.mlp(layers, activation=act, loss=loss)
    f, ref = sb.compile(net, backend="numba"), sb.compile(net)
    pace = f.raw.py_func.__globals__["_pace"]
    assert pace.ways == (0, 1, 2)
    rng = np.random.default_rng(7)
    theta = rng.normal(size=len(f.params))
    X_ = rng.normal(size=(PACED_EXAMPLES + 100, 2))
    T_ = np.eye(3)[rng.integers(0, 3, len(X_))]
    want = ref(theta, X_, T_)
    for _ in range(12):  # every way twice at least
        loss, grad = f(theta, X_, T_)
        assert loss == pytest.approx(want[0], rel=1e-12)
        assert np.max(np.abs(grad - want[1])) <= 1e-12 * np.max(np.abs(want[1]))
    import numba
    ran = pace.sizes[len(X_).bit_length()].count
    assert set(ran) == ({0, 1, 2} if numba.get_num_threads() > 1 else {0, 2})


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_numba_training_on_big_batches_equals_numpy():
    """The compiled training loop calls the paced gradient (its choice made through
    numba.objmode, inside compiled code): same run as the NumPy backend's."""
    pytest.importorskip("numba")
    from symbackprop.numeric.loops import PACED_EXAMPLES
    layers, act, loss, _ = NUMBA_SOFTMAX  # compiled once for every numba test
    net = sb.mlp(layers, activation=act, loss=loss)
    rng = np.random.default_rng(8)
    X_ = rng.normal(size=(PACED_EXAMPLES + 40, 2))
    T_ = np.eye(3)[(X_[:, 0] * X_[:, 1] > 0).astype(int)]
    kw = {"lr": 0.5, "steps": 40, "seed": 2}
    run = sb.train(net, X_, T_, backend="numba", **kw)
    ref = sb.train(net, X_, T_, **kw)
    assert run.steps == ref.steps == 40
    assert run.theta == pytest.approx(ref.theta, rel=1e-9, abs=1e-12)
    assert run.history["loss"] == pytest.approx(ref.history["loss"], rel=1e-9)
