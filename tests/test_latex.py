"""LaTeX: exact printer strings, notes that compile first time, determinism, matrix form."""

import os
import shutil
import subprocess
import sys

import pytest
import sympy as sp

import symbackprop as sb
from symbackprop.cli import main
from symbackprop.io import compile_pdf
from symbackprop.render.layout import width

PDFLATEX = shutil.which("pdflatex")
needs_tex = pytest.mark.skipif(PDFLATEX is None, reason="pdflatex is not installed")
MAZUR = {"x1": 0.05, "x2": 0.1, "t": 0.01, "w1": 0.15, "w2": 0.2, "w3": 0.25, "w4": 0.3,
         "b1": 0.35, "b2": 0.35, "w5": 0.4, "w6": 0.45, "b3": 0.6}


# ---- the printer, form by form ------------------------------------------------------------

NET_T = sb.mlp([3, 11, 1], activation="sigmoid")          # textbook names
NET_S = sb.mlp([2, 2, 1], activation="a", naming="sequential")  # seed 004's names
z = sp.Symbol("z")


@pytest.mark.parametrize(("expr", "graph", "want"), [
    (sp.Derivative(sp.Symbol("E"), sp.Symbol("w1"), evaluate=False), None,
     r"\frac{\partial E}{\partial w_{1}}"),
    (NET_T.symbol("w1_23"), NET_T, r"w^{(1)}_{23}"),
    (NET_T.symbol("w2_1_10"), NET_T, r"w^{(2)}_{1,10}"),
    (NET_T.symbol("b2_1"), NET_T, r"b^{(2)}_{1}"),
    (sb.delta_symbol(NET_T, "z2_1"), NET_T, r"\delta^{(2)}_{1}"),
    (sb.delta_symbol(NET_S, "h1"), NET_S, r"\delta_{h_{1}}"),
    (sb.delta_symbol(NET_S, "a_h1"), NET_S, r"\frac{\partial E}{\partial a(h_{1})}"),
    (NET_S.symbol("a_h1"), NET_S, r"a(h_{1})"),
    (sb.grad_symbol(NET_S, "w5"), NET_S, r"\frac{\partial E}{\partial w_{5}}"),
    (NET_T.symbol("h2_1"), NET_T, r"\hat{y}"),
    # without a graph, symbols print as named: no meaning is guessed from a name
    (sp.Symbol("w1_23"), None, r"w_{1 23}"),
    (sp.Symbol("what"), None, "what"),
    (sp.Symbol("dog_day"), None, "dog_{day}"),
    (sp.Symbol("delta_rate"), None, r"\delta_{rate}"),
    (sp.Symbol("yhat"), None, "yhat"),
    (sb.sigmoid(z), None, r"\sigma(z)"),
    (sb.sigmoid(sp.Symbol("x") + 1), None, r"\sigma\left(x + 1\right)"),
    (sb.generic_activation("a")(z).diff(z), None, r"a'(z)"),
    (sb.relu(z), None, r"\operatorname{ReLU}(z)"),
    (sb.relu(z).diff(z), None, r"\mathbf{1}[z > 0]"),
    (sp.Heaviside(z), None, r"H\left(z\right)"),
    (sb.logsumexp(sp.Symbol("z1"), sp.Symbol("z2")), None, r"\operatorname{LSE}(z_{1}, z_{2})"),
    (sb.softplus(z), None, r"\operatorname{softplus}(z)"),
    (sp.Function("f")(z, sp.Symbol("x")).diff(z).subs(z, sp.Symbol("w") * sp.Symbol("x")), None,
     r"\frac{\partial f}{\partial \xi_{1}}\left(w x, x\right)"),
])
def test_printer_exact_strings(expr, graph, want):
    assert sb.latex(expr, graph=graph) == want


def test_chain_program_graph_latex_and_repr():
    g = sb.parse_graph("q = x + y\nf = q*z")
    assert sb.latex(sb.chain(g, "x")) == (
        r"\frac{\partial f}{\partial x} = \frac{\partial f}{\partial q} "
        r"\frac{\partial q}{\partial x} = z")
    assert sb.latex(g) == r"\begin{aligned}q &= x + y \\ f &= q z\end{aligned}"
    prog = sb.latex(sb.backprop(g))
    assert r"\delta_{q} &= z" in prog and r"\frac{\partial f}{\partial x} &= \delta_{q}" in prog
    net = sb.mlp([2, 2, 1], activation="sigmoid")
    # Jupyter shows a graph, chain, program or matrix form as its LaTeX in display style
    for obj in (g, sb.chain(g, "x"), sb.backprop(g), sb.matrix_form(net)):
        assert obj._repr_latex_() == f"$\\displaystyle {sb.latex(obj)}$"
    assert g._repr_latex_() == (r"$\displaystyle \begin{aligned}q &= x + y \\ f &= q z"
                                r"\end{aligned}$")
    # notes as MathJax text: bold headings and align* blocks, none of the article's commands
    shown = sb.notes(g)._repr_latex_()
    assert shown.startswith(r"$\textbf{Backpropagation through the graph of } f$")
    for piece in (r"$\textbf{Forward pass}$",
                  "\\begin{align*}\nq &= x + y \\\\\nf &= q z\n\\end{align*}",
                  "\\delta_{q} &= \\delta_{f} \\cdot z",
                  "\\frac{\\partial f}{\\partial x} &= \\delta_{q} \\cdot 1"):
        assert piece in shown, piece
    for article in (r"\documentclass", r"\section", r"\begin{document}", r"\usepackage"):
        assert article not in shown
    assert sb.Notes("x" * 7)._repr_latex_() == r"$\text{7 characters of LaTeX}$"


