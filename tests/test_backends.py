"""The numba and JAX backends: same gradients as NumPy, same training, same numerics.

Oracles: the NumPy backend (itself checked against SymPy, autograd and central differences in
test_compile.py), central differences of each backend's own loss, and for JAX its own
automatic differentiation of the generated loss. No timing assertions: speed lives in
benchmarks/RESULTS.md.
"""

from __future__ import annotations

import numpy as np
import pytest

import symbackprop as sb
from symbackprop.core.errors import MissingDependencyError

from .backend_checks import GRAPH, check_every_function, close, data
from .catalogue import ACTIVATIONS, LOSS_OUTPUTS, NUMBA_SOFTMAX, NUMBA_WIDE, cases

numba = pytest.importorskip("numba")
jax = pytest.importorskip("jax")
import jax.numpy as jnp

CASES = cases()
NUMBA = pytest.param("numba", marks=pytest.mark.slow)  # numba compiles for seconds a net

# numba compiles six functions per net (3-5 s here) and keeps them, keyed by their source, for
# the rest of the process: its tests use few nets, each activation (hidden or output) and each
# loss in one of them, and the tests below and in other files reuse these nets (same source:
# compiled once)
RELU_NET = ([2, 3, 1], "relu", "half_se", "identity")  # divergence, callbacks, reuse
TRAIN_NET = ([2, 5, 1], "tanh", "bce", None)           # training on every backend
NUMBA_CASES = [RELU_NET, TRAIN_NET, ([3, 2, 3, 2], "leaky_relu", "mse", "sigmoid"),
               NUMBA_SOFTMAX]


def _net(layers, activation, loss, out_act):
    return sb.mlp(layers, activation=activation, loss=loss, output_activation=out_act)


def test_the_numba_cases_cover_every_activation_and_loss():
    assert {a for _, a, _, _ in NUMBA_CASES} | {o for *_, o in NUMBA_CASES} - {None} \
        == set(ACTIVATIONS)
    assert {loss for _, _, loss, _ in NUMBA_CASES} == {loss for loss, _ in LOSS_OUTPUTS}


@pytest.mark.slow
@pytest.mark.parametrize(("layers", "activation", "loss", "out_act"), NUMBA_CASES,
                         ids=[f"{a}-{b}-{'-'.join(map(str, c))}" for c, a, b, _ in NUMBA_CASES])
def test_numba_equals_numpy_for_every_activation_and_loss(layers, activation, loss, out_act):
    net = _net(layers, activation, loss, out_act)
    ref = sb.compile(net)
    f = sb.compile(net, backend="numba")
    assert f.backend == "numba" and f.path == "scalar"
    rng = np.random.default_rng(len(layers) * 7 + len(activation))
    theta = rng.normal(size=len(f.params)) * 0.7
    for batch in (1, 5, 700):  # 700: split over threads
        X, T = data(net, rng, batch)
        close(f(theta, X, T), ref(theta, X, T), 1e-12)
        assert f.loss(theta, X, T) == pytest.approx(ref.loss(theta, X, T), rel=1e-12)
        assert f.predict(theta, X) == pytest.approx(ref.predict(theta, X), rel=1e-12, abs=1e-15)
    X, T = data(net, rng, 6)
    assert sb.check_gradient(f, theta, X, T).ok(rtol=1e-5, atol=1e-7)


MATRIX_CASES = [([3, 5, 2], "relu", "half_se", "tanh"), NUMBA_SOFTMAX,
                ([2, 4, 4, 1], "sigmoid", "bce", None), ([3, 4, 2], "gelu", "huber", "identity")]


@pytest.mark.slow
@pytest.mark.parametrize(("layers", "activation", "loss", "out_act"), MATRIX_CASES,
                         ids=[f"{a}-{b}-{'-'.join(map(str, c))}" for c, a, b, _ in MATRIX_CASES])
