"""Issue 20, the third reliability sweep: the input side (text format, graph limits, staging,
long chains, the command line's derive and sizes). One test or more per defect, named by its
number, each with its own time limit; the oracles are written here by hand (or are SymPy's own
``diff`` of the plain expression), never computed by the code under test.
"""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
import sympy as sp

import symbackprop as sb
from symbackprop import cli as sbcli
from symbackprop.render import sizes as sbsizes

from .test_reliability import ROOT, cli, cli_error, graph_file

# ---- E2: a flat sum is not nesting ------------------------------------------------------------


def _dense_text(n: int) -> str:
    params = " ".join(f"w{i}" for i in range(1, n + 1))
    total = " + ".join(f"w{i}*x{i}" for i in range(1, n + 1))
    return f"# params: {params}\n# targets: t\nz = {total}\nE = (z - t)**2/2\n"


@pytest.mark.timeout(120)
@pytest.mark.parametrize("n", [64, 500])
def test_E2_flat_sums_parse_derive_and_compile(tmp_path, capsys, n):
    g = sb.parse_graph(_dense_text(n))
    z = g.definition("z").expr
    assert isinstance(z, sp.Add) and len(z.args) == n
    ws = [sp.Symbol(f"w{i}", real=True) for i in range(1, n + 1)]
    xs = [sp.Symbol(f"x{i}", real=True) for i in range(1, n + 1)]
    t = sp.Symbol("t", real=True)
    # by hand: E = (sum w_i x_i - t)^2 / 2, so dE/dw_k = (sum w_i x_i - t) x_k
    hand = (sum(w * x for w, x in zip(ws, xs, strict=True)) - t) * xs[6]
    assert sp.expand(sb.as_sympy(sb.expanded(g, "w7")) - hand) == 0
    assert sb.chain(g, "w7").local == sp.Symbol("x7", real=True) * (
        sp.Symbol("z", real=True) - t)
    rng = np.random.default_rng(n)
    theta = rng.normal(size=n)
    X = rng.normal(size=(5, n))
    T = rng.normal(size=(5, 1))
    f = sb.compile(g)
    loss, grad = f(theta, X, T)
    r = X @ theta - T[:, 0]
    assert loss == pytest.approx(np.mean(r**2 / 2), rel=1e-12)
    assert np.allclose(grad, X.T @ r / 5, rtol=1e-10, atol=1e-12)
    # the command line takes it too
    path = graph_file(tmp_path, _dense_text(n))
    code, out, err = cli(capsys, "derive", "--graph", path, "--wrt", f"w{n}", "--form", "backprop")
    assert (code, err) == (0, "")
    assert f"dE_dw{n} = delta_z·x{n}" in out


@pytest.mark.timeout(60)
def test_E2_deep_nesting_is_still_refused():
    # a run of operators is one level, however it is bracketed
    right = "x1" + "".join(f" + (x{i}" for i in range(2, 101)) + ")" * 99
    assert len(sb.parse_graph(f"f = {right}").definition("f").expr.args) == 100
    product = " * ".join(f"x{i}" for i in range(1, 81))
    assert len(sb.parse_graph(f"f = {product}").definition("f").expr.args) == 80
    # ...but nesting of functions and powers is nesting (D7 kept)
    with pytest.raises(sb.ParseError, match="nested more than 60"):
        sb.parse_graph("f = " + "exp(" * 61 + "x" + ")" * 61)
    with pytest.raises(sb.ParseError, match="nested more than 60"):  # sin, +, sin, +, ...
        sb.parse_graph("f = " + "sin(x + " * 31 + "x" + ")" * 31)
    # constants that combine in a long sum are still held to the digit limit
    nines = "9" * 1000
    with pytest.raises(sb.ParseError, match="1,000 digits"):
        sb.parse_graph("f = " + " + ".join([f"{nines}*x"] * 70))
    with pytest.raises(sb.ParseError, match="1,000 digits"):
        sb.parse_graph("f = x*" + "*".join(["10**600"] * 70))


# ---- E8: the derivative of the output with respect to itself -----------------------------------

