"""The defects of the reliability sweep, one test each, named by their number (D1, D2, ...).

Each asserts the right value against an oracle written here by hand, or a clean
``SymbackpropError`` / CLI error.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import symbackprop as sb
from symbackprop.cli import main

# ---- D1: user names that look like generated names -------------------------------------------

CLASH = "# params: w\nb = w*x\na = b*2\ndelta_a = a + 1\nf = delta_a*a*b\n"


def _clash_oracle(w: float, x: float) -> tuple[float, float]:
    """∂f/∂w and ∂f/∂x of f = (a + 1)·a·b with b = w x, a = 2b, by SymPy's diff by hand."""
    W, X = sp.symbols("W X")
    b = W * X
    a = 2 * b
    f = (a + 1) * a * b
    at = {W: w, X: x}
    return float(sp.diff(f, W).subs(at)), float(sp.diff(f, X).subs(at))


def test_D1_generated_names_never_clash_with_user_names(tmp_path, capsys):
    dw, dx = _clash_oracle(0.7, 0.8)
    assert dw == pytest.approx(4.80256)
    g = sb.parse_graph(CLASH)
    run = sb.backprop(g).evaluate({"w": sp.Rational(7, 10), "x": sp.Rational(4, 5)})
    assert float(run[g.symbol("w")]) == pytest.approx(dw, rel=1e-15)
    assert float(run[g.symbol("x")]) == pytest.approx(dx, rel=1e-15)
    f = sb.compile(g)
    _, grad = f(np.array([0.7]), np.array([[0.8]]))
    assert grad[0] == pytest.approx(dw, rel=1e-12)
    trained = sb.train(g, np.array([[0.8]]), None, lr=0.1, steps=1, theta0=[0.7])
    assert trained.theta[0] == pytest.approx(0.7 - 0.1 * dw, rel=1e-12)
    sb.verify(g)
    path = tmp_path / "c.txt"
    path.write_text(CLASH)
    assert main(["derive", "--graph", str(path), "--form", "backprop", "--at", "w=0.7,x=0.8"]) == 0
    table = capsys.readouterr().out.split("at w=0.7")[1]
    row = next(ln.split() for ln in table.splitlines() if ln.split()[:1] == ["w"])
    assert float(row[2]) == pytest.approx(dw, rel=1e-9)


@pytest.mark.parametrize("name", ["delta_q", "dq_dx", "df_dx", "_g", "numpy", "lambda", "print"])
def test_D1_any_user_name_compiles_to_the_right_gradient(name):
    if name.startswith("_"):
        with pytest.raises(sb.SymbackpropError, match="kept for generated code"):
            sb.Graph().inputs(name)
        return
    g = sb.Graph()
    x, u = g.inputs(["x", name])
    w = g.params("w")
    q = g.node("q", w * x + u)
    g.node("f", q * u)
    f = sb.compile(g)
    # f = (w x + u) u, so ∂f/∂w = x u
    _, grad = f(np.array([1.5]), np.array([[2.0, 3.0]]))
    assert grad[0] == pytest.approx(6.0, rel=1e-15)


# ---- D3: names equal under NFKC -----------------------------------------------------------------

def test_D3_names_are_normalised_once_at_the_door():
    g = sb.Graph()
    g.inputs("x")
    with pytest.raises(sb.DuplicateNameError, match="same name"):
        g.inputs("ｘ")  # fullwidth x is x to Python
    assert g.symbol("ｘ") is g.symbol("x")
    g2 = sb.Graph()
    (n,) = g2.inputs(["ｎｕｍｐｙ"])
    assert n.name == "numpy"
    w = g2.params("w")
    g2.node("f", w * n)
    _, grad = sb.compile(g2)(np.array([2.0]), np.array([[5.0]]))
    assert grad[0] == pytest.approx(5.0, rel=1e-15)


def test_D3_foreign_symbols_are_adopted_by_their_normal_form():
    g = sb.Graph()
    x, y = g.inputs("x y")
    f = g.node("f", sp.Symbol("ｘ", real=True) + 2 * y)
    assert g.definition(f).expr == x + 2 * y
    vals = g.evaluate({"x": 3, "y": 4})
    assert vals[f] == 11
