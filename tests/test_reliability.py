"""The defects of the reliability sweep, one test each, named by their number (D1, D2, ...).

Each asserts the right value against an oracle written here by hand, or a clean
``SymbackpropError`` / one-line CLI error, within a time limit the test sets itself
(pytest-timeout), so a hang fails instead of stalling CI. The commands are those of the sweep.
"""

from __future__ import annotations

import json
import math
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

import symbackprop as sb
from symbackprop import io as sbio
from symbackprop.cli import main

ROOT = Path(__file__).resolve().parents[1]


def cli(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def cli_error(capsys, *args, code=2, message=""):
    """The command fails with one line on stderr, no traceback and nothing on stdout."""
    got, out, err = cli(capsys, *args)
    assert got == code, (got, out[-500:], err)
    assert err.startswith("symbackprop: error: "), err
    assert "Traceback" not in err
    assert message in err, err
    assert out == "", out[-300:]
    return err


def graph_file(tmp_path, text, name="g.txt"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


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


@pytest.mark.timeout(60)
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


# ---- D2: non-real values ---------------------------------------------------------------------

@pytest.mark.timeout(30)
@pytest.mark.parametrize(("text", "col"), [
    ("f = sqrt(-1)*x", 1), ("f = (-1)**0.5*x", 5), ("f = (-8)**(1/3)*x", 5),
])
def test_D2_non_real_constants_are_refused(tmp_path, capsys, text, col):
    with pytest.raises(sb.ParseError, match=r"not .*real") as info:
        sb.parse_graph(text)
    assert (info.value.line, info.value.col) == (1, col)
    cli_error(capsys, "derive", "--graph", graph_file(tmp_path, text), "--at", "x=1",
              message="real")


@pytest.mark.timeout(30)
def test_D2_non_real_values_are_refused_everywhere():
    g = sb.Graph()
    x = g.inputs("x")
    with pytest.raises(sb.InvalidValueError, match="not a real number"):
        g.node("bad", sp.sqrt(-1) * x)
    g.node("f", sp.sqrt(x))
    for at in ({x: -1}, {x: -1.0}, {x: sp.Rational(-1, 3)}):
        with pytest.raises(sb.InvalidValueError, match="not"):
            g.evaluate(at)
        with pytest.raises(sb.InvalidValueError):
            sb.backprop(g).evaluate(at)
    # compiled: sqrt of a negative parameter is an error, not a silent number
    h = sb.Graph()
    u = h.inputs("u")
    w = h.params("w")
    h.node("f", sp.sqrt(w) * u)
    f = sb.compile(h)
    with pytest.raises(sb.InvalidValueError, match="not finite"):
        f(np.array([-1.0]), np.array([[1.0]]))
    assert f(np.array([4.0]), np.array([[3.0]]))[0] == 6.0  # sqrt(4) * 3
    with pytest.raises(sb.DivergenceError, match="step 1"):
        sb.train(h, np.array([[1.0]]), None, theta0=[-1.0], steps=2)


# ---- D4: non-finite points -------------------------------------------------------------------

@pytest.mark.timeout(30)
@pytest.mark.parametrize("value", ["1e999", "inf", "-inf", "nan", "1/0", "0/0"])
def test_D4_non_finite_points_are_refused(tmp_path, capsys, value):
    path = graph_file(tmp_path, "# params: w\nf = w*x\n")
    cli_error(capsys, "derive", "--graph", path, "--at", f"w={value},x=1",
              message="not a finite number")
    g = sb.read_graph(path)
    with pytest.raises(sb.InvalidValueError, match="not a finite number"):
        g.evaluate({"w": value, "x": 1})
    f = sb.compile(g)
    number = {"1/0": np.inf, "0/0": np.nan}.get(value, value)
    with pytest.raises(sb.InvalidValueError, match="not finite"):
        f(np.array([float(number)]), np.array([[1.0]]))
    with pytest.raises(sb.InvalidValueError, match="not finite"):
        f(np.array([1.0]), np.array([[float(number)]]))


# ---- D5: softmax cross-entropy at huge equal logits ---------------------------------------------

@pytest.mark.timeout(60)
@pytest.mark.parametrize("path", ["matrix", "scalar"])
def test_D5_softmax_ce_at_equal_logits_of_1e300(path):
    net = sb.mlp([1, 3], activation="identity", loss="softmax_ce")
    f = sb.compile(net, path=path)
    theta = np.array([0.0, 0.0, 0.0, 1e300, 1e300, 1e300])  # weights, then biases = logits
    X, T = np.zeros((1, 1)), np.array([[1.0, 0.0, 0.0]])
    loss, grad = f(theta, X, T)
    assert loss == pytest.approx(math.log(3), rel=1e-15)  # -log(1/3)
    P = f.predict(theta, X)
    assert P == pytest.approx(np.full((1, 3), 1 / 3), rel=1e-15)
    assert grad[3:] == pytest.approx([1 / 3 - 1, 1 / 3, 1 / 3], rel=1e-14)  # ŷ - t


def _mp_reference(net, theta, X, T):
    """Mean loss and gradient from SymPy's own diff of the loss written out in the leaves,
    evaluated at 60 digits: an oracle independent of the compiled code."""
    loss = sb.as_sympy(sb.derive.full_substitution(net)[net.output])
    # 1 + erf(u) = erfc(-u): the same number without cancellation (GELU at z = -1e4 is about
    # e^(-5e7), which evalf would chase through millions of digits)
    loss = loss.replace(lambda e: e.is_Add and len(e.args) == 2 and sp.S.One in e.args
                        and any(isinstance(a, sp.erf) for a in e.args),
                        lambda e: sp.erfc(-next(a for a in e.args if isinstance(a, sp.erf)).args[0]))
    grads = [sp.diff(loss, w) for w in net.param_symbols]
    total_l, total_g = sp.Float(0, 60), [sp.Float(0, 60)] * len(grads)
    for x, t in zip(X, T, strict=True):
        at = {s: sp.Float(repr(float(v)), 60) for s, v in zip(net.param_symbols, theta,
                                                               strict=True)}
        at.update({s: sp.Float(repr(float(v)), 60) for s, v in zip(net.input_symbols, x,
                                                                   strict=True)})
        at.update({s: sp.Float(repr(float(v)), 60) for s, v in zip(net.target_symbols, t,
                                                                   strict=True)})
        total_l += loss.evalf(60, subs=at)
        total_g = [a + gr.evalf(60, subs=at) for a, gr in zip(total_g, grads, strict=True)]
    n = len(X)
    return float(total_l / n), np.array([float(v / n) for v in total_g])


STABLE_CASES = [(a, loss) for a in ("sigmoid", "tanh", "relu", "identity", "softplus",
                                    "leaky_relu", "swish", "gelu")
                for loss in ("half_se", "mse", "huber")] + [("identity", "bce"),
                                                              ("identity", "softmax_ce")]


@pytest.mark.timeout(120)
@pytest.mark.parametrize(("activation", "loss"), STABLE_CASES)
def test_D5_compiled_numerics_match_60_digits_at_extreme_logits(activation, loss):
    """Kept from the sweep: every output activation × loss at logits ±1, ±1e3, ±1e4 matches
    SymPy's 60-digit evaluation of its own derivative, on both compiled paths."""
    m = 2 if loss == "softmax_ce" else 1
    out = None if loss in ("bce", "softmax_ce") else activation
    net = sb.mlp([1, m], activation=activation, output_activation=out, loss=loss)
    theta = np.array([1.0] * m + [0.0] * m) if m == 1 else np.array([1.0, -1.0, 0.5, 0.0])
    X = np.array([[1.0], [-1.0], [1e3], [-1e3], [1e4], [-1e4]])
    T = np.eye(m)[[0, m - 1, 0, m - 1, 0, m - 1]] if m > 1 else \
        np.array([[1.0], [0.0], [0.0], [1.0], [1.0], [0.0]])
    ref_loss, ref_grad = _mp_reference(net, theta, X, T)
    for path in ("matrix", "scalar"):
        f = sb.compile(net, path=path)
        with np.errstate(all="raise", under="ignore"):
            got_loss, got_grad = f(theta, X, T)
        assert got_loss == pytest.approx(ref_loss, rel=1e-12, abs=1e-300), path
        assert got_grad == pytest.approx(ref_grad, rel=1e-10, abs=1e-12), path


# ---- D6: division by a float zero, log(0) -----------------------------------------------------

@pytest.mark.timeout(30)
@pytest.mark.parametrize("text", ["f = x/0.0", "f = 0.0**-1*x", "f = log(0)*x", "f = x/(1 - 1.0)"])
def test_D6_float_zero_is_caught_in_text(tmp_path, capsys, text):
    with pytest.raises(sb.ParseError) as info:
        sb.parse_graph(text)
    assert info.value.line == 1 and info.value.col is not None
    cli_error(capsys, "derive", "--graph", graph_file(tmp_path, text), "--at", "x=1")


@pytest.mark.timeout(30)
def test_D6_float_zero_is_caught_in_the_api():
    g = sb.Graph()
    x = g.inputs("x")
    for i, e in enumerate((x / sp.Float(0.0), sp.Float(0.0) ** -1 * x, sp.log(0) * x,
                           x * sp.oo, x + sp.nan)):
        with pytest.raises(sb.InvalidValueError, match="not finite"):
            g.node(f"f{i}", e)
    g.node("f", sp.log(x))
    for at in ({x: 0}, {x: 0.0}):
        with pytest.raises(sb.InvalidValueError, match="not finite"):
            g.evaluate(at)
        with pytest.raises(sb.InvalidValueError, match="not finite"):
            sb.backprop(g).evaluate(at)
    assert g.evaluate({x: 1})[g.output] == 0


# ---- D7: deep nesting ---------------------------------------------------------------------------

@pytest.mark.timeout(60)
@pytest.mark.parametrize("depth", [150, 390])
def test_D7_deep_nesting_is_refused_or_staged(tmp_path, capsys, depth):
    text = "f = " + "exp(" * depth + "x" + ")" * depth
    with pytest.raises(sb.ParseError, match="nested") as info:
        sb.parse_graph(text)
    assert info.value.line == 1
    cli_error(capsys, "derive", "--graph", graph_file(tmp_path, text), "--form", "all",
              message="nested")
    e = sp.Symbol("x", real=True)
    for _ in range(depth):
        e = sp.exp(e, evaluate=False)
    g = sb.Graph()
    g.inputs("x")
    with pytest.raises(sb.LimitError, match=r"sb\.stage"):
        g.node("f", e)
    # the way out: one node per application, then every form works
    staged = sb.stage(e, params=[])
    assert len(staged.nodes) == depth
    assert str(staged) and sb.backprop(staged).n_steps > depth
    c = sb.chain(staged, "x")
    assert len(c.paths) == 1 and len(c.paths[0].factors) >= depth
    if depth > 300:  # the printers' own limit
        with pytest.raises(sb.LimitError, match="nested more than 300"):
            sb.latex(e)
    else:
        assert sb.latex(e).count("e^{") == depth


# ---- D8: definitions in reverse order -------------------------------------------------------

@pytest.mark.timeout(60)
def test_D8_definitions_in_reverse_order():
    # more definitions than Python's recursion limit: sorting them must not recurse once per
    # definition; the order must not matter and the sum must be right (5,000 checked no more)
    n = 1500
    assert n > sys.getrecursionlimit()
    lines = [f"a{i} = a{i - 1}*x + 1" for i in range(n - 1, 0, -1)] + ["a0 = x"]
    g = sb.parse_graph("\n".join(lines) + f"\n# output: a{n - 1}\n")
    assert g.output.name == f"a{n - 1}" and len(g.nodes) == n
    # a_k = x a_{k-1} + 1 with a_0 = x: a_{n-1} = x^n + sum_{k<n-1} x^k, so the derivative is
    # n x^(n-1) + sum_{k<n-1} k x^(k-1): at x = 1/2 it is 4 to far more than float digits
    grad = sb.backprop(g).evaluate({"x": 0.5})[g.symbol("x")]
    assert float(grad) == pytest.approx(4.0, rel=1e-12)
    # exactly, at a point whose values stay short: x = 1 gives sum_k k = n(n-1)/2 + n - 1... by hand
    exact = sb.backprop(g).evaluate({"x": 1})[g.symbol("x")]
    assert exact == n + sum(range(1, n - 1))


# ---- D9: an exp tower --------------------------------------------------------------------------

EXP_TOWER = "a = exp(x)\nb = exp(a)\nc = exp(b)\nd = exp(c)\ne = exp(d)\nf = exp(e)\n"


@pytest.mark.timeout(30)
@pytest.mark.parametrize("at", ["x=0.5", "x=1/2"])
def test_D9_exp_tower_is_refused_not_overflowed(tmp_path, capsys, at):
    path = graph_file(tmp_path, EXP_TOWER)
    # d = exp(exp(exp(exp(1/2)))) ≈ 4.4e78 still fits a float; e = exp(d) does not
    err = cli_error(capsys, "derive", "--graph", path, "--at", at, message="'e'")
    assert "too large for a float" in err
    g = sb.read_graph(path)
    value = "0.5" if at == "x=0.5" else sp.Rational(1, 2)
    with pytest.raises(sb.InvalidValueError, match="too large for a float"):
        g.evaluate({"x": value})
    with pytest.raises(sb.InvalidValueError, match="not finite"):
        sb.numerical_gradient(g, {"x": 0.5})
    cli_error(capsys, "notes", "--graph", path, "--at", at, message="too large for a float")
    short = sb.parse_graph(EXP_TOWER.split("e = ")[0])  # up to d, which fits a float
    d = float(short.evaluate({"x": value})[short.symbol("d")])
    assert d == pytest.approx(math.exp(math.exp(math.exp(math.exp(0.5)))), rel=1e-12)


# ---- D10, D11: huge integers -------------------------------------------------------------------

@pytest.mark.timeout(30)
def test_D10_huge_power_is_refused_by_the_parser(tmp_path, capsys):
    with pytest.raises(sb.ParseError, match="digits") as info:
        sb.parse_graph("f = 2**(10**400)*x")
    assert (info.value.line, info.value.col) == (1, 5)
    cli_error(capsys, "derive", "--graph", graph_file(tmp_path, "f = 2**(10**400)*x"),
              message="digits")


@pytest.mark.timeout(30)
def test_D11_4000_digit_numbers_are_refused(tmp_path, capsys):
    big = "9" * 4000
    with pytest.raises(sb.ParseError, match="digits"):
        sb.parse_graph(f"f = {'9' * 999}*{'9' * 999}*{'9' * 999}*x")
    with pytest.raises(sb.ParseError, match="digits"):
        sb.parse_graph(f"f = {big}*x")
    path = graph_file(tmp_path, "# params: w\nf = w*x\n")
    cli_error(capsys, "derive", "--graph", path, "--at", f"w={big},x=1", message="digits")
    cli_error(capsys, "derive", "--graph", path, "--at", f"w=1/{big},x=1", message="limit")
    with pytest.raises(sb.LimitError, match="digits"):
        sb.read_graph(path).evaluate({"w": 10 ** 4000, "x": 1})
    g = sb.Graph()
    x = g.inputs("x")
    with pytest.raises(sb.LimitError, match="digits"):
        g.node("f", sp.Integer(10) ** 4000 * x)


# ---- D12: max and min ----------------------------------------------------------------------------

@pytest.mark.timeout(60)
@pytest.mark.parametrize("source", ["api", "text"])
def test_D12_max_and_min_compile_and_train(source):
    if source == "api":
        g = sb.Graph()
        x, y = g.inputs("x y")
        w = g.params("w")
        g.node("f", sp.Max(w * x, y / 2, 0) + sp.Min(w, x))
    else:
        g = sb.parse_graph("# params: w\nf = max(w*x, y/2, 0) + min(w, x)\n")
    f = sb.compile(g)
    X = np.array([[2.0, 4.0], [-1.0, -3.0], [3.0, 1.0]])
    # by hand at w = 0.5: max(1, 2, 0) + min(.5, 2) = 2.5 (d/dw: 0 + 1);
    # max(-.5, -1.5, 0) + min(.5, -1) = -1 (d/dw: 0 + 0); max(1.5, .5, 0) + min(.5, 3) = 2
    # (d/dw: x = 3, + 1)
    loss, grad = f(np.array([0.5]), X)
    assert loss == pytest.approx((2.5 - 1 + 2) / 3, rel=1e-15)
    assert grad[0] == pytest.approx((1 + 0 + 4) / 3, rel=1e-15)
    run = sb.train(g, X, None, lr=0.01, steps=3, theta0=[0.5])
    assert run.steps == 3 and np.isfinite(run.theta[0])


# ---- D13: notes at a non-finite point ------------------------------------------------------------

@pytest.mark.timeout(30)
def test_D13_notes_at_division_by_zero(capsys, tmp_path):
    point = "x1=1/0,x2=1,t=1,w1=1,w2=1,w3=1,w4=1,b1=1,b2=1,w5=1,w6=1,b3=1"
    cli_error(capsys, "notes", "--activation", "sigmoid", "--at", point,
              message="x1: '1/0' is not a finite number")
    cli_error(capsys, "notes", "--activation", "sigmoid", "--at", point, "-o",
              tmp_path / "n.tex", message="not a finite number")
    assert not (tmp_path / "n.tex").exists()
    with pytest.raises(sb.InvalidValueError, match="not a finite number"):
        sb.notes(sb.mlp([2, 2, 1], activation="sigmoid", naming="sequential"),
                 at=dict(p.split("=") for p in point.split(",")))


# ---- D14: operating-system errors on output ------------------------------------------------------

@pytest.mark.timeout(60)
def test_D14_unwritable_places_give_one_line(capsys, tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("x")
    cli_error(capsys, "notes", "-o", afile / "n.tex", code=1, message="is not a folder")
    cli_error(capsys, "notes", "-o", tmp_path / "missing" / "n.tex", code=1,
              message="does not exist")
    cli_error(capsys, "notes", "-o", tmp_path, "--force", code=1, message="is a folder")
    cli_error(capsys, "train", "--steps", "2", "--plot", tmp_path / "l.xyz", message=".png")
    cli_error(capsys, "sizes", "--width", "1", "--depth", "1", "--csv", afile / "s.csv",
              code=1, message="is not a folder")
    # a device is never replaced, not even with --force
    if os.path.exists("/dev/full"):
        cli_error(capsys, "notes", "-o", "/dev/full", "--force", code=1,
                  message="not a regular file")
        assert not os.path.isfile("/dev/full")


@pytest.mark.timeout(60)
def test_D14_no_permission(capsys, tmp_path, monkeypatch):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        if os.geteuid() == 0:  # root writes anywhere: take the permission away from access()
            real = os.access
            monkeypatch.setattr(sbio.os, "access",
                                lambda p, m, **kw: False if Path(p) == ro else real(p, m, **kw))
        cli_error(capsys, "notes", "-o", ro / "n.tex", code=1, message="no permission")
        cli_error(capsys, "train", "--steps", "2", "--save", ro / "p.json", code=1,
                  message="no permission")
    finally:
        ro.chmod(0o755)
    assert list(ro.iterdir()) == []


@pytest.mark.timeout(60)
@pytest.mark.parametrize(("errno_name", "message"), [("ENOSPC", "No space left on device"),
                                                     ("EROFS", "Read-only file system"),
                                                     ("EIO", "Input/output error")])
def test_D14_full_disk_or_read_only_while_writing(capsys, tmp_path, monkeypatch, errno_name,
                                                  message):
    import errno
    code = getattr(errno, errno_name)

    def failing_write(fd, data):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(sbio.os, "write", failing_write)
    out = tmp_path / "n.tex"
    cli_error(capsys, "notes", "-o", out, code=1, message=message)
    out.write_text("old")
    cli_error(capsys, "notes", "-o", out, "--force", code=1, message=message)
    assert out.read_text() == "old"  # the old file is kept whole
    assert sorted(p.name for p in tmp_path.iterdir()) == ["n.tex"]  # no temporary file left


# ---- D15: bad numbers on the command line ---------------------------------------------------------

@pytest.mark.timeout(30)
@pytest.mark.parametrize(("args", "message"), [
    (["train", "--seed", "-1"], "--seed must be a non-negative"),
    (["sizes", "--width", "1-99999999999"], "--width takes values from 1 to 64"),
    (["sizes", "--depth", "0-3"], "--depth takes values from 1 to 64"),
    (["train", "--steps", "-5"], "steps"),
    (["train", "--lr", "nan"], "learning rate"),
    (["notes", "--digits", "0"], "digits"),
])
def test_D15_bad_numbers_exit_2(capsys, args, message):
    cli_error(capsys, *args, message=message)


# ---- D16: Ctrl-C -----------------------------------------------------------------------------------

@pytest.mark.timeout(120)
def test_D16_ctrl_c_in_train_keeps_the_parameters(tmp_path):
    save = tmp_path / "p.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "symbackprop", "train", "--steps", "100000000", "--save",
         str(save)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    first = proc.stdout.readline()  # the run has started once it reports
    assert first.startswith("training")
    proc.stdout.readline()  # step 1
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert "Traceback" not in err
    assert "interrupted" in out + err
    data = json.loads(save.read_text())
    assert data["interrupted"] is True and data["steps"] >= 1
    assert len(data["params"]) == 17 and all(math.isfinite(v) for v in data["params"].values())


@pytest.mark.timeout(60)
def test_D16_interrupted_run_is_returned_by_the_api():
    X, T = sb.datasets.xor()

    def stop_at_5(step, theta, loss):
        if step == 5:
            raise KeyboardInterrupt

    run = sb.train(sb.mlp([2, 3, 1], activation="tanh"), X, T, steps=100, callback=stop_at_5)
    assert run.interrupted and run.steps == 5
    assert len(run.history["loss"]) == len(run.history["grad_norm"]) == 5
    assert np.all(np.isfinite(run.theta))
    # the parameters are those after step 5: five plain steps from the same start give them
    again = sb.train(sb.mlp([2, 3, 1], activation="tanh"), X, T, steps=5)
    assert run.theta == pytest.approx(again.theta, rel=1e-15)


# ---- D17: API type misuse ---------------------------------------------------------------------------

def _deep(n):
    e = sp.Symbol("x")
    for _ in range(n):
        e = sp.sin(e, evaluate=False)
    return e


NET = sb.mlp([2, 2, 1], activation="sigmoid")
XOR = sb.datasets.xor()


@pytest.mark.timeout(60)
@pytest.mark.parametrize(("call", "kind"), [
    (lambda: sb.expanded(NET, "w1_11", budget="x"), TypeError),
    (lambda: sb.expanded(NET, "w1_11", budget=-3), ValueError),
    (lambda: sb.train(NET, *XOR, lr="0.5", steps=3), TypeError),
    (lambda: sb.train(NET, *XOR, lr=-0.5, steps=3), ValueError),
    (lambda: sb.train(NET, "abc", XOR[1], steps=3), TypeError),
    (lambda: sb.train(NET, [["a", "b"]] * 4, XOR[1], steps=3), TypeError),
    (lambda: sb.train(NET, *XOR, seed=-1, steps=3), ValueError),
    (lambda: sb.train(NET, *XOR, seed=1.5, steps=3), TypeError),
    (lambda: sb.train(NET, *XOR, steps="10"), TypeError),
    (lambda: sb.train(NET, *XOR, optimizer="sgd"), ValueError),
    (lambda: NET.evaluate([1, 2]), TypeError),
    (lambda: sb.backprop(NET).evaluate("x1=1"), TypeError),
    (lambda: sb.size("x+1"), TypeError),
    (lambda: sb.size(_deep(2000)).latex_chars, ValueError),
    (lambda: sb.size(_deep(2000)).cse, ValueError),
    (lambda: sb.latex(_deep(2000)), ValueError),
    (lambda: sb.Graph().node("f", sp.Integral(sp.Symbol("x"), sp.Symbol("x"))), LookupError),
    (lambda: sb.compile(NET)(np.zeros(3), *XOR), ValueError),
    (lambda: sb.compile(NET)(np.zeros(9), XOR[0][:, :1], XOR[1]), ValueError),
    (lambda: sb.compile("net"), TypeError),
    (lambda: sb.mlp("2-2-1", activation=3), TypeError),
    (lambda: sb.notes(NET, digits="6"), TypeError),
    (lambda: sb.verify(NET, points=0), ValueError),
    (lambda: sb.numerical_gradient(NET, {"x1": 1}), ValueError),
    (lambda: sb.numerical_gradient(NET, dict.fromkeys(NET.leaf_symbols, 1.0), h=-1), ValueError),
])
def test_D17_api_misuse_gives_a_symbackprop_error(call, kind):
    with pytest.raises(sb.SymbackpropError) as info:
        call()
    assert isinstance(info.value, kind), type(info.value).__mro__
    assert str(info.value)


@pytest.mark.timeout(30)
def test_D17_deep_size_is_counted_without_recursion():
    e = _deep(5000)
    assert sb.size(e).tree == 5001 and sb.size(e).dag == 5001


@pytest.mark.timeout(30)
def test_D17_unevaluated_integral_says_what_to_do():
    g = sb.Graph()
    x = g.inputs("x")
    with pytest.raises(sb.InvalidValueError, match=r"unevaluated Integral; call \.doit\(\)"):
        g.node("f", sp.Integral(x**2, (x, 0, 1)) * x)
    g.node("f", sp.Integral(x**2, (x, 0, 1)).doit() * x)
    assert sb.expanded(g, x) == sp.Rational(1, 3)


# ---- D18: n-ary max ----------------------------------------------------------------------------------

@pytest.mark.timeout(30)  # the limit is checked before SymPy builds the Max (minutes)
def test_D18_wide_max_is_refused_quickly(tmp_path, capsys):
    text = "f = max(" + ", ".join(f"x{i}" for i in range(200)) + ")"
    with pytest.raises(sb.ParseError, match="at most 16 arguments") as info:
        sb.parse_graph(text)
    assert (info.value.line, info.value.col) == (1, 5)
    cli_error(capsys, "derive", "--graph", graph_file(tmp_path, text), "--form", "backprop",
              message="nest them")
    g = sb.Graph()
    xs = g.inputs([f"x{i}" for i in range(17)])
    with pytest.raises(sb.LimitError, match="17 arguments; the limit is 16"):
        g.node("f", sp.Max(*xs))
    # the way out: nested maxima, derived exactly (the largest argument gets the gradient)
    g.node("m1", sp.Max(*xs[:9]))
    g.node("m2", sp.Max(*xs[9:]))
    g.node("f", sp.Max(g.symbol("m1"), g.symbol("m2")))
    at = {x: sp.Rational(i, 7) for i, x in enumerate(xs)}
    grads = sb.backprop(g).evaluate(at)
    assert [grads[x] for x in xs] == [0] * 16 + [1]


# ---- D19: a long chain ----------------------------------------------------------------------------

# derive --form backprop on a chain of n nodes in a fresh process, under a 3 GB address-space
# limit; prints the peak memory Python allocated for it (tracemalloc), then the CLI's output
_D19_RUN = """
import contextlib, io, resource, sys, tracemalloc
resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
from symbackprop.cli import main
out = io.StringIO()
tracemalloc.start()
with contextlib.redirect_stdout(out):
    code = main(["derive", "--graph", sys.argv[1], "--form", "backprop", "--at", "x=0.5",
                 "--wrt", "x"])
peak = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
print(peak)
print(out.getvalue(), end="")
sys.exit(code)
"""


def _d19_chain(tmp_path, n: int) -> tuple[int, float]:
    """(peak bytes, the printed dE/dx at x = 1/2) of derive --form backprop on an n-node chain."""
    lines = ["a0 = x"] + [f"a{i} = a{i - 1}*x + 1" for i in range(1, n)]
    path = graph_file(tmp_path, "\n".join(lines) + "\n", name=f"chain{n}.txt")
    res = subprocess.run([sys.executable, "-c", _D19_RUN, str(path)], capture_output=True,
                         text=True, timeout=110, check=False)
    assert res.returncode == 0, res.stderr[-2000:]
    out = res.stdout.splitlines()
    row = next(ln.split() for ln in out[-n - 10:] if ln.split()[:1] == ["x"])
    return int(out[0]), float(row[2])


@pytest.mark.timeout(120)
@pytest.mark.slow
def test_D19_long_chain_is_linear_in_memory(tmp_path):
    """derive --form backprop on a chain: twice the nodes take about twice the memory, not four
    times (the quadratic version took 117 s and 12.7 GB on 20,000 nodes, about 32 n² bytes;
    at these sizes that would give a ratio past 3). The time limit fails a hang."""
    n = 500
    small, grad_small = _d19_chain(tmp_path, n)
    large, grad_large = _d19_chain(tmp_path, 2 * n)
    # a_k = x a_{k-1} + 1 from a_0 = x: at x = 1/2 the derivative is 1/(1-x)^2 = 4 to far more
    # than float digits
    assert grad_small == pytest.approx(4.0, rel=1e-12)
    assert grad_large == pytest.approx(4.0, rel=1e-12)
    # measured: 1.53 to 1.76 (the fixed part of the peak, about 3 MB, weighs on it); a list of
    # n pointers kept per node (8 n²/2 bytes) gives 2.64
    assert 1.3 < large / small < 2.3, (small, large)


@pytest.mark.timeout(120)
@pytest.mark.slow
def test_D19_long_chain_compiles():
    lines = ["# params: x", "a0 = x"] + [f"a{i} = a{i - 1}*x + 1" for i in range(1, 5_000)]
    f = sb.compile(sb.parse_graph("\n".join(lines)))
    loss, grad = f(np.array([0.5]), np.zeros((1, 0)))
    assert loss == pytest.approx(2.0, rel=1e-12) and grad[0] == pytest.approx(4.0, rel=1e-12)


# ---- D20: folded exponents -------------------------------------------------------------------------

@pytest.mark.timeout(30)
def test_D20_nested_powers_are_folded_before_the_limit(tmp_path, capsys):
    text = "f = ((x**1000)**1000)**1000"
    with pytest.raises(sb.ParseError, match="exponent"):
        sb.parse_graph(text)
    cli_error(capsys, "derive", "--graph", graph_file(tmp_path, text), "--at", "x=3",
              message="exponent")
    g = sb.Graph()
    x = g.inputs("x")
    with pytest.raises(sb.LimitError, match="exponent 1000000000"):
        g.node("f", ((x**1000) ** 1000) ** 1000)
    g.node("f", x**1000)
    assert g.evaluate({x: 3})[g.output] == 3**1000  # 478 digits: still exact


# ---- D21: reading a file ---------------------------------------------------------------------------

@pytest.mark.timeout(30)
def test_D21_file_size_is_checked_before_reading(tmp_path, capsys):
    if os.path.exists("/dev/zero"):
        cli_error(capsys, "derive", "--graph", "/dev/zero", message="not a regular file")
    big = tmp_path / "big.txt"
    with big.open("wb") as fh:  # a sparse 8 GB file: reading it would take minutes
        fh.truncate(8 << 30)
    cli_error(capsys, "derive", "--graph", big, message="bytes")
    binary = tmp_path / "bin.txt"
    binary.write_bytes(b"f = x\xff\xfe")
    cli_error(capsys, "derive", "--graph", binary, message="not UTF-8")


# ---- D22: huge layer sizes ----------------------------------------------------------------------------

@pytest.mark.timeout(30)
def test_D22_huge_nets_are_refused_up_front(capsys):
    from symbackprop.core.network import MAX_WIDTH
    cli_error(capsys, "derive", "--net", "9999999999-1", message=f"the limit is {MAX_WIDTH:,}")
    cli_error(capsys, "train", "--net", "2-" * 70 + "1", message="at most 64 layers")
    net = sb.mlp([1000, 1000, 1000, 1])  # on matrices: built at once, whatever its width
    with pytest.raises(sb.LimitError, match="2,003,001 parameters"):
        sb.backprop(net)  # its scalar graph is refused up front
    with pytest.raises(sb.LimitError, match=r"1,000,001,000,000 parameters.*GiB"):
        sb.mlp([1_000_000, 1_000_000])  # theta alone would not fit in memory


# ---- D23: the budget ----------------------------------------------------------------------------

@pytest.mark.timeout(30)
@pytest.mark.parametrize("budget", ["nan", "-1", "0"])
def test_D23_budget_must_be_a_positive_number(capsys, budget):
    cli_error(capsys, "derive", "--budget", budget, "--form", "expanded",
              message="budget must be a positive number")
    with pytest.raises(sb.InvalidValueError, match="budget"):
        sb.expanded(NET, "w1_11", budget=float(budget))


# ---- D24: verify and notes on big nets ----------------------------------------------------------

@pytest.mark.timeout(60)
@pytest.mark.parametrize("layers", [[8, 8, 8, 1],
                                    pytest.param([16, 16, 16, 1], marks=pytest.mark.slow)])
def test_D24_verify_estimates_its_cost_and_refuses(layers):
    net = sb.mlp(layers)
    with pytest.raises(sb.ExpressionTooLargeError, match=r"wrt=\[\.\.\.\]"):
        sb.verify(net)
    report = sb.verify(net, wrt=["w1_11", net.param_symbols[-1]])
    assert [r.variable.name for r in report] == ["w1_11", net.param_symbols[-1].name]


@pytest.mark.timeout(120)
def test_D24_notes_on_big_nets(capsys):
    code, out, _ = cli(capsys, "notes", "--net", "16-16-16-1")
    assert code == 0 and out.rstrip().endswith("\\end{document}")
    # one weight and one bias per layer, each as a delta times an input
    assert len(re.findall(r"^\\frac\{\\partial E\}\{\\partial [wb]_.*?\} &= \\delta", out,
                          re.MULTILINE)) == 6
    cli_error(capsys, "notes", "--net", "16-16-16-1", "--wrt", "all", message="--wrt NAME")


# ---- D25: no silent overwrite ----------------------------------------------------------------------

@pytest.mark.timeout(60)
@pytest.mark.parametrize("args", [
    ["sizes", "--width", "1", "--depth", "1", "--csv"],
    ["sizes", "--width", "1", "--depth", "1", "--plot"],
    ["train", "--steps", "3", "--plot"],
    ["train", "--steps", "3", "--save"],
    ["notes", "-o"],
])
def test_D25_existing_files_need_force(capsys, tmp_path, args):
    suffix = {"--csv": ".csv", "--plot": ".png", "--save": ".json", "-o": ".tex"}[args[-1]]
    out = tmp_path / f"out{suffix}"
    out.write_bytes(b"precious")
    cli_error(capsys, *args, out, code=1, message="--force")
    assert out.read_bytes() == b"precious"
    code, _, _ = cli(capsys, *args, out, "--force")
    assert code == 0 and out.read_bytes() != b"precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name]


# ---- D26, D27: concurrent writers and SIGKILL ------------------------------------------------------

WRITER = """
import sys
from symbackprop.io import write_bytes
path, byte, n, force = sys.argv[1], sys.argv[2].encode(), int(sys.argv[3]), sys.argv[4] == "1"
try:
    write_bytes(path, byte * n, force=force)
except Exception as e:
    print(type(e).__name__, e)
    sys.exit(1)
"""


@pytest.mark.timeout(120)
@pytest.mark.slow
def test_D26_concurrent_writers_one_wins(tmp_path):
    for attempt in range(3):
        path = tmp_path / f"same{attempt}.tex"
        procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), letter, "200000",
                                   "0"], stdout=subprocess.PIPE, text=True)
                 for letter in "ABCD"]
        results = [(p.communicate(timeout=60)[0], p.returncode) for p in procs]
        results = [(code, out) for out, code in results]
        winners = [i for i, (code, _) in enumerate(results) if code == 0]
        assert len(winners) == 1, results
        assert all("OutputFileError" in out and "exists" in out
                   for code, out in results if code != 0)
        assert path.read_bytes() == "ABCD"[winners[0]].encode() * 200_000
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"same{i}.tex" for i in range(3)]


