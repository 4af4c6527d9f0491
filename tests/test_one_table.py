"""An activation is one entry of one table (issue 17, item 1).

Mish is added here the way a contributor would: one ActivationDef row. It then reaches the
registry, mlp, the text format, the compiled code of every backend (printed from its
definition: no backend has a stable form for it) and the notes. Oracles: SymPy's own diff of
mish's definition, central differences of the compiled loss.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import symbackprop as sb
from symbackprop.core.functions import ACTIVATION_TABLE, CLASSES, ActivationDef, sigmoid
from symbackprop.numeric.stable import STABLE


def _softplus(z):
    return sp.log(1 + sp.exp(z))


# mish(z) = z tanh(softplus(z)); d/dz = tanh(sp(z)) + z σ(z) (1 − tanh²(sp(z)))
MISH = ActivationDef(
    "mish", lambda z: z * sp.tanh(_softplus(z)),
    lambda z, a: sp.tanh(_softplus(z)) + z * sigmoid(z) * (1 - sp.tanh(_softplus(z)) ** 2),
    r"\operatorname{mish}", "z·tanh(softplus(z))")


@pytest.fixture
def mish():
    sb.register_activation(MISH)
    yield sb.ACTIVATIONS["mish"].function
    sb.ACTIVATIONS.unregister("mish")


def test_the_table_is_the_one_source():
    rows = [row.name for row in ACTIVATION_TABLE]
    assert rows == list(CLASSES)
    for name in rows:  # each row is registered, exported and callable in the text format
        assert sb.ACTIVATIONS[name].function is CLASSES[name]
        assert getattr(sb, name) is CLASSES[name] and name in sb.__all__
        g = sb.parse_graph(f"f = {name}(w*x)\n# params: w")
        assert isinstance(g.definition("f").expr, CLASSES[name])
    # the backends keep the stable forms, for names the core defines
    assert set(STABLE) <= {*CLASSES, "logsumexp", "shifted", "rowsum", "rowprod", "rowmax",
                           "rowmin", "rowlogsumexp"}


def test_a_row_gives_its_textbook_derivative_and_exact_values(mish):
    z = sp.Symbol("z", real=True)
    exact = MISH.definition(z)
    assert sp.simplify((mish(z).diff(z) - exact.diff(z)).rewrite(sp.exp)) == 0  # SymPy's diff
    assert mish(0) == 0 and mish(sp.Float(1.0)) == pytest.approx(0.8650983882673103)
    assert sb.latex(mish(z)) == r"\operatorname{mish}(z)"


def test_mish_reaches_mlp_the_text_format_every_backend_and_the_notes(mish):
    net = sb.mlp([2, 3, 1], activation="mish", loss="half_se")
    g = sb.parse_graph("h = mish(w*x + b)\nf = (h - t)**2/2\n# params: w, b\n# targets: t")
    rng = np.random.default_rng(0)
    X, T = rng.normal(size=(6, 2)), rng.normal(size=(6, 1))
    theta = rng.normal(size=net.n_params) * 0.5
    for backend in ("numpy", "jax"):
        if backend == "jax":
            pytest.importorskip("jax")
        f = sb.compile(net, backend=backend)
        _, grad = f(theta, X, T)
        h = 1e-6
        for i in range(len(theta)):
            e = np.zeros_like(theta)
            e[i] = h
            num = (f.loss(theta + e, X, T) - f.loss(theta - e, X, T)) / (2 * h)
            assert grad[i] == pytest.approx(num, rel=1e-6, abs=1e-9)
        fg = sb.compile(g, backend=backend)
        assert np.isfinite(fg(np.array([0.3, -0.1]), X[:, :1], T)[0])
    assert r"\operatorname{mish}" in str(sb.notes(net, wrt=["w1_11"]))


def test_an_activation_registered_at_run_time_reaches_the_text_format():
    sb.register_activation("cube", lambda z: z**3, "the cube")
    try:
        g = sb.parse_graph("f = cube(w*x)\n# params: w")
        assert g.definition("f").expr == (g.symbol("w") * g.symbol("x")) ** 3
        w, x = g.symbol("w"), g.symbol("x")
        assert sp.expand(sb.chain(g, "w").doit() - 3 * w**2 * x**3) == 0
    finally:
        sb.ACTIVATIONS.unregister("cube")
    with pytest.raises(sb.ParseError, match="unknown function 'cube'"):
        sb.parse_graph("f = cube(w*x)\n# params: w")


def test_the_docs_list_every_registered_name():
    from pathlib import Path
    text = (Path(__file__).resolve().parents[1] / "docs" / "networks.md").read_text("utf-8")
    for name in [*sb.ACTIVATIONS, *sb.LOSSES]:
        assert f"`{name}`" in text, name


def test_a_backend_is_one_class_and_a_registration():
    # a backend that runs NumPy's code and counts its calls: everything it does not say
    # (both paths, the checks, training) comes from Backend
    from symbackprop.numeric.backend import BACKENDS, NumPyBackend, register_backend

    calls = []

    class Counting(NumPyBackend):
        name = "counting"

        def fast(self, fn):
            def run(*args):
                calls.append(fn.__name__)
                return fn(*args)
            return run

    register_backend(Counting())
    try:
        net = sb.mlp([2, 3, 1], activation="tanh", loss="bce")
        f = sb.compile(net, backend="counting")
        rng = np.random.default_rng(0)
        X, T = rng.normal(size=(8, 2)), rng.integers(0, 2, size=(8, 1)).astype(float)
        theta = rng.normal(size=len(f.params))
        (a, ga), (b, gb) = f(theta, X, T), sb.compile(net)(theta, X, T)
        assert f.backend == "counting" and a == b and np.array_equal(ga, gb)
        run = sb.train(f, X, T, steps=5, lr=0.1)
        assert len(run.history["loss"]) == 5 and calls.count("_grad") >= 6
    finally:
        BACKENDS.pop("counting")