@pytest.mark.timeout(60)
def test_E8_derivative_of_the_output_is_one(capsys):
    net = sb.mlp([2, 2, 1], activation="sigmoid", naming="sequential")
    c = sb.chain(net, net.output)
    assert c.doit() == 1 and c.local == 1
    assert str(c) == "∂E/∂E = 1   (the output itself)"
    assert sb.latex(c).endswith("= 1")
    assert sb.expanded(net, "E") == 1
    assert sb.backprop(net).gradient("E") == 1
    assert [a.variable.name for a in sb.verify(net, wrt=["E"])] == ["E"]
    text = sb.notes(net, wrt=["E"], standalone=False)
    assert r"$E$ is the output itself, so $\frac{\partial E}{\partial E} = 1$" in text
    assert r"\frac{\partial E}{\partial E} &= " + "\n" not in text  # no empty equation
    code, out, err = cli(capsys, "derive", "--wrt", "E")
    assert (code, err) == (0, "")
    assert "∂E/∂E = 1" in out
    code, out, err = cli(capsys, "derive", "--wrt", "E", "w1", "--form", "all", "--ascii",
                         "--activation", "sigmoid", "--at",
                         "x1=1,x2=2,t=0.5,w1=1,w2=1,w3=1,w4=1,w5=1,w6=1,b1=0,b2=0,b3=0")
    assert (code, err) == (0, "")
    assert "dE/dE = 1" in out and "internal error" not in out


# ---- E10: --debug after the command -----------------------------------------------------------------

@pytest.mark.timeout(60)
@pytest.mark.parametrize("where", ["before", "after", "both"])
def test_E10_debug_is_taken_before_or_after_the_command(capsys, monkeypatch, where):
    def broken(args, out=None):
        raise RuntimeError("boom")

    monkeypatch.setattr(sbcli, "cmd_derive", broken)
    args = {"before": ["--debug", "derive"], "after": ["derive", "--debug"],
            "both": ["--debug", "derive", "--debug"]}[where]
    code, _, err = cli(capsys, *args)
    assert code == 1
    assert "Traceback" in err and "RuntimeError: boom" in err
    assert "internal error: RuntimeError: boom" in err
    code, _, err = cli(capsys, "derive")  # without it: one line, no traceback
    assert code == 1 and "Traceback" not in err and err.count("\n") == 1


@pytest.mark.timeout(60)
def test_E10_debug_after_every_command(capsys):
    assert sbcli.build_parser().parse_args(["derive", "--debug"]).debug is True
    assert sbcli.build_parser().parse_args(["derive"]).debug is False
    for command in ("notes", "sizes", "train"):
        assert sbcli.build_parser().parse_args([command, "--debug"]).debug is True
    code, _, err = cli(capsys, "sizes", "--width", "1", "--depth", "1", "--debug")
    assert (code, err) == (0, "")


# ---- E11: the digit limit is exact; a long name says its length --------------------------------------

@pytest.mark.timeout(60)
def test_E11_a_1001_digit_constant_is_refused_and_1000_digits_pass():
    assert sb.parse_graph(f"f = {'9' * 1000}*x").definition("f").expr.coeff(
        sp.Symbol("x", real=True)) == 10**1000 - 1
    for text in (f"f = 1{'0' * 1000}*x", f"f = {'9' * 1001}*x", f"f = {'9' * 1002}*x",
                 f"f = 1{'0' * 1001}*x", f"f = x/1{'0' * 1000}", "f = 10**1000*x",
                 "f = 2**3322*x"):  # 2^3322 has 1,001 digits
        with pytest.raises(sb.ParseError, match="1,000 digits"):
            sb.parse_graph(text)
    # 2^3321 has exactly 1,000 digits (log10 = 999.7): allowed, and computed exactly
    g = sb.parse_graph("f = 2**3321*x")
    assert g.definition("f").expr.coeff(sp.Symbol("x", real=True)) == 2**3321
    assert len(str(2**3321)) == 1000
    gg = sb.Graph()
    x = gg.inputs("x")
    for bad in (sp.Integer(10**1000), sp.Integer(-(10**1000)), sp.Rational(1, 10**1000)):
        with pytest.raises(sb.LimitError, match="1,000 digits"):
            gg.node("f", bad * x)
    gg.node("f", sp.Integer(10**1000 - 1) * x)
    for bad in (10**1000, -(10**1000), "1" + "0" * 1000):
        with pytest.raises(sb.LimitError, match="1,000"):
            gg.evaluate({"x": bad})
    assert gg.evaluate({"x": 1})[gg.output] == 10**1000 - 1


