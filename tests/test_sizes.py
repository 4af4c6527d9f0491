"""Sizes: counted right, counted fast, and budgets that refuse before building."""

import pytest
import sympy as sp

import symbackprop as sb


def _count_tree(e):  # oracle: a plain recursive count over SymPy's args
    return 1 + sum(_count_tree(a) for a in e.args)


@pytest.mark.parametrize("expr", [
    sp.Symbol("x"),
    sp.sin(sp.Symbol("x")) * sp.Symbol("y") + 3,
    (sp.Symbol("x") + 1) ** 5 * sp.exp(sp.Symbol("y")),
])
def test_tree_and_dag_match_plain_counts(expr):
    s = sb.size(expr)
    assert s.tree == _count_tree(expr)
    assert s.dag == len(set(sp.preorder_traversal(expr)))


def test_tree_of_two_to_the_sixty_is_counted_not_built():
    x = sp.Symbol("x")
    g = sp.Function("g")
    e = x
    for _ in range(60):
        e = g(e, e)
    s = sb.size(e)
    assert s.tree == 2**61 - 1
    assert s.dag == 61


def test_cse_and_latex_chars():
    x, y = sp.symbols("x y")
    e = sp.exp(x * y) + sp.sin(sp.exp(x * y))
    s = sb.size(e)
    # cse pulls out exp(x*y): x0 = exp(x*y) (2 ops), then x0 + sin(x0) (2 ops)
    assert s.cse == 4
    assert s.ops == sp.count_ops(e)
    assert s.latex_chars == len(r"e^{x y} + \sin\left(e^{x y}\right)")


def test_estimate_is_close_to_the_real_size():
    for layers in ([2, 2, 1], [2, 3, 3, 1]):
        for act in ("a", "sigmoid", "tanh"):
            net = sb.mlp(layers, activation=act)
            for p in net.param_symbols[:3]:
                real = sb.size(sb.expanded(net, p)).tree
                est = sb.estimate_expanded_size(net, p)
                assert real <= est <= 1.25 * real, (layers, act, p, real, est)
                chain_real = sb.size(sb.chain(net, p).local).tree
                assert chain_real <= sb.estimate_chain_size(net, p) <= 1.6 * chain_real


def test_expanded_past_the_budget_raises_with_size_budget_and_way_out():
    net = sb.mlp([4, 8, 8, 8, 8, 1], activation="sigmoid")
    with pytest.raises(sb.ExpressionTooLargeError) as info:
        sb.expanded(net, "w1_11")
    msg = str(info.value)
    assert "over the budget of 200,000" in msg
    assert "chain(g, 'w1_11')" in msg and "backprop(g)" in msg
    assert info.value.size > info.value.budget == sb.DEFAULT_BUDGET
    from symbackprop.derive.cache import derivations
    assert net.symbol("w1_11") not in derivations(net).expanded  # nothing was built


def test_chain_past_the_budget_names_paths_and_backprop():
    net = sb.mlp([2, 9, 9, 9, 9, 9, 1], activation="tanh")
    assert sb.count_paths(net, "w1_11") == 9**4
    with pytest.raises(sb.ExpressionTooLargeError, match=r"6,561 paths.*use backprop\(g\)"):
        sb.chain(net, "w1_11", budget=10_000)
    # backprop of the same net is fine, and its program stays small
    prog = sb.backprop(net)
    assert len(prog.grads) == len(net.leaf_symbols)


def test_multiplied_out_budget():
    net = sb.mlp([2, 3, 3, 1], activation="identity", output_activation="identity")
    e = sb.expanded(net, "w1_11", multiply_out=True)
    assert sp.expand(e - sb.expanded(net, "w1_11")) == 0
    real = sb.size(e).tree
    # the estimate is an upper bound: terms that combine are counted apart
    terms, est = sb.estimate_multiplied_out(sb.expanded(net, "w1_11"))
    assert real <= est and terms >= len(e.args)
    budget = sb.estimate_expanded_size(net, "w1_11")  # enough for the factored form only
    with pytest.raises(sb.ExpressionTooLargeError, match=r"multiplied-out.*terms"):
        sb.expanded(net, "w1_11", multiply_out=True, budget=budget)


def test_budget_applies_to_backprop_in_leaves():
    net = sb.mlp([3, 6, 6, 6, 6, 1], activation="sigmoid")
    prog = sb.backprop(net)
    with pytest.raises(sb.ExpressionTooLargeError, match="form='program'"):
        prog.gradient("w1_11")
    assert prog.gradient("w1_11", form="program") == net.symbol("x1") * sb.delta_symbol(
        net, "z1_1")


def _seed004_loss(net):
    """Seed 004's E = ½(t − σ(y))² written out by hand (the oracle's own substitution)."""
    w1, w2, w3, w4, b1, b2, w5, w6, b3 = net.param_symbols
    x1, x2, t = (net.symbol(n) for n in ("x1", "x2", "t"))
    s = sb.sigmoid
    y = w5 * s(w1 * x1 + w2 * x2 + b1) + w6 * s(w3 * x1 + w4 * x2 + b2) + b3
    return (t - s(y)) ** 2 / 2, w1


def test_compare_sizes_table():
    net = sb.mlp([2, 2, 1], activation="sigmoid", naming="sequential")
    t = sb.compare_sizes(net, "w1")
    forms = [r.form for r in t.rows]
    assert forms[0] == "expanded" and forms[2] == "chain (1 path)"
    exp_row, chain_row = t.row("expanded"), t.row("chain (1 path)")
    E, w1 = _seed004_loss(net)
    assert exp_row.tree == _count_tree(sp.diff(E, w1))
    assert chain_row.tree < exp_row.tree
    assert t.row("expanded, multiplied out").tree == _count_tree(sp.expand(sp.diff(E, w1)))
    text = str(t)
    assert "expanded" in text and "backprop program (all 9 gradients)" in text
    assert t.to_markdown().count("\n") == len(t.rows) + 3


def test_compare_sizes_on_a_net_too_large_to_expand():
    net = sb.mlp([4, 8, 8, 8, 8, 1], activation="sigmoid")
    t = sb.compare_sizes(net, "w1_11")
    assert not t.row("expanded").built
    assert t.row("expanded").tree > sb.DEFAULT_BUDGET
    assert "≈" in str(t)
    prog_row = next(r for r in t.rows if r.form.startswith("backprop"))
    assert prog_row.built and prog_row.tree < t.row("expanded").tree / 100