def test_width_estimate():
    assert width("x") == 1
    assert width(r"\frac{a}{bcd}") == pytest.approx(3.4)
    assert width(r"\left(x\right)") == 3


# ---- notes ---------------------------------------------------------------------------------

def test_notes_sections_seed004():
    net = sb.mlp([2, 2, 1], activation="a", naming="sequential")
    tex = sb.notes(net, wrt=["w1"])
    assert tex.startswith(r"\documentclass")
    for piece in (r"\subsection*{Forward pass}", r"h_{1} &= w_{1} x_{1} + w_{2} x_{2} + b_{1}",
                  r"The chain rule for $w_{1}$, in full. One path leads from $w_{1}$ to $E$",
                  (r"\frac{\partial E}{\partial w_{1}} &= \frac{\partial E}{\partial a(y)} "
                   r"\frac{\partial a(y)}{\partial y}"),
                  r"\frac{\partial a(h_{1})}{\partial h_{1}} &= a'(h_{1})",
                  "Written out in the values the computation starts from",
                  r"\subsection*{Matrix form}",
                  r"\odot"):
        assert piece in tex, piece
    assert r"a(h_{1}) &= a(h_{1})" not in tex  # no tautologies


def test_notes_with_a_point_has_table_and_update():
    net = sb.mlp([2, 2, 1], activation="sigmoid", naming="sequential")
    tex = sb.notes(net, wrt=["w5"], at=MAZUR, lr=0.5)
    # Mazur: dE/dw5 = 0.082167041, w5+ = 0.4 - 0.5 * 0.082167041 = 0.35891648
    assert r"$w_{5}$ & $0.4$ & $0.082167$ & $0.358916$ \\" in tex
    assert r"\theta &\leftarrow \theta - \eta \frac{\partial E}{\partial \theta}" in tex


def test_notes_missing_leaf_is_a_clear_error():
    net = sb.mlp([2, 2, 1], naming="sequential")
    with pytest.raises(sb.SymbackpropError, match="no value for"):
        sb.notes(net, at={"x1": 1})


def test_many_paths_are_summarised():
    net = sb.mlp([2, 4, 4, 4, 1], activation="sigmoid")
    tex = sb.notes(net, wrt=["w1_11"])
    assert "There are 16 paths" in tex


def test_notes_are_deterministic_across_processes():
    code = ("import symbackprop as sb, sys; net = sb.mlp([2, 3, 2], activation='tanh', "
            "loss='softmax_ce'); sys.stdout.write(sb.notes(net, wrt=['w1_11', 'b2_2'], "
            "at={s.name: (i % 5 + 1) / 7 for i, s in enumerate(net.leaf_symbols)}))")
    outs = []
    for seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        outs.append(subprocess.run([sys.executable, "-c", code], capture_output=True,
                                   env=env, check=True).stdout)
    assert outs[0] == outs[1] and len(outs[0]) > 1000


# ---- compiled by a real LaTeX engine -----------------------------------------------------------