@pytest.mark.timeout(60)
def test_E11_a_long_name_in_the_text_format_says_its_length(tmp_path, capsys):
    long = "a" * 101
    for text in (f"f = {long} + 1", f"{long} = x", f"# params: {long}\nf = x"):
        with pytest.raises(sb.ParseError, match="has 101 characters; the limit is 100"):
            sb.parse_graph(text)
    cli_error(capsys, "derive", "--graph", graph_file(tmp_path, f"f = 2*{long}"),
              message="101 characters; the limit is 100")
    ok = "b" * 100
    assert sb.parse_graph(f"f = 2*{ok}").input_symbols[0].name == ok


@pytest.mark.timeout(30)
def test_E11_readme_states_the_new_limits():
    from symbackprop.core import graph, network, values
    text = (ROOT / "docs" / "limits.md").read_text(encoding="utf-8")  # linked from the README
    table = text[text.index("# Limits and errors"):text.index("Values are finite")]
    assert f"integers of up to {values.MAX_DIGITS:,} digits" in table
    assert f"nested up to {graph.MAX_FORM_DEPTH:,} levels" in table
    assert f"{sbsizes.STUDY_BUDGET:,} parameters over all its nets" in table
    assert f"depth of up to {network.MAX_LAYERS - 2} hidden layers" in table


# ---- E14: staging a Piecewise -----------------------------------------------------------------------

@pytest.mark.timeout(120)
def test_E14_stage_of_piecewise_heaviside_abs_max_matches_sympy():
    w, b, x, t = sp.symbols("w b x t", real=True)
    z = w * x + b
    L = ((t - sp.Piecewise((z, z > 0), (0, True))) ** 2 / 2 + sp.Abs(w)
         + sp.Max(w, b) * x + sp.Heaviside(x - 1) * w**2
         + sp.Piecewise((w**2, (x > 0) & (b < 1)), (sp.sin(w), True)))
    g = sb.stage(L, params=[w, b], targets=[t])
    for node in g.nodes:  # every node is an expression; conditions stay inside the Piecewise
        assert isinstance(node.expr, sp.Expr)
    pw = [n for n in g.nodes if isinstance(n.expr, sp.Piecewise)]
    assert len(pw) == 2
    # compiled, without the And condition (the NumPy code of a Piecewise whose condition is an
    # And of a batch column and a parameter is another defect, not one of staging)
    L1 = L - sp.Piecewise((w**2, (x > 0) & (b < 1)), (sp.sin(w), True))
    f = sb.compile(sb.stage(L1, params=[w, b], targets=[t]))
    prog = sb.backprop(g)
    rng = random.Random(14)
    for _ in range(6):
        # away from the kinks (x = 1, z = 0, w = 0, w = b) with probability one
        at = {w: rng.uniform(-2, 2), b: rng.uniform(-2, 2), x: rng.uniform(-2, 2),
              t: rng.uniform(-2, 2)}
        got = prog.evaluate({s.name: v for s, v in at.items()})
        for s in (w, b, x, t):
            oracle = sp.diff(L, s).subs(sp.DiracDelta(x - 1), 0).subs(at)
            assert float(got[g.symbol(s.name)]) == pytest.approx(float(oracle), abs=1e-10)
            assert float(sb.expanded(g, s.name).subs(
                {g.symbol(k.name): v for k, v in at.items()})) == pytest.approx(
                float(oracle), abs=1e-10)
        theta = np.array([at[w], at[b]])
        loss, grad = f(theta, np.array([[at[x]]]), np.array([[at[t]]]))
        assert loss == pytest.approx(float(L1.subs(at)), abs=1e-12)
        assert grad == pytest.approx([float(sp.diff(L1, s).subs(sp.DiracDelta(x - 1), 0)
                                            .subs(at)) for s in (w, b)], abs=1e-10)


