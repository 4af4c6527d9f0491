"""Every error a user can get, with the message it gives."""

import pytest
import sympy as sp

import symbackprop as sb


def test_one_hierarchy():
    for cls in (sb.UnknownNameError, sb.LayerSpecError, sb.UnknownVariableError,
                sb.DuplicateNameError, sb.CycleError, sb.ExpressionTooLargeError, sb.ParseError,
                sb.ShapeError, sb.DivergenceError, sb.VerificationError):
        assert issubclass(cls, sb.SymbackpropError)


def test_unknown_activation_lists_valid_names():
    with pytest.raises(sb.UnknownNameError) as info:
        sb.mlp([2, 2, 1], activation="sigmoud")
    assert str(info.value) == (
        "unknown activation 'sigmoud'; did you mean 'sigmoid'? valid activations are: "
        "a, gelu, identity, leaky_relu, relu, sigmoid, softplus, swish, tanh")
    assert isinstance(info.value, ValueError)


def test_unknown_loss_and_naming():
    with pytest.raises(sb.UnknownNameError, match="valid losses are: bce, half_se, huber, mse, softmax_ce"):
        sb.mlp([2, 1], loss="mae")
    with pytest.raises(sb.UnknownNameError, match="valid namings are: sequential, textbook"):
        sb.mlp([2, 1], naming="greek")
    with pytest.raises(sb.UnknownNameError, match="softmax"):
        sb.mlp([2, 2], output_activation="softmin")


@pytest.mark.parametrize(("layers", "message"), [
    ([2], "at least an input and an output"),
    ([], "at least an input and an output"),
    ([2, 0, 1], "layer 1 has size 0"),
    ([2, -3, 1], "layer 1 has size -3"),
    ([2, 2.5, 1], "layer 1 has size 2.5"),
    ([2, True, 1], "layer 1 has size True"),
    ("2-x-1", "not of the form '2-2-1'"),
    (5, "at least an input and an output"),
])
def test_bad_layer_lists(layers, message):
    with pytest.raises(sb.LayerSpecError, match=message):
        sb.mlp(layers)


def test_loss_and_output_activation_that_do_not_fit():
    with pytest.raises(sb.LayerSpecError, match="at least 2 outputs"):
        sb.mlp([2, 1], loss="softmax_ce")
    with pytest.raises(sb.LayerSpecError, match="output_activation must be 'sigmoid'"):
        sb.mlp([2, 1], loss="bce", output_activation="tanh")
    with pytest.raises(sb.LayerSpecError, match="softmax output goes with loss='softmax_ce'"):
        sb.mlp([2, 2], loss="mse", output_activation="softmax")


def test_unknown_variable_suggests_near_names():
    net = sb.mlp([2, 2, 1], naming="sequential")
    with pytest.raises(sb.UnknownVariableError) as info:
        sb.chain(net, "w7")
    msg = str(info.value)
    assert msg.startswith("'w7' is not a variable of the graph; did you mean")
    assert "'w1'" in msg or "'w5'" in msg
    with pytest.raises(KeyError):  # also a KeyError, for generic handlers
        net.symbol("nope")
    with pytest.raises(sb.UnknownVariableError, match=r"did you mean .*'w1_11'"):
        sb.mlp([2, 2, 1]).symbol("w1_1l")


def test_graph_errors():
    g = sb.Graph()
    x = g.inputs("x")
    with pytest.raises(sb.DuplicateNameError, match="'x' is already defined in this graph"):
        g.params("x")
    g.node("q", x + 1)
    with pytest.raises(sb.DuplicateNameError, match="'q' is already defined"):
        g.node("q", x + 2)
    with pytest.raises(sb.UnknownVariableError, match=r"'y' is not a variable.*declare leaves"):
        g.node("f", x * sp.Symbol("y"))
    with pytest.raises(sb.CycleError, match="'f' is defined in terms of itself"):
        g.node("f", x * sp.Symbol("f"))
    with pytest.raises(sb.SymbackpropError, match="not a valid name"):
        g.inputs("2x")
    with pytest.raises(sb.InputTypeError, match="is a str; pass a SymPy expression"):
        g.node("s", "x + 1")
    with pytest.raises(sb.SymbackpropError, match="the output must be a node"):
        g.output = "x"
    with pytest.raises(sb.SymbackpropError, match="no value given for x"):
        g.evaluate({})
    with pytest.raises(sb.SymbackpropError, match="give values for leaves only"):
        g.evaluate({"x": 1, "q": 2})
    with pytest.raises(sb.SymbackpropError, match="not a number"):
        g.evaluate({"x": "one"})
    with pytest.raises(sb.SymbackpropError, match="has no nodes yet"):
        _ = sb.Graph().output


def test_too_large_message():
    net = sb.mlp([4, 8, 8, 8, 8, 1])
    with pytest.raises(sb.ExpressionTooLargeError) as info:
        sb.expanded(net, "w1_11")
    msg = str(info.value)
    assert msg.startswith("the expanded derivative ∂E/∂w1_11 would have about ")
    assert "nodes in its expression tree, over the budget of 200,000; use chain(g, 'w1_11')" in msg


def test_unknown_gradient_form():
    bp = sb.backprop(sb.parse_graph("f = x*y"))
    with pytest.raises(sb.UnknownNameError, match="valid forms are: leaves, program"):
        bp.gradient("x", form="numeric")


def test_errors_on_data_and_divergence_carry_their_facts():
    e = sb.DivergenceError(17, "the loss", last_good={"w": 1.0})
    assert e.step == 17 and e.last_good == {"w": 1.0}
    assert str(e).startswith("training diverged at step 17: the loss is not finite")
    err = sb.ParseError("bad", 3, 7, "f = x ? y")
    assert (err.line, err.col) == (3, 7)
    assert str(err).splitlines()[0] == "line 3, column 7: bad"