def test_numba_matrix_path(layers, activation, loss, out_act):
    net = sb.mlp(layers, activation=activation, loss=loss, output_activation=out_act)
    f = sb.compile(net, backend="numba", path="matrix")
    assert f.path == "matrix" and "_s += _W1[_j, _k]" in f.source  # the layer as a loop
    ref = sb.compile(net)
    rng = np.random.default_rng(11)
    theta = rng.normal(size=len(f.params))
    for batch in (1, 33, 600):
        X, T = data(net, rng, batch)
        close(f(theta, X, T), ref(theta, X, T), 1e-12)
        assert f.predict(theta, X) == pytest.approx(ref.predict(theta, X), rel=1e-12, abs=1e-15)


@pytest.mark.slow
def test_numba_chooses_the_matrix_path_for_big_nets_and_blas_for_big_batches():
    assert sb.compile(_net(*RELU_NET), backend="numba").path == "scalar"
    big = _net(*NUMBA_WIDE)  # 520 parameters
    f = sb.compile(big, backend="numba")
    assert f.path == "matrix" and "numba.objmode" in f.source
    ref = sb.compile(big)
    rng = np.random.default_rng(2)
    theta = rng.normal(size=len(f.params))
    for batch in (63, 64, 300):  # loops below 64 examples, the NumPy matrix code from 64 on
        X, T = data(big, rng, batch)
        close(f(theta, X, T), ref(theta, X, T), 1e-12)
    X, T = data(big, rng, 100)
    run = sb.train(f, X, T, steps=15, lr=0.2)
    assert run.theta == pytest.approx(sb.train(ref, X, T, steps=15, lr=0.2).theta, rel=1e-9)


@pytest.mark.parametrize("backend", [NUMBA, "jax"])
def test_a_text_format_graph_with_every_function(backend):
    g = sb.parse_graph(GRAPH)
    ref = sb.compile(g)
    f = sb.compile(g, backend=backend)
    rng = np.random.default_rng(5)
    theta = rng.normal(size=3)
    X, T = rng.normal(size=(40, 2)), rng.normal(size=(40, 1))
    close(f(theta, X, T), ref(theta, X, T), 1e-12 if backend == "numba" else 1e-10)
    assert sb.check_gradient(f, theta, X, T).ok(rtol=1e-5, atol=1e-7)


@pytest.mark.slow
def test_sympy_functions_and_compound_arguments_compile_with_numba():
    check_every_function("numba")  # one graph: numba compiles each for seconds


@pytest.mark.parametrize(("layers", "activation", "loss", "out_act"), CASES[::3],
                         ids=[f"{a}-{b}" for _, a, b, _ in CASES[::3]])
@pytest.mark.parametrize("path", ["matrix", "scalar"])
@pytest.mark.parametrize("backend", ["jax", pytest.param("torch", marks=pytest.mark.torch)])
def test_jax_and_torch_equal_numpy(layers, activation, loss, out_act, path, backend):
    pytest.importorskip(backend)  # torch is not in the test extra
    net = sb.mlp(layers, activation=activation, loss=loss, output_activation=out_act)
    ref = sb.compile(net, path=path)
    f = sb.compile(net, backend=backend, path=path)
    assert f.backend == backend and f.path == path
    rng = np.random.default_rng(3)
    theta = rng.normal(size=len(f.params)) * 0.7
    X, T = data(net, rng, 17)
    close(f(theta, X, T), ref(theta, X, T), 1e-10)
    assert f.loss(theta, X, T) == pytest.approx(ref.loss(theta, X, T), rel=1e-10)
    assert f.predict(theta, X) == pytest.approx(ref.predict(theta, X), rel=1e-10, abs=1e-14)


