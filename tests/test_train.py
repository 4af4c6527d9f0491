"""Training with the compiled gradients: the lessons of the seeds, reproducibly."""

import numpy as np
import pytest

import symbackprop as sb
from symbackprop import datasets
from symbackprop.cli import main


def test_xor_2_4_1_reaches_tiny_loss():
    X, T = datasets.xor()
    run = sb.train(sb.mlp([2, 4, 1], activation="tanh"), X, T, lr=0.5, steps=2000, seed=1)
    assert run.history["loss"][-1] < 1e-3
    assert run.accuracy(X, T) == 1.0
    assert len(run.history["loss"]) == run.steps == 2000
    assert set(run.params) == {s.name for s in run.compiled.params}


def test_two_moons_97_percent():
    X, T = datasets.two_moons(n=200, noise=0.1, seed=0)
    run = sb.train(sb.mlp([2, 16, 1], activation="tanh", loss="bce"), X, T, lr=0.5,
                   steps=3000, seed=1)
    assert run.accuracy(X, T) >= 0.97


def test_reproducible_with_a_seed_and_different_without():
    X, T = datasets.two_moons(n=64, seed=2)
    net = sb.mlp([2, 5, 1], activation="relu", loss="bce")
    a = sb.train(net, X, T, lr=0.1, steps=50, seed=3, batch_size=16)
    b = sb.train(net, X, T, lr=0.1, steps=50, seed=3, batch_size=16)
    c = sb.train(net, X, T, lr=0.1, steps=50, seed=4, batch_size=16)
    np.testing.assert_array_equal(a.theta, b.theta)
    assert not np.array_equal(a.theta, c.theta)


def test_one_gd_step_is_w_minus_eta_grad():
    # seed 000: w_update = w_original - learning_rate * dLoss/dw
    net = sb.mlp([2, 2, 1], activation="sigmoid", naming="sequential")
    f = sb.compile(net)
    X, T = np.array([[0.05, 0.1]]), np.array([[0.01]])
    theta0 = np.array([0.15, 0.2, 0.25, 0.3, 0.35, 0.35, 0.4, 0.45, 0.6])
    run = sb.train(f, X, T, lr=0.5, steps=1, theta0=theta0)
    _, grad = f(theta0, X, T)
    np.testing.assert_allclose(run.theta, theta0 - 0.5 * grad, rtol=0, atol=1e-15)
    assert run.params["w5"] == pytest.approx(0.4 - 0.5 * 0.082167041, abs=1e-9)


@pytest.mark.parametrize("optimizer", ["momentum", "adam"])
def test_optimizers_reduce_the_loss(optimizer):
    X, T = datasets.sine(n=40)
    net = sb.mlp([1, 8, 1], activation="tanh", output_activation="identity")
    run = sb.train(net, X, T, lr=0.01 if optimizer == "adam" else 0.05, steps=400, seed=0,
                   optimizer=optimizer)
    assert run.history["loss"][-1] < 0.2 * run.history["loss"][0]


def test_layer_gradient_norms_show_vanishing_gradients():
    X, T = datasets.two_moons(n=64, seed=0)
    net = sb.mlp([2, 4, 4, 4, 4, 4, 4, 1], activation="sigmoid", loss="bce")
    run = sb.train(net, X, T, lr=0.1, steps=3, seed=0, layer_norms=True)
    first, last = run.history["grad_norm_W1"][0], run.history["grad_norm_W7"][0]
    assert first < last / 10  # sigmoid' <= 1/4 per layer shrinks the early gradients


def test_divergence_is_caught_and_keeps_the_last_good_parameters():
    X, T = datasets.sine(n=20)
    net = sb.mlp([1, 4, 1], activation="relu", output_activation="identity")
    with pytest.raises(sb.DivergenceError) as info:
        sb.train(net, X, T * 1e6, lr=10.0, steps=200, seed=0)
    err = info.value
    assert 1 < err.step <= 200
    assert f"training diverged at step {err.step}" in str(err)
    assert all(np.isfinite(v) for v in err.last_good.values())
    assert len(err.history["loss"]) == err.step - 1


def test_bad_arguments():
    X, T = datasets.xor()
    net = sb.mlp([2, 2, 1])
    with pytest.raises(sb.UnknownNameError, match="valid optimizers are: adam, gd, momentum"):
        sb.train(net, X, T, optimizer="sgd")
    with pytest.raises(sb.ShapeError, match="X has shape"):
        sb.train(net, X[:, :1], T)
    with pytest.raises(sb.ShapeError, match="T has shape"):
        sb.train(net, X, T[:3])
    with pytest.raises(sb.InvalidValueError, match="learning rate"):
        sb.train(net, X, T, lr=-1)
    with pytest.raises(sb.InvalidValueError, match="batch_size must be at least 1"):
        sb.train(net, X, T, batch_size=0)


def test_datasets_shapes():
    X, T = datasets.two_moons(n=101)
    assert X.shape == (101, 2) and T.shape == (101, 1) and set(T.ravel()) == {0, 1}
    X, T = datasets.spiral(n=90, classes=3)
    assert X.shape == (90, 2) and T.shape == (90, 3) and np.all(T.sum(axis=1) == 1)
    X, T = datasets.sine(n=10)
    np.testing.assert_allclose(T[:, 0], np.sin(X[:, 0]))
    with pytest.raises(sb.UnknownNameError, match="valid datasets are"):
        datasets.load("mnist")


def test_cli_train_with_plot(tmp_path, capsys):
    png = tmp_path / "loss.png"
    code = main(["train", "--net", "2-4-1", "--activation", "tanh", "--loss", "half_se",
                 "--data", "xor", "--lr", "0.5", "--steps", "2000", "--seed", "1",
                 "--plot", str(png)])
    out = capsys.readouterr().out
    assert code == 0
    assert "training accuracy 100.0%" in out
    final = float(out.split("final loss ")[1].split()[0])
    assert final < 1e-3
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp file left


def test_cli_train_mismatched_net(capsys):
    code = main(["train", "--net", "3-4-1", "--data", "xor"])
    assert code == 2
    assert "has 2 inputs and 1 targets; the net 3-4-1 has 3 and 1" in capsys.readouterr().err