# ---- E19: a long chain of one-line nodes ------------------------------------------------------------

def _sin_chain(n: int) -> str:
    return "".join(f"a{i + 1} = sin(a{i})\n" for i in range(1, n))


@pytest.mark.timeout(180)
@pytest.mark.parametrize("n", [330, pytest.param(1000, marks=pytest.mark.slow)])
def test_E19_long_chain_derives_or_fails_cleanly(tmp_path, capsys, n):
    g = sb.parse_graph(_sin_chain(n))
    a = [None] + [sp.Symbol(f"a{i}", real=True) for i in range(1, n + 1)]
    # the chain form works: one path, whose local factors are cos(a_i)
    c = sb.chain(g, "a1")
    assert len(c.paths) == 1 and len(c.paths[0].factors) == n - 1
    assert c.local == sp.Mul(*[sp.cos(a[i]) for i in range(1, n)])
    assert str(c).startswith(f"∂a{n}/∂a1 = ")
    # written out in the leaves it would be n levels deep: a clean error naming the way out
    with pytest.raises(sb.LimitError, match=f"{n:,} levels deep.*backprop"):
        c.doit()
    with pytest.raises(sb.LimitError, match="backprop"):
        _ = c.paths[0].factors[0].substituted
    with pytest.raises(sb.SymbackpropError):
        sb.expanded(g, "a1")
    with pytest.raises(sb.SymbackpropError):
        sb.backprop(g).gradient("a1")
    with pytest.raises(sb.LimitError, match="check_gradient"):
        sb.verify(g)
    text = sb.notes(g)
    assert r"\cos" in text and text.rstrip().endswith(r"\end{document}")
    # at a float point the gradient is the product of the cosines, by hand
    value, grad = 0.5, 1.0
    for _ in range(n - 1):
        grad *= math.cos(value)
        value = math.sin(value)
    got = sb.backprop(g).evaluate({"a1": 0.5})[g.symbol("a1")]
    assert float(got) == pytest.approx(grad, rel=1e-10)
    # an exact point would nest its values as deeply: refused, with the way out
    with pytest.raises(sb.LimitError, match="as floats"):
        g.evaluate({"a1": sp.Rational(1, 2)})
    path = graph_file(tmp_path, _sin_chain(n))
    code, out, err = cli(capsys, "derive", "--graph", path)
    assert (code, err) == (0, "")
    assert f"∂a{n}/∂a1: chain rule, 1 path" in out
    code, out, err = cli(capsys, "derive", "--graph", path, "--sizes", "--at", "a1=0.5")
    assert (code, err) == (0, "")
    row = next(ln.split() for ln in out.splitlines() if ln.split()[:1] == ["a1"])
    assert float(row[2]) == pytest.approx(grad, rel=1e-8)
    cli_error(capsys, "derive", "--graph", path, "--at", "a1=1/2", message="as floats")


@pytest.mark.timeout(120)
def test_E19_expanded_is_refused_before_sympy_recursion():
    # 150 levels passed the old limit of 150 and then exhausted the stack inside sympy.diff
    g = sb.parse_graph(_sin_chain(150))
    with pytest.raises(sb.LimitError, match="150 levels deep"):
        sb.expanded(g, "a1")
    # a chain within the limit still works in every form, and they agree
    g = sb.parse_graph(_sin_chain(40))
    x = sp.Symbol("a1", real=True)
    e = x
    for _ in range(39):
        e = sp.sin(e)
    oracle = sp.diff(e, x)
    assert sb.expanded(g, "a1") == oracle
    assert sb.chain(g, "a1").doit() == oracle
    assert [r.how for r in sb.verify(g)] in (["identical"], ["symbolic"],
                                             ["at 3 random points"])


# ---- E21: the size study is checked before it starts --------------------------------------------------

def _params(w: int, d: int) -> int:  # [w] * (d + 1) + [1], counted by hand
    return d * (w * w + w) + (w + 1)