@pytest.mark.slow  # five of JAX's compilations
def test_jax_raw_is_a_pure_function_under_jit_vmap_and_grad():
    net = sb.mlp([2, 3, 2], activation="tanh", loss="softmax_ce")
    # the backend computes in float64 inside its own calls; f.raw, used by hand under JAX's
    # transformations, does so inside jax.enable_x64 (and the process keeps float32 outside)
    assert jnp.ones(1).dtype == jnp.float32
    with jax.enable_x64(True):
        f = sb.compile(net, backend="jax")
        rng = np.random.default_rng(8)
        theta = rng.normal(size=len(f.params))
        X, T = data(net, rng, 9)
        loss, grad = jax.jit(f.raw)(theta, X, T)
        close((float(loss), np.asarray(grad)), sb.compile(net)(theta, X, T), 1e-10)
        # JAX's own differentiation of the generated loss gives the generated gradient
        auto = jax.grad(f.raw_loss)(jnp.asarray(theta), X, T)
        assert np.asarray(auto) == pytest.approx(np.asarray(grad), rel=1e-10, abs=1e-14)
        # a batch of parameter vectors at once
        thetas = jnp.stack([theta, 0.5 * theta, -theta])
        losses, grads = jax.vmap(f.raw, in_axes=(0, None, None))(thetas, X, T)
        assert grads.shape == (3, len(f.params))
        assert float(losses[1]) == pytest.approx(f.loss(0.5 * theta, X, T), rel=1e-12)
        # second derivatives: symmetric, and the derivative of the gradient by central differences
        H = np.asarray(jax.hessian(f.raw_loss)(jnp.asarray(theta), X, T))
        assert np.allclose(H, H.T, atol=1e-12)
        e0 = np.zeros_like(theta)
        e0[0] = 1e-5
        column = (f(theta + e0, X, T)[1] - f(theta - e0, X, T)[1]) / 2e-5
        assert H[:, 0] == pytest.approx(column, rel=1e-5, abs=1e-8)


@pytest.mark.parametrize(("optimizer", "batch_size", "steps"), [
    ("gd", None, 1000), ("momentum", None, 1000), ("gd", 8, 1000), ("momentum", 16, 600),
    ("adam", None, 200), ("adam", 32, 200),
])
@pytest.mark.parametrize("backend", [NUMBA, "jax"])
def test_training_is_the_same_on_every_backend(optimizer, batch_size, steps, backend):
    X, T = sb.datasets.two_moons(n=96, seed=2)
    net = _net(*TRAIN_NET)
    kw = {"lr": 0.05 if optimizer == "adam" else 0.3, "steps": steps, "seed": 4,
          "optimizer": optimizer, "batch_size": batch_size, "layer_norms": True}
    ref = sb.train(net, X, T, **kw)
    run = sb.train(net, X, T, backend=backend, **kw)
    assert run.compiled.backend == backend and run.steps == ref.steps == steps
    assert run.theta == pytest.approx(ref.theta, rel=1e-9, abs=1e-9)
    assert sorted(run.history) == sorted(ref.history)
    for key in ref.history:
        assert np.asarray(run.history[key]) == pytest.approx(np.asarray(ref.history[key]),
                                                             rel=1e-9, abs=1e-12), key


@pytest.mark.slow
def test_numba_training_detects_divergence_with_the_last_good_parameters():
    X, T = sb.datasets.xor()
    net = _net(*RELU_NET)
    with pytest.raises(sb.DivergenceError) as ref:
        sb.train(net, X, T * 1e3, lr=50.0, steps=500, seed=0)
    with pytest.raises(sb.DivergenceError) as got:
        sb.train(net, X, T * 1e3, lr=50.0, steps=500, seed=0, backend="numba")
    assert got.value.step == ref.value.step
    assert list(got.value.last_good) == list(ref.value.last_good)
    assert np.array(list(got.value.last_good.values())) == pytest.approx(
        np.array(list(ref.value.last_good.values())), rel=1e-9)
    assert len(got.value.history["loss"]) == got.value.step - 1


@pytest.mark.slow
def test_numba_training_calls_back_every_step_and_stops():
    X, T = sb.datasets.xor()
    seen = []

    def cb(step, theta, loss):
        seen.append((step, loss))
        if step == 7:
            raise KeyboardInterrupt
        return False

    run = sb.train(_net(*RELU_NET), X, T, steps=50, backend="numba", callback=cb)
    assert run.interrupted and run.steps == 7 and [s for s, _ in seen] == list(range(1, 8))
    assert run.history["loss"] == [loss for _, loss in seen]
    stop = sb.train(_net(*RELU_NET), X, T, steps=50, backend="numba",
                    callback=lambda step, theta, loss: step == 3)
    assert stop.steps == 3 and not stop.interrupted


