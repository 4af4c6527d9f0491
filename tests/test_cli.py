"""The command line, as a user runs it."""

import subprocess
import sys

import pytest

from symbackprop.cli import main

MAZUR_POINT = ("x1=0.05,x2=0.1,t=0.01,w1=0.15,w2=0.2,w3=0.25,w4=0.3,b1=0.35,b2=0.35,"
               "w5=0.4,w6=0.45,b3=0.6")


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_default_is_seed004_chain_for_w1(capsys):
    code, out, _ = run(capsys)
    assert code == 0
    assert "∂E/∂w1 = ∂E/∂a_y · ∂a_y/∂y · ∂y/∂a_h1 · ∂a_h1/∂h1 · ∂h1/∂w1" in out
    assert "= (a_y - t) · a'(y) · w5 · a'(h1) · x1" in out


def test_python_dash_m():
    out = subprocess.run([sys.executable, "-m", "symbackprop"], capture_output=True, text=True,
                         check=True).stdout
    assert "∂h1/∂w1" in out


def test_derive_all_forms_sizes_and_numbers(capsys):
    code, out, _ = run(capsys, "derive", "--net", "2-2-1", "--activation", "sigmoid",
                       "--loss", "half_se", "--naming", "sequential", "--wrt", "w1", "w5",
                       "--form", "all", "--sizes", "--at", MAZUR_POINT)
    assert code == 0
    assert "∂E/∂w5: chain rule, 1 path" in out
    assert "expanded (every node substituted)" in out
    assert "backprop program" in out and "delta_h1 = delta_a_h1·a_h1·(1 - a_h1)" in out
    assert "Sizes of ∂E/∂w1" in out
    # Mazur's worked example: dE/dw5 = 0.082167041
    line = next(ln for ln in out.splitlines() if ln.strip().startswith("w5 "))
    assert "0.08216704" in line


def test_derive_graph_file(tmp_path, capsys):
    p = tmp_path / "circuit.txt"
    p.write_text("q = x + y\nf = q*z\n", encoding="utf-8")
    code, out, _ = run(capsys, "derive", "--graph", str(p), "--at", "x=-2,y=5,z=-4")
    assert code == 0
    assert "∂f/∂x = ∂f/∂q · ∂q/∂x" in out
    rows = {ln.split()[0]: ln.split()[1:] for ln in out.splitlines()[-6:]}
    assert rows["x"] == ["-2", "-4"] and rows["z"] == ["-4", "3"] and rows["f"] == ["-12", "1"]


@pytest.mark.parametrize(("args", "message"), [
    (["derive", "--activation", "sigmoud"], "unknown activation 'sigmoud'; did you mean 'sigmoid'? valid activations"),
    (["derive", "--wrt", "w9"], "'w9' is not a variable of the graph"),
    (["derive", "--net", "2-0-1"], "layer 1 has size 0"),
    (["derive", "--at", "x1=0.1"], "--at gives no value for"),
    (["derive", "--at", "x1"], "name=value pairs"),
    (["derive", "--graph", "missing-file.txt"], "'missing-file.txt' does not exist"),
    (["derive", "--net", "4-8-8-8-8-1", "--form", "expanded"], "over the budget"),
])
def test_errors_exit_2_with_a_message(capsys, args, message):
    code, _, err = run(capsys, *args)
    assert code == 2
    assert err.startswith("symbackprop: error: ")
    assert message in err


def test_ascii_output(capsys):
    code, out, _ = run(capsys, "derive", "--ascii", "--wrt", "w5")
    assert code == 0
    assert "dE/dw5 = dE/da_y * da_y/dy * dy/dw5" in out
    assert "∂" not in out