@pytest.mark.timeout(30)
def test_E21_a_net_past_the_limits_is_refused_before_any_work(capsys):
    with pytest.raises(sb.LimitError, match=f"{_params(64, 5):,} parameters.*up to 4"):
        sbsizes.size_study(widths=[1, 64], depths=[1, 2, 3, 4, 5])
    for d in (63, 64):
        with pytest.raises(sb.LimitError, match="depth goes up to 62"):
            sbsizes.size_study_rows(widths=[1], depths=[1, d])
    cli_error(capsys, "sizes", "--width", "1,64", "--depth", "1-5", message="up to 4")
    cli_error(capsys, "sizes", "--depth", "63", message="up to 62")
    cli_error(capsys, "sizes", "--depth", "64", message="up to 62")


@pytest.mark.timeout(30)
def test_E21_a_study_past_its_budget_is_refused_with_the_way_out(capsys):
    total = sum(_params(w, d) for w in range(50, 65) for d in range(1, 5))
    with pytest.raises(sb.LimitError, match=f"60 nets with {total:,} parameters.*max_params"):
        sbsizes.size_study(widths=range(50, 65), depths=range(1, 5))
    cli_error(capsys, "sizes", "--width", "50-64", "--depth", "1-4",
              message="--max-params")
    cli_error(capsys, "sizes", "--width", "2", "--depth", "1", "--max-params", "5",
              message="9 parameters")
    cli_error(capsys, "sizes", "--max-params", "nan", message="--max-params")
    code, _, err = cli(capsys, "sizes", "--width", "2", "--depth", "1", "--max-params", "9")
    assert (code, err) == (0, "")
    with pytest.raises(sb.InvalidValueError, match="positive integers"):
        sbsizes.size_study(widths=[0], depths=[1])
    with pytest.raises(sb.InputTypeError, match="widths"):
        sbsizes.size_study(widths="1-4", depths=[1])


@pytest.mark.timeout(60)
def test_E21_rows_are_printed_as_they_come(capsys, monkeypatch):
    measured = []
    real = sbsizes._study_row

    def row_then_stop(net, w, d, budget):
        if measured:  # Ctrl-C while the second net is measured
            raise KeyboardInterrupt
        measured.append((w, d))
        return real(net, w, d, budget)

    monkeypatch.setattr(sbsizes, "_study_row", row_then_stop)
    code, out, err = cli(capsys, "sizes", "--width", "1-2", "--depth", "1")
    assert code == 130 and "interrupted" in err
    lines = out.splitlines()
    assert "expanded tree" in lines[1]
    assert lines[3].split()[:3] == ["1", "1", f"{_params(1, 1)}"]  # the first row, printed
    assert len(lines) == 4


@pytest.mark.timeout(60)
def test_E21_progress_is_shown_when_asked(capsys):
    rows = sbsizes.size_study(widths=[1, 2], depths=[1], progress=True)
    assert [(r["width"], r["params"]) for r in rows] == [(1, _params(1, 1)), (2, _params(2, 1))]
    assert "size study" in capsys.readouterr().err
    rows = sbsizes.size_study(widths=[1], depths=[1], progress=False)
    assert capsys.readouterr().err == ""


# ---- E23: a byte-order mark ----------------------------------------------------------------------------

@pytest.mark.timeout(30)
def test_E23_a_utf8_file_with_a_byte_order_mark_is_read(tmp_path, capsys):
    text = "# params: w\nf = (w*x - 1)**2\n"
    path = tmp_path / "bom.txt"
    path.write_text(text, encoding="utf-8-sig")
    assert path.read_bytes()[:3] == b"\xef\xbb\xbf"
    g = sb.read_graph(path)
    assert [s.name for s in g.param_symbols] == ["w"]
    w, x = sp.symbols("w x", real=True)
    assert sp.expand(sb.expanded(g, "w") - 2 * x * (w * x - 1)) == 0  # by hand
    assert str(sb.parse_graph("\ufeff" + text)) == str(g)
    code, _, err = cli(capsys, "derive", "--graph", path, "--form", "backprop")
    assert (code, err) == (0, "")
    with pytest.raises(sb.ParseError):  # elsewhere it is still not text of the format
        sb.parse_graph("f = x\n\ufeffg = f")