@pytest.mark.slow
def test_compiling_the_same_net_again_is_free():
    from symbackprop.numeric.loops import compile_seconds
    f = sb.compile(_net(*RELU_NET), backend="numba")
    g = sb.compile(_net(*RELU_NET), backend="numba")
    assert g.source == f.source and g.raw is f.raw and compile_seconds(g.source) == 0.0


def test_missing_backend_names_its_extra(monkeypatch):
    import importlib

    from symbackprop.numeric import codegen
    real = importlib.import_module

    def fake(name, *args):
        if name == "numba":
            raise ImportError("no numba here")
        return real(name, *args)

    monkeypatch.setattr(codegen.importlib, "import_module", fake)
    with pytest.raises(MissingDependencyError, match=r"pip install 'symbackprop\[numba\]'"):
        sb.compile(sb.mlp([2, 2, 1]), backend="numba")
    with pytest.raises(sb.UnknownNameError, match="valid backends are: jax, numba, numpy, torch"):
        sb.compile(sb.mlp([2, 2, 1]), backend="tensorflow")


def _xor_221_loss(theta, X, T):
    """The 2-2-1 sigmoid net's mean half squared error, written out by hand in NumPy."""
    w1 = theta[:4].reshape(2, 2)
    b1, w2, b2 = theta[4:6], theta[6:8], theta[8]
    h = 1 / (1 + np.exp(-(X @ w1.T + b1)))
    y = 1 / (1 + np.exp(-(h @ w2 + b2)))
    return np.mean((T[:, 0] - y) ** 2 / 2)


def test_numpy_raw_is_public_and_unchecked():
    net = sb.mlp([2, 2, 1])
    f = sb.compile(net)
    assert [s.name for s in f.params] == ["w1_11", "w1_12", "w1_21", "w1_22", "b1_1", "b1_2",
                                          "w2_11", "w2_12", "b2_1"]
    X, T = sb.datasets.xor()
    theta = np.linspace(-1, 1, len(f.params))
    loss, grad = f.raw(theta, X, T)
    # oracle: the hand-written loss and its central differences
    h = 1e-6
    fd = np.array([(_xor_221_loss(theta + h * e, X, T) - _xor_221_loss(theta - h * e, X, T))
                   / (2 * h) for e in np.eye(len(theta))])
    assert float(loss) == pytest.approx(_xor_221_loss(theta, X, T), rel=1e-12)
    assert np.asarray(grad) == pytest.approx(fd, rel=1e-6, abs=1e-10)
    # unchecked: raw computes with what f refuses (a NaN input) and returns NaN
    bad = X.astype(float).copy()
    bad[0, 0] = np.nan
    with pytest.raises(sb.SymbackpropError):
        f(theta, bad, T)
    with np.errstate(all="ignore"):
        raw_loss, raw_grad = f.raw(theta, bad, T)
    assert np.isnan(raw_loss) and np.isnan(raw_grad).any()


@pytest.mark.slow
def test_the_readme_sharding_example_runs_on_two_devices():
    """The backends page's way past one machine, on two (simulated) devices, equals one."""
    import os
    import subprocess
    import sys
    from pathlib import Path
    readme = (Path(__file__).resolve().parents[1] / "docs" / "backends.md").read_text(
        encoding="utf-8")
    block = readme.split("shard the batch over every device")[1].split("```python\n")[1]
    code = ("import numpy as np\nimport symbackprop as sb\nfrom symbackprop import datasets\n"
            + block.split("```")[0]
            + "assert len(jax.devices()) == 2\n"
            + "assert np.allclose(grad, f(theta, X, T)[1], rtol=1e-12)\nprint('ok')\n")
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=2")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         timeout=300, check=False)
    assert res.returncode == 0 and res.stdout.strip() == "ok", res.stderr[-2000:]