@pytest.mark.timeout(180)
@pytest.mark.slow
@pytest.mark.parametrize("force", [False, True])
def test_D27_sigkill_leaves_old_or_new_file_and_no_temporary(tmp_path, force):
    rng = np.random.default_rng(27)
    path = tmp_path / "n.tex"
    n = 4_000_000
    if force:
        path.write_bytes(b"A" * n)
    for _ in range(8):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path), "B", str(n),
                                 "1" if force else "0"], stdout=subprocess.DEVNULL)
        time.sleep(0.15 + rng.uniform(0, 0.5))  # somewhere in start-up, writing or renaming
        proc.kill()
        proc.wait(timeout=30)
        content = path.read_bytes() if path.exists() else None
        assert content in (None, b"A" * n, b"B" * n)
        others = [p.name for p in tmp_path.iterdir() if p != path]
        # only a replace killed in the instant of its rename can leave its temporary file,
        # named for its dead writer; the next write removes it
        assert all(f".{path.name}.{proc.pid}." in name for name in others), others
        if not force and path.exists():
            path.unlink()
    sbio.write_bytes(path, b"C", force=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["n.tex"]


# ---- D28, D29: checks before writing ---------------------------------------------------------------

@pytest.mark.timeout(60)
def test_D28_existing_pdf_is_checked_before_the_tex_is_written(capsys, tmp_path):
    (tmp_path / "p.pdf").write_bytes(b"old pdf")
    cli_error(capsys, "notes", "-o", tmp_path / "p.tex", "--pdf", code=1, message="p.pdf")
    assert not (tmp_path / "p.tex").exists()
    assert (tmp_path / "p.pdf").read_bytes() == b"old pdf"


@pytest.mark.timeout(60)
def test_D29_dangling_symlink_is_not_replaced_without_force(capsys, tmp_path):
    link = tmp_path / "n.tex"
    link.symlink_to(tmp_path / "nowhere.tex")
    cli_error(capsys, "notes", "-o", link, code=1, message="dangling symbolic link")
    assert link.is_symlink() and not (tmp_path / "nowhere.tex").exists()
    code, _, _ = cli(capsys, "notes", "-o", link, "--force")
    assert code == 0 and link.is_file() and not link.is_symlink()
    assert not (tmp_path / "nowhere.tex").exists()


# ---- what must hold besides ------------------------------------------------------------------------

@pytest.mark.timeout(30)
def test_unexpected_errors_are_short_and_debug_shows_the_traceback(capsys, monkeypatch):
    import symbackprop.cli as cli_module

    def broken(args, out=None):
        raise RuntimeError("something inside broke")

    monkeypatch.setattr(cli_module, "cmd_derive", broken)
    code, _, err = cli(capsys, "derive")
    assert code == 1 and "internal error: RuntimeError: something inside broke" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    code, _, err = cli(capsys, "--debug", "derive")
    assert code == 1 and "Traceback" in err


PAYLOADS = [
    "__import__('os').system('touch pwned')", "open('pwned', 'w')", "exec('import os')",
    "eval('1')", "compile('1', 'f', 'eval')", "globals()", "locals()", "vars()", "dir()",
    "getattr(x, 'real')", "setattr(x, 'a', 1)", "x.__class__", "x.__class__.__bases__",
    "().__class__.__base__.__subclasses__()", "x.real", "x[0]", "x[0:1]", "lambda: 1",
    "(lambda q: q)(x)", "[x for x in y]", "{x for x in y}", "{x: 1 for x in y}",
    "(x for x in y)", "f'{x}'", "'a'", "b'a'", "[x]", "(x, y)", "{x}", "{x: y}", "x if y else z",
    "x and y", "x or y", "not x", "x < y", "x == y", "x @ y", "x // y", "x % y", "x << y",
    "x | y", "x & y", "x ^ y", "~x", "(y := 1)", "print(x)", "input()", "breakpoint()",
    "exp(*x)", "exp(x=1)", "await x", "sympify('x')",
]


@pytest.mark.timeout(60)
@pytest.mark.parametrize("payload", PAYLOADS)
def test_text_format_refuses_code(tmp_path, monkeypatch, payload):
    """Kept from the sweep: none of these runs; each is refused with its line and column."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(sb.ParseError) as info:
        sb.parse_graph(f"q = x + 1\nf = {payload}")
    assert info.value.line == 2 and info.value.col is not None
    assert list(tmp_path.iterdir()) == []


def test_the_docs_state_the_limits_the_code_enforces():
    import importlib
    graph, names, network, parse, values, estimate, verify, notes, printer = (
        importlib.import_module(f"symbackprop.{m}") for m in (
            "core.graph", "core.names", "core.network", "core.parse", "core.values",
            "derive.estimate", "derive.verification", "render.lesson", "render.printer"))
    text = (ROOT / "docs" / "limits.md").read_text(encoding="utf-8")  # linked from the README
    table = text[text.index("# Limits and errors"):text.index("Values are finite")]
    for value in (parse.MAX_CHARS, parse.MAX_LINES, graph.MAX_DEPTH, graph.MAX_ARGS,
                  graph.MAX_EXPONENT, values.MAX_DIGITS, graph.MAX_NODES,
                  names.MAX_NAME_LENGTH, network.MAX_WIDTH, network.MAX_LAYERS,
                  network.MAX_PARAMS, estimate.DEFAULT_BUDGET, verify.VERIFY_BUDGET,
                  notes.NOTES_BUDGET, printer.MAX_PRINT_DEPTH):
        assert f"{value:,}" in table, value
