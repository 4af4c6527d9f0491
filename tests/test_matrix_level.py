"""The network on matrices: any width, any number of classes (issue 16).

Oracles: SymPy's own ``diff`` of the loss written out in the leaves (the fourth form against
the first), Mazur's published worked example ("A Step by Step Backpropagation Example", Matt
Mazur, 2015: δ_o1 = 0.138498562, ∂E/∂w5 = 0.082167041, ∂E/∂w1 = 0.000438568), central
differences of the compiled loss, and NumPy written by hand.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import sympy as sp

import symbackprop as sb
from symbackprop.core.network import MAX_PARAMS, ParamSymbols
from symbackprop.derive.local import full_substitution
from symbackprop.derive.matrix import TOTAL

from .mathjax_check import needs_mathjax, problems, typeset

BIG = [784, 256, 256, 10]


# ---- 1. the net on matrices ---------------------------------------------------------------------

@pytest.mark.timeout(60)
def test_a_wide_net_is_its_matrices_and_builds_no_scalar_graph():
    net = sb.mlp(BIG, activation="relu", loss="softmax_ce")
    S = net.matrices
    assert [W.shape for W in S.W] == [(256, 784), (256, 256), (10, 256)]
    assert [b.shape for b in S.b] == [(256, 1), (256, 1), (10, 1)]
    assert S.x.shape == (784, 1) and S.t.shape == (10, 1) and S.h[-1].shape == (10, 1)
    assert net.n_params == 784 * 256 + 256 + 256 * 256 + 256 + 256 * 10 + 10  # by hand
    mf = sb.matrix_form(net)
    f = sb.compile(net)
    assert f.path == "matrix"
    assert not net.scalar_built  # nothing above needed one symbol per weight
    params = net.param_symbols
    assert isinstance(params, ParamSymbols) and len(params) == net.n_params
    assert [p.name for p in params[:2]] == ["w1_11", "w1_12"]
    assert params[9].name == "w1_1_10" and params[784].name == "w1_21"
    assert params[-1].name == "b3_10"
    assert "269,322 params" in repr(net)
    assert "W1 256x784" in str(mf)


@pytest.mark.parametrize("naming", ["textbook", "sequential"])
def test_the_parameters_made_lazily_are_the_scalar_graphs(naming):
    lazy = sb.mlp([3, 4, 2], loss="softmax_ce", naming=naming)
    names = [p.name for p in lazy.param_symbols]
    assert not lazy.scalar_built
    assert len(lazy.weights) == 2  # the scalar graph, made on first use
    assert lazy.scalar_built and names == [p.name for p in lazy.param_symbols]
    assert list(ParamSymbols(lazy)) == list(lazy.param_symbols)
    assert lazy.version == 0  # making it changed nothing a derivation could see


@pytest.mark.timeout(60)
def test_the_scalar_graph_of_a_wide_net_is_refused_with_a_way_out():
    net = sb.mlp([784, 128, 10], loss="softmax_ce")
    with pytest.raises(sb.LimitError) as info:
        sb.chain(net, "w1_11")
    message = str(info.value)
    assert "101,770 parameters" in message and f"{MAX_PARAMS:,}" in message
    assert "sb.matrix_form(net), sb.compile(net)" in message
    assert not net.scalar_built
    mf = sb.matrix_form(net)
    with pytest.raises(sb.LimitError, match=r"mf\.delta, mf\.grad"):
        print(mf.deltas)  # the entries one by one need the scalar graph


def test_a_net_too_big_for_memory_is_refused_up_front():
    with pytest.raises(sb.LimitError, match=r"GiB.*build a smaller net"):
        sb.mlp([100_000, 100_000, 100_000, 10])


# ---- 2. BP1-BP4 derived on matrices -----------------------------------------------------------

@pytest.mark.timeout(60)
def test_bp1_to_bp4_are_derived_for_a_784_wide_net():
    mf = sb.matrix_form(sb.mlp(BIG, activation="relu", loss="softmax_ce"))
    text = [mf.text(e) for e in mf.delta_equations]
    assert text == ["(W2.T*delta2) ⊙ relu'(z1)", "(W3.T*delta3) ⊙ relu'(z2)",
                    "Σt*yhat - t"]  # BP2, BP2, BP1: softmax cross-entropy on the logits
    assert [mf.text(mf.grad(l)) for l in (1, 2, 3)] == ["delta1*x.T", "delta2*h1.T",
                                                        "delta3*h2.T"]  # BP3
    assert [mf.text(mf.grad(l, of="b")) for l in (1, 2, 3)] == ["delta1", "delta2",
                                                                "delta3"]  # BP4
    assert all(mf.grad(l).shape == mf.symbols.W[l - 1].shape for l in (1, 2, 3))
    expanded = mf.grad(1, expanded=True)
    S = mf.symbols
    assert expanded.shape == (256, 784)
    assert expanded.free_symbols <= {*S.W, *S.b, S.x, S.t, TOTAL}
    assert mf.text(mf.grad(3, expanded=True)) == (
        "(Σt*softmax(W3*relu(W2*relu(W1*x + b1) + b2) + b3) - t)*"
        "relu(W2*relu(W1*x + b1) + b2).T")
    with pytest.raises(sb.InvalidValueError, match=r"layers with weights are 1\.\.3"):
        mf.grad(4)


@pytest.mark.parametrize(("loss", "out", "expected"), [
    ("half_se", None, "(yhat - t) ⊙ tanh'(z2)"),
    ("mse", "identity", "yhat - t"),  # 2/m (ŷ − t) with m = 2
    ("bce", None, "yhat - t"),
    ("softmax_ce", None, "Σt*yhat - t"),
])
def test_bp1_is_right_for_every_output(loss, out, expected):
    net = sb.mlp([3, 4, 1 if loss == "bce" else 2], activation="tanh", loss=loss,
                 output_activation=out)
    assert sb.matrix_form(net).text(sb.matrix_form(net).delta(2)) == expected


CASES = [([2, 2, 1], "sigmoid", "half_se", None), ([2, 3, 2], "tanh", "mse", None),
         ([3, 2, 2, 1], "relu", "bce", None), ([2, 3, 3], "softplus", "softmax_ce", None),
         ([2, 2, 1], "a", "half_se", None), ([2, 3, 2], "tanh", "huber", "identity"),
         ([2, 2, 2], "swish", "half_se", "identity")]


@pytest.mark.timeout(240)
@pytest.mark.parametrize(("layers", "activation", "loss", "out"), CASES)
def test_the_fourth_form_equals_sympys_own_diff_entry_by_entry(layers, activation, loss, out):
    net = sb.mlp(layers, activation=activation, loss=loss, output_activation=out)
    mf = sb.matrix_form(net)
    L = full_substitution(net)[net.output]  # the loss written out in the leaves
    # targets that do not sum to 1, as softmax cross-entropy must take
    point = {s: sp.Rational((-1) ** i * (i % 7 + 1), 9) for i, s in enumerate(net.leaf_symbols)}
    for l in range(1, net.depth + 1):
        for of, symbols in (("W", net.weights[l - 1]), ("b", net.biases[l - 1])):
            entries = mf.explicit(mf.grad(l, expanded=True, of=of))
            for j, k in itertools.product(range(entries.rows), range(entries.cols)):
                oracle = sp.diff(L, symbols[j, k])
                d = (entries[j, k] - oracle).xreplace(point)
                assert abs(float(sp.N(d, 40))) < 1e-25, (symbols[j, k], entries[j, k])
        # with the deltas as symbols, the entries are the scalar matrix form's
        assert sp.simplify(mf.explicit(mf.grad(l)) - mf.dW[l - 1]) == sp.zeros(
            *mf.dW[l - 1].shape)


def test_mazurs_worked_example_at_the_point():
    # Mazur's 2-2-2 net: w1..w8, b1 = b2 = 0.35, b3 = b4 = 0.6, x = (0.05, 0.1), t = (0.01, 0.99)
    net = sb.mlp([2, 2, 2], activation="sigmoid", naming="sequential")
    mf = sb.matrix_form(net)
    at = mf.at({"w1": .15, "w2": .2, "w3": .25, "w4": .3, "b1": .35, "b2": .35, "w5": .4,
                "w6": .45, "w7": .5, "w8": .55, "b3": .6, "b4": .6, "x1": .05, "x2": .1,
                "t1": .01, "t2": .99})
    delta = [float(v) for v in at[mf.delta_matrices[1]]]
    assert delta == pytest.approx([0.138498562, -0.0380982365], abs=1e-9)
    assert float(at[("grad", 2)][0, 0]) == pytest.approx(0.082167041, abs=1e-9)  # ∂E/∂w5
    assert float(at[("grad", 1)][0, 0]) == pytest.approx(0.000438568, abs=1e-9)  # ∂E/∂w1
    assert float(at[mf.symbols.h[1]][0]) == pytest.approx(0.593269992, abs=1e-9)  # out_h1


@pytest.mark.timeout(60)
def test_the_matrix_form_prints_with_dimensions_as_latex():
    mf = sb.matrix_form(sb.mlp(BIG, activation="relu", loss="softmax_ce"))
    tex = sb.latex(mf)
    assert r"W^{(1)} \in \mathbb{R}^{256\times 784}" in tex
    assert r"W^{(3)} \in \mathbb{R}^{10\times 256}" in tex
    assert (r"\boldsymbol{\delta}^{(2)} &= \left(W^{(3)\top} \boldsymbol{\delta}^{(3)}\right) "
            r"\odot \operatorname{ReLU}'\left(\boldsymbol{z}^{(2)}\right)") in tex
    assert (r"\boldsymbol{\delta}^{(3)} &= \Bigl(\sum_k t_k\Bigr) \hat{\boldsymbol{y}} - "
            r"\boldsymbol{t}") in tex
    assert mf.tex(mf.grad(1)) == r"\boldsymbol{\delta}^{(1)} \boldsymbol{x}^{\top}"


@needs_mathjax
@pytest.mark.timeout(120)
def test_the_matrix_form_typesets_in_mathjax():
    small = sb.matrix_form(sb.mlp([2, 2, 1], activation="sigmoid", naming="sequential"))
    big = sb.matrix_form(sb.mlp(BIG, activation="tanh", loss="softmax_ce"))
    sources = [f"${sb.latex(small)}$", f"${sb.latex(big)}$",
               f"${big.tex(big.grad(1, expanded=True))}$",
               f"${small.tex(small.grad(1, expanded=True))}$"]
    for src, res in zip(sources, typeset(sources), strict=True):
        assert not problems(src, res), (problems(src, res), src[:300])


# ---- 3. the compiler reads it -----------------------------------------------------------------

def _central(f, theta, X, T, idx, h=1e-5):
    out = []
    for i in idx:
        e = np.zeros_like(theta)
        e[i] = h
        out.append((f.loss(theta + e, X, T) - f.loss(theta - e, X, T)) / (2 * h))
    return np.array(out)


@pytest.mark.timeout(120)
@pytest.mark.parametrize("layers", [[64, 32, 10], [784, 128, 10], BIG])
def test_softmax_nets_of_any_width_compile_on_the_matrix_path(layers):
    net = sb.mlp(layers, activation="tanh", loss="softmax_ce")
    f = sb.compile(net)
    assert f.path == "matrix" and not net.scalar_built
    rng = np.random.default_rng(1)
    theta = rng.normal(size=len(f.params)) * 0.05
    X = rng.normal(size=(8, layers[0]))
    T = rng.uniform(size=(8, layers[-1]))  # probability-like targets that do not sum to 1
    loss, grad = f(theta, X, T)
    idx = rng.choice(len(theta), 24, replace=False)
    np.testing.assert_allclose(grad[idx], _central(f, theta, X, T, idx), rtol=1e-6, atol=1e-9)
    # the loss by hand: −Σ t log softmax(z), averaged over the batch
    H = X
    for l, (w, b) in enumerate(net.param_slices(), 1):
        Z = H @ theta[w].reshape(layers[l], layers[l - 1]).T + theta[b]
        H = np.tanh(Z) if l < len(layers) - 1 else Z
    logp = H - H.max(axis=1, keepdims=True)
    logp -= np.log(np.exp(logp).sum(axis=1, keepdims=True))
    assert loss == pytest.approx(float(np.mean(-(T * logp).sum(axis=1))), rel=1e-12)
    assert "_D2 = _D3 @ _W3" in f.source or len(layers) == 3


@pytest.mark.timeout(120)
def test_a_784_128_10_net_trains_on_random_data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(128, 784))
    T = np.eye(10)[rng.integers(0, 10, 128)]
    net = sb.mlp([784, 128, 10], activation="relu", loss="softmax_ce")
    run = sb.train(net, X, T, lr=0.01, steps=40, optimizer="adam")
    assert run.history["loss"][-1] < 0.1 * run.history["loss"][0]
    assert run.accuracy(X, T) == 1.0  # 128 random points memorised by 100k parameters
    assert not net.scalar_built


@pytest.mark.timeout(300)
def test_jax_takes_the_matrix_derivation_at_any_width():
    pytest.importorskip("jax")
    net = sb.mlp([784, 128, 10], activation="relu", loss="softmax_ce")
    f, ref = sb.compile(net, backend="jax"), sb.compile(net)
    rng = np.random.default_rng(2)
    theta = rng.normal(size=len(f.params)) * 0.05
    X, T = rng.normal(size=(16, 784)), np.eye(10)[rng.integers(0, 10, 16)]
    (a, ga), (b, gb) = f(theta, X, T), ref(theta, X, T)
    assert f.path == "matrix" and a == pytest.approx(b, rel=1e-12)
    np.testing.assert_allclose(ga, gb, rtol=1e-10, atol=1e-14)


@pytest.mark.timeout(60)
def test_the_command_line_prints_the_matrix_form_of_any_width(capsys):
    from symbackprop.cli import main
    assert main(["derive", "--net", "784-256-256-10", "--activation", "relu", "--loss",
                 "softmax_ce", "--naming", "textbook", "--form", "matrix"]) == 0
    out = capsys.readouterr().out
    assert "W1 256x784" in out and "delta2 = (W3.T*delta3) ⊙ relu'(z2)" in out
    assert "∂L/∂W1 = delta1*x.T" in out
    assert main(["derive", "--net", "2-2-1", "--form", "matrix", "--wrt", "w1"]) == 2
    assert "--wrt goes with the scalar forms" in capsys.readouterr().err


@pytest.mark.timeout(120)
def test_verify_checks_the_matrix_form_as_a_fourth_form(monkeypatch):
    net = sb.mlp([2, 3, 2], activation="tanh", loss="softmax_ce")
    report = {a.variable.name: a for a in sb.verify(net)}
    assert report["w1_11"].forms == ("expanded", "chain", "backprop", "matrix")
    assert report["b2_2"].forms[-1] == "matrix" and report["x1"].forms[-1] == "backprop"
    import importlib
    verify_module = importlib.import_module("symbackprop.derive.verification")
    real = verify_module._MatrixEntries.get

    def off_by_one(self, v, budget):  # a matrix form that is wrong for one weight
        e = real(self, v, budget)
        return e + 1 if e is not None and v.name == "w2_12" else e

    monkeypatch.setattr(verify_module._MatrixEntries, "get", off_by_one)
    with pytest.raises(sb.VerificationError, match="matrix forms of ∂L/∂w2_12 disagree"):
        sb.verify(net, wrt=["w2_12"])


def test_a_net_changed_after_mlp_is_checked_again_on_every_path():
    # an L2 node added after the loss: the output is no longer the loss the matrices know
    for loss, T in (("half_se", np.ones((3, 1))), ("softmax_ce", np.eye(2)[[0, 1, 0]])):
        net = sb.mlp([2, 3, T.shape[1]], loss=loss)
        lam = net.params("lam")
        net.node("R", net.output + lam * net.symbol("w1_11") ** 2)
        assert not net.plain
        f = sb.compile(net)
        assert f.path == "scalar" and "the output is R" in f.reason
        theta = np.linspace(-0.5, 0.5, len(f.params))
        X = np.array([[0.3, -0.2], [1.0, 0.5], [-0.7, 0.1]])
        base = sb.compile(sb.mlp([2, 3, T.shape[1]], loss=loss))
        k = [p.name for p in f.params]
        extra = theta[k.index("lam")] * theta[k.index("w1_11")] ** 2
        assert f(theta, X, T)[0] == pytest.approx(base(theta[:-1], X, T)[0] + extra, rel=1e-12)
        with pytest.raises(sb.InvalidValueError, match="the output is R"):
            sb.matrix_form(net)


def test_a_stable_form_belongs_to_its_own_class_and_params_index_like_a_tuple():
    from symbackprop.numeric.codegen import numpy_source
    z = sp.Symbol("z")
    assert numpy_source(sb.sigmoid(z)) == "scipy.special.expit(z)"
    with pytest.raises(sb.NoNumericFormError):  # SymPy's own undefined relu is not ours
        numpy_source(sp.Function("relu")(z))
    params = sb.mlp([3, 4, 2]).param_symbols
    assert params[np.int64(3)] == tuple(params)[3]
    assert hash(params) == hash(tuple(params)) and {params: 1}[tuple(params)] == 1
