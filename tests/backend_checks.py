"""Checks the backend tests share (numba, JAX, PyTorch): data for a net, closeness of two
(loss, gradient) results, a text-format graph with every function, and one graph of SymPy's
functions and the package's around a sum, checked against SymPy's exact values."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import symbackprop as sb


def data(net, rng, batch):
    X = rng.normal(size=(batch, net.n_inputs))
    m = net.n_outputs
    if net.loss == "softmax_ce":
        T = np.eye(m)[rng.integers(0, m, batch)]
    elif net.loss == "bce":
        T = rng.integers(0, 2, size=(batch, m)).astype(float)
    else:
        T = rng.uniform(size=(batch, m))
    return X, T


def close(a, b, rtol):
    (la, ga), (lb, gb) = a, b
    assert la == pytest.approx(lb, rel=rtol, abs=1e-300)
    scale = max(np.max(np.abs(gb)), 1e-300)
    assert np.max(np.abs(ga - gb)) <= rtol * scale, np.max(np.abs(ga - gb)) / scale


GRAPH = """# params: w1 w2 b
# targets: t
z = w1*x + w2*y + b
a = max(z, x/2, 0) + min(w1, y) + abs(w2*x)
h = sqrt(1 + z**2) * sin(z) + cos(a) + tanh(z) * sigmoid(a) + relu(z) + softplus(-z)
k = leaky_relu(z - 1) + swish(z) + gelu(a) + erf(z) + atan(a) + log(1 + exp(z))
E = (t - h*k)**2 / 2
"""


COMPOUND = ("sigmoid", "relu", "leaky_relu", "softplus", "swish", "gelu")


def api_terms(z):
    """SymPy's own functions, given through the API (the text format has none of them)."""
    return (sp.Piecewise((z, z > 0), (z / 10, True)) + z * sp.Heaviside(z) + sp.asinh(z)
            + sp.log(z**2 + 1, 2) + sp.sign(z) * z)


def compound_terms(z):
    """Each function of the package around a sum (z - 1, not z), weighted differently, so an
    error in one cannot cancel another's (leaky_relu once printed 0.01*z - 1)."""
    return sp.Add(*[(k + 1) * (getattr(sb, n)(z - 1) + getattr(sb, n)(2 - 3 * z))
                    for k, n in enumerate(COMPOUND)])


def check_every_function(backend: str) -> None:
    """SymPy's own functions and every function of the package around a sum, in one graph,
    compiled on ``backend``: against the NumPy backend, and against SymPy's exact values."""
    g = sb.Graph()
    x = g.inputs("x")
    w = g.params("w")
    z = g.node("z", w * x)
    g.node("h", api_terms(z) + compound_terms(z))
    ref, f = sb.compile(g), sb.compile(g, backend=backend)
    X = np.array([[1.3], [-0.4], [2.0], [-2.0], [0.2]])
    W, Xs = sp.symbols("W X", real=True)
    expr = sb.as_sympy(api_terms(W * Xs) + compound_terms(W * Xs))
    for theta in (np.array([0.7]), np.array([-1.1])):
        close(f(theta, X), ref(theta, X), 1e-12)
        loss, grad = f(theta, X)
        at = [{W: theta[0], Xs: v} for v in X[:, 0]]
        assert loss == pytest.approx(float(sum(expr.subs(p).evalf(30) for p in at)) / 5,
                                     rel=1e-12)
        assert grad[0] == pytest.approx(
            float(sum(sp.diff(expr, W).subs(p).evalf(30) for p in at)) / 5, rel=1e-10)