DOCS = [
    ("seed004-generic", lambda: sb.notes(sb.mlp([2, 2, 1], activation="a",
                                                naming="sequential"))),
    ("seed004-sigmoid-at", lambda: sb.notes(sb.mlp([2, 2, 1], activation="sigmoid",
                                                   naming="sequential"), at=MAZUR)),
    ("seed001-circuit", lambda: sb.notes(sb.parse_graph("q = x + y\nf = q*z"),
                                         at={"x": -2, "y": 5, "z": -4})),
    ("seed003", lambda: sb.notes(sb.parse_graph("f = 2*x + 3*x*y + y**3"),
                                 at={"x": 1, "y": 2})),
    ("tanh-mse-2-3-2", lambda: sb.notes(sb.mlp([2, 3, 2], activation="tanh", loss="mse",
                                               output_activation="identity"))),
    ("relu-bce-3-3-1", lambda: sb.notes(sb.mlp([3, 3, 1], activation="relu", loss="bce"),
                                        wrt=["w1_11", "w2_13", "b2_1"])),
    ("softplus-softmax-2-2-3", lambda: sb.notes(sb.mlp([2, 2, 3], activation="softplus",
                                                       loss="softmax_ce"))),
    ("leaky-deep", lambda: sb.notes(sb.mlp([2, 3, 3, 3, 1], activation="leaky_relu"),
                                    wrt=["w1_11", "w4_13"])),
    ("staged-graph", lambda: sb.notes(sb.parse_graph(
        "# params: w b\n# targets: t\nz = w*x + b\nh = tanh(z)\ns = exp(h) + sqrt(1 + z**2)\n"
        "E = (t - s)**2/2"), at={"x": 0.5, "w": -1.5, "b": 0.25, "t": 1})),
    ("fragment", lambda: "\\documentclass{article}\\usepackage{amsmath,amssymb,booktabs,tikz}"
                         "\\begin{document}" + sb.notes(sb.mlp([1, 1, 1]), standalone=False)
                         + "\\end{document}"),
]


@needs_tex
@pytest.mark.parametrize(("name", "make"), DOCS, ids=[d[0] for d in DOCS])
def test_notes_compile_without_errors_or_overfull_lines(tmp_path, name, make):
    tex = tmp_path / f"{name}.tex"
    tex.write_text(make(), encoding="utf-8")
    pdf = compile_pdf(tex)
    assert pdf.path.exists() and pdf.path.read_bytes()[:5] == b"%PDF-"
    log = pdf.log
    assert "Undefined control sequence" not in log
    assert "Overfull \\hbox" not in log, [ln for ln in log.splitlines() if "Overfull" in ln]
    assert "! " not in log


def test_pdf_without_a_tex_engine(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    out = tmp_path / "n.tex"
    code = main(["notes", "--wrt", "w1", "-o", str(out), "--pdf"])
    err = capsys.readouterr().err
    assert code == 1 and "no pdflatex found" in err and "was written" in err
    assert out.exists() and out.read_text(encoding="utf-8").startswith(r"\documentclass")


# ---- the matrix form against the scalar derivation ---------------------------------------------

@pytest.mark.parametrize(("layers", "activation", "loss"), [
    ([2, 2, 1], "sigmoid", "half_se"), ([2, 3, 2], "tanh", "mse"),
    ([3, 2, 2, 1], "relu", "bce"), ([2, 3, 3], "softplus", "softmax_ce"),
    ([2, 2, 1], "a", "half_se"),
])
def test_matrix_form_entries_equal_the_scalar_derivation(layers, activation, loss):
    net = sb.mlp(layers, activation=activation, loss=loss)
    mf = sb.matrix_form(net)
    point = {s: sp.Rational((-1) ** i * (i % 7 + 1), 9) for i, s in enumerate(net.leaf_symbols)}
    for p in net.param_symbols:
        entry = mf.in_leaves(mf.gradient(p))
        scalar = sb.expanded(net, p)
        d = sp.expand((entry - scalar).xreplace(point))
        if d != 0:
            assert abs(float(d.evalf(40))) < 1e-30, p


# ---- the command line ------------------------------------------------------------------------

def test_cli_notes_stdout_file_force_and_fragment(tmp_path, capsys):
    assert main(["notes", "--activation", "sigmoid", "--wrt", "w1"]) == 0
    assert capsys.readouterr().out.startswith(r"\documentclass")
    out = tmp_path / "notes.tex"
    assert main(["notes", "--wrt", "w1", "-o", str(out), "--fragment"]) == 0
    first = out.read_text(encoding="utf-8")
    assert first.startswith("% symbackprop lecture notes")
    capsys.readouterr()
    assert main(["notes", "--wrt", "w5", "-o", str(out)]) == 1
    assert "exists; pass force=True (--force)" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8") == first  # untouched
    assert main(["notes", "--wrt", "w5", "-o", str(out), "--force"]) == 0
    assert out.read_text(encoding="utf-8") != first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.tex"]  # no temp files


def test_cli_notes_at_must_name_every_leaf(capsys):
    assert main(["notes", "--at", "x1=0.05"]) == 2
    assert "--at gives no value for x2, t, w1" in capsys.readouterr().err


@needs_tex
def test_cli_notes_pdf(tmp_path, capsys):
    out = tmp_path / "n.tex"
    assert main(["notes", "--graph", str(_circuit(tmp_path)), "--at", "x=-2,y=5,z=-4",
                 "-o", str(out), "--pdf"]) == 0
    assert (tmp_path / "n.pdf").read_bytes()[:5] == b"%PDF-"


def _circuit(tmp_path):
    p = tmp_path / "circuit.txt"
    p.write_text("q = x + y\nf = q*z\n", encoding="utf-8")
    return p
