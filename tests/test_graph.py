"""The Graph API of the design document."""

import pytest
import sympy as sp

import symbackprop as sb


def test_design_api():
    g = sb.Graph()
    x, y, z = g.inputs("x y z")
    q = g.node("q", x + y)
    f = g.node("f", q * z)
    assert g.output == f
    _, w2, b = g.params("w1 w2 b")
    t = g.targets("t")
    assert isinstance(t, sp.Symbol) and t.name == "t"
    assert g.symbol("w2") is w2
    assert g.kind(b) == "param" and g.kind("t") == "target" and g.kind(q) == "node"
    vals = g.evaluate({x: -2, y: 5, z: -4})
    assert vals == {x: -2, y: 5, z: -4, q: 3, f: -12}
    g.output = q
    assert g.output == q


def test_symbols_are_real_and_foreign_symbols_are_adopted():
    g = sb.Graph()
    x = g.inputs("x")
    assert x.is_real
    s = g.node("s", sp.Abs(sp.Symbol("x")))  # a plain Symbol('x') means the graph's x
    assert g.definition(s).expr == sp.Abs(x)
    assert sb.expanded(g, x) == sp.sign(x)


def test_parents_children_and_str():
    g = sb.parse_graph("a = x*y\nb = a + x\nf = a*b")
    x, a, b, f = (g.symbol(n) for n in "xabf")
    assert g.parents(f) == (a, b)
    assert g.children(a) == (b, f)
    assert g.children(x) == (a, b)
    assert str(g) == "inputs: x, y\nlet a = x*y\n    b = a + x\n    f = a*b\nin  f"
    assert repr(g).startswith("<Graph: 2 leaves, 3 nodes")


def test_exact_numbers_stay_exact():
    g = sb.parse_graph("h = sigmoid(w*x)\nf = h + x/3")
    vals = g.evaluate({"w": 0, "x": sp.Rational(3, 4)})
    assert vals[g.symbol("h")] == sp.Rational(1, 2)
    assert vals[g.symbol("f")] == sp.Rational(3, 4)
    from fractions import Fraction
    assert g.evaluate({"w": 0, "x": Fraction(3, 2)})[g.output] == 1


def test_mlp_textbook_names_and_matrices():
    net = sb.mlp([3, 2, 2], activation="tanh", loss="mse")
    assert net.weights[0].shape == (2, 3)
    assert net.weights[0][1, 2].name == "w1_23"  # into neuron 2 of layer 1 from input 3
    assert net.meta["w1_23"] == {"role": "weight", "layer": 1, "j": 2, "k": 3,
                                 "latex": "w^{(1)}_{23}"}
    assert [s.name for s in net.biases[1]] == ["b2_1", "b2_2"]
    assert [s.name for s in net.target_symbols] == ["t1", "t2"]
    assert net.output.name == "L"
    z = net.symbol("z2_1")
    assert net.definition(z).expr == (net.symbol("w2_11") * net.symbol("h1_1")
                                      + net.symbol("w2_12") * net.symbol("h1_2")
                                      + net.symbol("b2_1"))


def test_mlp_sequential_continues_for_deeper_nets():
    net = sb.mlp("2-3-2-1", activation="relu", naming="sequential")
    names = [s.name for s in net.param_symbols]
    assert names == ["w1", "w2", "w3", "w4", "w5", "w6", "b1", "b2", "b3",
                     "w7", "w8", "w9", "w10", "w11", "w12", "b4", "b5", "w13", "w14", "b6"]
    assert net.definition("h4").expr == (net.symbol("w7") * net.symbol("a_h1")
                                         + net.symbol("w8") * net.symbol("a_h2")
                                         + net.symbol("w9") * net.symbol("a_h3")
                                         + net.symbol("b4"))


def test_output_activation_defaults():
    assert sb.mlp([2, 1], activation="tanh").output_activation == "tanh"
    assert sb.mlp([2, 1], activation="tanh", loss="bce").output_activation == "sigmoid"
    assert sb.mlp([2, 2], activation="tanh", loss="softmax_ce").output_activation == "softmax"
    reg = sb.mlp([1, 3, 1], activation="tanh", output_activation="identity")
    assert reg.definition("E").expr == sp.Rational(1, 2) * (reg.symbol("t")
                                                            - reg.symbol("z2_1")) ** 2


def test_losses_from_logits_give_textbook_gradients():
    # bce and softmax_ce are computed from the logits z, so dL/dz = yhat - t (softmax: for
    # targets that sum to 1); the predictions are nodes of their own, the program reads them
    net = sb.mlp([2, 1], loss="bce")
    z, t = net.symbol("z1_1"), net.symbol("t")
    (yhat,) = net.predictions
    assert net.definition(yhat).expr == sb.sigmoid(z)
    assert sb.backprop(net).gradient(z, form="program") == yhat - t
    net = sb.mlp([2, 3], loss="softmax_ce")
    prog = sb.backprop(net)
    zs, ts = [net.symbol(f"z1_{j}") for j in (1, 2, 3)], net.target_symbols
    for j in range(3):  # -sum t log softmax for any targets: (sum_k t_k) yhat_j - t_j
        assert prog.gradient(zs[j], form="program") == sum(ts) * net.predictions[j] - ts[j]
    # the oracle: the softmax written by hand, and -sum t log softmax differentiated by SymPy
    pt = {zs[0]: sp.Rational(1, 3), zs[1]: -2, zs[2]: sp.Rational(1, 2)}
    onehot = {ts[0]: 1, ts[1]: 0, ts[2]: 0}
    softmax = [sp.exp(zj) / sum(sp.exp(v) for v in zs) for zj in zs]
    ce = -sum(tj * sp.log(sj) for tj, sj in zip(ts, softmax, strict=False))
    for j in range(3):
        got = prog.gradient(zs[j], form="program").xreplace(
            {net.predictions[j]: net.definition(net.predictions[j]).expr})
        want = sp.diff(ce, zs[j])
        assert float((got - want).subs({**onehot, **pt}).evalf(30)) == pytest.approx(0, abs=1e-25)


def test_predictions():
    net = sb.mlp([2, 2], loss="softmax_ce")
    vals = net.evaluate({s: 0 for s in net.leaf_symbols})
    probs = [vals[p] for p in net.predictions]
    assert [sp.simplify(p) for p in probs] == [sp.Rational(1, 2)] * 2
