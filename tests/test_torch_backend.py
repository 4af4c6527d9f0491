"""The PyTorch backend (one module, ``numeric/torch_backend.py``): same gradients as NumPy on
every function (on both paths: ``test_backends.test_jax_and_torch_equal_numpy``), ``f.raw``
under ``torch.func``, the same training.

Oracles: the NumPy backend (itself checked against autograd, SymPy and central differences in
the other files), PyTorch's own differentiation of the generated loss, and SymPy's exact
values. PyTorch is not in the test extra (a wheel of hundreds of megabytes): where it is
missing, these tests are skipped.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import symbackprop as sb

from .backend_checks import GRAPH, check_every_function, close, data

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch  # .ci/run installs the torch extra for these


def test_a_text_format_graph_with_every_function():
    g = sb.parse_graph(GRAPH)
    ref, f = sb.compile(g), sb.compile(g, backend="torch")
    rng = np.random.default_rng(5)
    theta = rng.normal(size=3)
    X, T = rng.normal(size=(40, 2)), rng.normal(size=(40, 1))
    close(f(theta, X, T), ref(theta, X, T), 1e-12)


def test_sympy_functions_and_compound_arguments():
    """Piecewise, Heaviside, sign, a log to base 2 and every function of the package around a
    sum, against SymPy's exact values (numbers in torch code are float64 tensors:
    torch.where(c, 1, 0.01) would be float32)."""
    check_every_function("torch")


def test_raw_is_a_torch_function_under_grad_and_vmap():
    net = sb.mlp([2, 3, 2], activation="tanh", loss="softmax_ce")
    f = sb.compile(net, backend="torch")
    rng = np.random.default_rng(8)
    theta = rng.normal(size=len(f.params))
    X, T = data(net, rng, 9)
    t = [torch.as_tensor(a, dtype=torch.float64) for a in (theta, X, T)]
    loss, grad = f.raw(*t)
    assert isinstance(grad, torch.Tensor) and grad.dtype == torch.float64
    assert float(loss) == pytest.approx(f.loss(theta, X, T), rel=1e-12)
    # PyTorch's own differentiation of the generated loss gives the generated gradient
    auto = torch.func.grad(f.raw_loss)(*t)
    assert auto.numpy() == pytest.approx(f(theta, X, T)[1], rel=1e-10, abs=1e-14)
    losses, grads = torch.func.vmap(f.raw, in_dims=(0, None, None))(
        torch.stack([t[0], 0.5 * t[0]]), t[1], t[2])
    assert grads.shape == (2, len(f.params))
    assert float(losses[1]) == pytest.approx(f.loss(0.5 * theta, X, T), rel=1e-12)


@pytest.mark.parametrize(("optimizer", "batch_size"), [("gd", None), ("adam", 4)])
def test_training_is_the_same_as_numpy(optimizer, batch_size):
    net = sb.mlp([2, 4, 1], activation="tanh", loss="bce")
    X, T = sb.datasets.xor()
    kw = {"lr": 0.05 if optimizer == "adam" else 0.5, "steps": 300, "seed": 0,
          "optimizer": optimizer, "batch_size": batch_size}
    run, ref = sb.train(net, X, T, backend="torch", **kw), sb.train(net, X, T, **kw)
    assert run.steps == ref.steps == 300
    assert run.theta == pytest.approx(ref.theta, rel=1e-9, abs=1e-12)


def test_a_backend_on_another_device_is_one_registration():
    from symbackprop.numeric.backend import BACKENDS, register_backend
    from symbackprop.numeric.torch_backend import TorchBackend
    be = register_backend(TorchBackend(name="torch-cpu2", device="cpu"))
    try:
        net = sb.mlp([2, 2, 1])
        f = sb.compile(net, backend="torch-cpu2")
        theta = np.linspace(-1, 1, len(f.params))
        X, T = np.array([[0.05, 0.1]]), np.array([[0.01]])
        close(f(theta, X, T), sb.compile(net)(theta, X, T), 1e-12)
        assert f.engine is be
    finally:
        del BACKENDS["torch-cpu2"]


def test_import_symbackprop_does_not_import_torch():
    code = "import sys, symbackprop; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120).stdout
    assert out.strip() == "False"


@pytest.mark.parametrize("text", [
    "# params: w b\nE = w*x/3 + b*x",           # no function of torch but the means
    "# params: w b\nE = sin(w*x) + b",           # a constant gradient: dE/db = 1
    "# params: w b u\nE = sin(w*x) + b",         # a parameter the loss does not read
    "# params: w b\nE = (log(2) + sqrt(3))*x*w + max(w*x, 0, b) + min(1, w)",
])
def test_numbers_in_the_code_are_float64_tensors(text):
    g = sb.parse_graph(text)
    f, ref = sb.compile(g, backend="torch"), sb.compile(g)
    theta = np.array([0.7, -0.3, 0.2])[:len(f.params)]
    X = np.array([[1.0], [2.0], [-0.5]])
    close(f(theta, X), ref(theta, X), 1e-12)


def test_logsumexp_of_a_number_and_read_only_arrays():
    g = sb.Graph()
    x = g.inputs("x")
    w = g.params("w")
    g.node("E", sb.logsumexp(0, w * x))
    f = sb.compile(g, backend="torch")
    X = np.array([[1.0], [2.0], [-0.5]])
    X.setflags(write=False)  # torch.as_tensor would warn (an error here): the checks copy it
    theta = np.array([0.7])
    close(f(theta, X), sb.compile(g)(theta, X), 1e-12)
    assert np.logaddexp(0, 0.7 * X[:, 0]).mean() == pytest.approx(f.loss(theta, X), rel=1e-14)
