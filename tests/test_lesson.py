"""The notes as a lesson (issue 18): structure by layer, the step, numbered equations, a
figure, nothing for the tool's user in the students' text, layout, Korean, slides, exercises.

Oracles: Matt Mazur's published 2-2-2 example (E = 0.298371109 before the step and
0.29102777 after it, updating the weights with eta = 0.5), NumPy forward passes written here
by hand and their central differences (never the package's own derivatives), and pdflatex.
"""

from __future__ import annotations

import itertools
import math
import re
import shutil
import subprocess

import numpy as np
import pytest

import symbackprop as sb
from symbackprop.cli import main
from symbackprop.render.plain import format_number

PDFLATEX = shutil.which("pdflatex")
needs_tex = pytest.mark.skipif(PDFLATEX is None, reason="pdflatex is not installed")

MAZUR = {"x1": 0.05, "x2": 0.10, "t1": 0.01, "t2": 0.99, "w1": 0.15, "w2": 0.20, "w3": 0.25,
         "w4": 0.30, "w5": 0.40, "w6": 0.45, "w7": 0.50, "w8": 0.55, "b1": 0.35, "b2": 0.35,
         "b3": 0.60, "b4": 0.60}


def mazur_net():
    return sb.mlp([2, 2, 2], activation="sigmoid", naming="sequential")


def softmax_net():
    return sb.mlp([2, 3, 2], activation="tanh", loss="softmax_ce")


def softmax_point(t=(0.5, 0.3)):
    net = softmax_net()
    at = {s.name: round(((i * 7) % 11 - 5) / 10, 2) for i, s in enumerate(net.leaf_symbols)}
    at["t1"], at["t2"] = t
    return at


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def mazur_loss(p):
    """Mazur's forward pass, by hand."""
    h1 = sigmoid(p["w1"] * p["x1"] + p["w2"] * p["x2"] + p["b1"])
    h2 = sigmoid(p["w3"] * p["x1"] + p["w4"] * p["x2"] + p["b2"])
    o1 = sigmoid(p["w5"] * h1 + p["w6"] * h2 + p["b3"])
    o2 = sigmoid(p["w7"] * h1 + p["w8"] * h2 + p["b4"])
    return 0.5 * (p["t1"] - o1) ** 2 + 0.5 * (p["t2"] - o2) ** 2


def softmax_loss(p):
    """-sum_j t_j log softmax(z)_j of the 2-3-2 tanh net, by hand (any targets)."""
    x = np.array([p["x1"], p["x2"]])
    W1 = np.array([[p[f"w1_{j}{k}"] for k in (1, 2)] for j in (1, 2, 3)])
    b1 = np.array([p[f"b1_{j}"] for j in (1, 2, 3)])
    W2 = np.array([[p[f"w2_{j}{k}"] for k in (1, 2, 3)] for j in (1, 2)])
    b2 = np.array([p[f"b2_{j}"] for j in (1, 2)])
    z = W2 @ np.tanh(W1 @ x + b1) + b2
    logp = z - np.log(np.exp(z).sum())
    return -(np.array([p["t1"], p["t2"]]) * logp).sum()


def central(f, p, name, h=1e-6):
    a, b = dict(p), dict(p)
    a[name] += h
    b[name] -= h
    return (f(a) - f(b)) / (2 * h)


def body(tex: str) -> str:
    """The students' text: the document without its preamble."""
    return tex.split("\\begin{document}", 1)[-1]


# ---- 1. a lesson's structure, by layer -----------------------------------------------------

def test_sections_in_a_lessons_order():
    tex = sb.notes(mazur_net(), wrt="all", at=MAZUR, digits=9)
    order = ["Notation", "The network", "Forward pass", "Backward pass: the deltas",
             "Output layer", "Hidden layer 1", "The gradients", "One step of gradient descent",
             "Values at the point", "Matrix form"]
    at = [tex.index(f"{{{h}}}") for h in order]
    assert at == sorted(at)
    # each delta computed once, the output layer's first and in order
    layers = tex.split("{Output layer}")[1]  # after the delta's definition
    for d in ("y_{1}", "y_{2}", "h_{1}", "h_{2}"):
        assert layers.count(f"\\delta_{{{d}}} &=") == 1, d
    assert tex.index(r"\delta_{y_{1}} &=") < tex.index(r"\delta_{y_{2}} &=") \
        < tex.index(r"\delta_{h_{1}} &=") < tex.index(r"\delta_{h_{2}} &=")
    # the chain rule in full once per layer, for a weight; every gradient as delta * input
    assert tex.count("The chain rule for") == 2
    assert "The chain rule for $w_{5}$" in tex and "The chain rule for $w_{1}$" in tex
    assert r"\frac{\partial E}{\partial w_{6}} &= \delta_{y_{1}} a(h_{2}) = 0.138498562 " \
           r"\cdot 0.596884378 = 0.0826676278" in tex
    assert r"\frac{\partial E}{\partial b_{1}} &= \delta_{h_{1}} = 0.00877135469" in tex


def test_mazur_step_updates_the_weights_as_he_does():
    tex = sb.notes(mazur_net(), wrt="all", at=MAZUR, digits=9)
    step = tex.split("One step of gradient descent")[1].split("Values at the point")[0]
    # every parameter in the table with its gradient and updated value (Mazur: w5+ = 0.35891648,
    # w1+ = 0.149780716)
    for name in ("w1", "w5", "b1", "b4"):
        assert f"${name[0]}_{{{name[1:]}}}$ &" in step
    assert r"$w_{1}$ & $0.15$ & $0.000438567734$ & $0.149780716$" in step
    # the loss after the step, from a hand-written forward pass: his 0.29102777
    weights = {k: v for k, v in MAZUR.items() if k.startswith("w")}
    grads = {k: central(mazur_loss, MAZUR, k) for k in weights}
    after = mazur_loss({**MAZUR, **{k: v - 0.5 * grads[k] for k, v in weights.items()}})
    assert round(after, 8) == 0.29102777
    assert f"$E = {after:.9g}$" in step and "Updating only the weights" in step
    everything = {k: v - 0.5 * central(mazur_loss, MAZUR, k) for k, v in MAZUR.items()
                  if k[0] in "wb"}
    assert f"$E = {mazur_loss({**MAZUR, **everything}):.9g}$" in step
    assert "E = 0.298371109" in step


@needs_tex
@pytest.mark.parametrize(("make", "most"), [
    (lambda: sb.notes(mazur_net(), wrt="all", at=MAZUR, digits=9), 6),
    (lambda: sb.notes(softmax_net(), wrt="all", at=softmax_point()), 8),
], ids=["mazur-all", "softmax-2-3-2-all"])
def test_page_budgets(tmp_path, make, most):
    path = tmp_path / "notes.tex"
    sb.write_notes(make(), path)
    pdf = sb.compile_pdf(path)
    assert pdf.pages is not None and pdf.pages <= most, pdf
    assert not pdf.overfull, pdf.overfull[:3]
    # every cross-reference resolved (the equations are numbered and referred to)
    text = subprocess.run(["pdftotext", str(pdf.path), "-"], capture_output=True, text=True,
                          check=False).stdout if shutil.which("pdftotext") else ""
    assert "??" not in text


# ---- 3. numbered equations --------------------------------------------------------------------

def test_equations_are_numbered_and_referred_to():
    tex = sb.notes(mazur_net(), at=MAZUR)
    assert r"\tag{1}\label{sb:eq1}" in tex and r"\eqref{sb:eq" in tex
    labels = set(re.findall(r"\\label\{(sb:eq\d+)\}", tex))
    assert set(re.findall(r"\\eqref\{(sb:eq\d+)\}", tex)) <= labels
    for tag in ("BP1", "BP2", "BP3", "BP4"):
        assert rf"\tag{{{tag}}}" in tex
    slides = sb.notes(mazur_net(), at=MAZUR, slides=True)
    assert r"\tag{1}" in slides and r"\label" not in slides  # Beamer: no labels in overlays
    # a notebook shows the numbers, not the links
    shown = tex._repr_latex_()
    assert r"\eqref" not in shown and r"\label" not in shown and r"\tag{1}" in shown


# ---- 2. a figure -------------------------------------------------------------------------------

def test_a_figure_of_the_network_and_of_the_circuit():
    tex = sb.notes(mazur_net(), at=MAZUR, wrt=["w1"])
    fig = tex[tex.index(r"\begin{tikzpicture}"):tex.index(r"\end{tikzpicture}")]
    assert r"\usepackage{tikz}" in tex
    for name in ("w_{1}", "w_{8}", "x_{1}", "h_{2}", "y_{1}", "E"):
        assert f"${name}$" in fig
    assert r"$\delta = 0.1385$" in fig and "$0.5933$" in fig  # delta_y1, a(h1), 4 digits
    assert "very thick" in fig  # the path of w1
    slides = sb.notes(mazur_net(), at=MAZUR, slides=True)
    assert r"\begin{tikzpicture}" in slides and r"\usepackage{tikz}" in slides
    circuit = sb.notes(sb.parse_graph("q = x + y\nf = q*z"), at={"x": -2, "y": 5, "z": -4})
    cfig = circuit[circuit.index(r"\begin{tikzpicture}"):circuit.index(r"\end{tikzpicture}")]
    assert "$+$" in cfig and r"$\times$" in cfig  # each node's operation
    assert "node[val,pos=0.4] {$3$}" in cfig and "node[grad,pos=0.4] {$-4$}" in cfig  # q, df/dq


# ---- 5. softmax cross-entropy for any targets ----------------------------------------------

def test_softmax_cross_entropy_for_targets_that_do_not_sum_to_one():
    at = softmax_point((0.5, 0.3))
    net = softmax_net()
    tex = sb.notes(net, wrt="all", at=at)
    grads = sb.backprop(net).evaluate(at)
    for name in ("b2_2", "w2_13", "w1_21", "b1_3", "t1", "t2"):
        want = central(softmax_loss, at, name)
        got = float(grads[net.symbol(name)])
        assert got == pytest.approx(want, rel=1e-6, abs=1e-9), name
    # the value table: dL/dt_j = -log yhat_j, as the displayed formula gives
    z = None
    x = np.array([at["x1"], at["x2"]])
    W1 = np.array([[at[f"w1_{j}{k}"] for k in (1, 2)] for j in (1, 2, 3)])
    b1 = np.array([at[f"b1_{j}"] for j in (1, 2, 3)])
    W2 = np.array([[at[f"w2_{j}{k}"] for k in (1, 2, 3)] for j in (1, 2)])
    z = W2 @ np.tanh(W1 @ x + b1) + np.array([at["b2_1"], at["b2_2"]])
    yhat = np.exp(z) / np.exp(z).sum()
    row = re.search(r"\$t_\{1\}\$ & \$0\.5\$ & \$(-?[\d.]+)\$", tex)
    assert row and float(row.group(1)) == pytest.approx(-math.log(yhat[0]), rel=1e-5)
    # dL/d(yhat_1) = -t_1/yhat_1 where it exists (the loss as displayed)
    row = re.search(r"\$\\hat\{y\}_\{1\}\$ & \$[\d.]+\$ & \$(-?[\d.]+)\$", tex)
    assert row and float(row.group(1)) == pytest.approx(-0.5 / yhat[0], rel=1e-5)
    # the printed gradient of b2_2 is the central difference of the displayed formula
    printed = re.search(r"\$b\^\{\(2\)\}_\{2\}\$ & \$-?[\d.]+\$ & \$(-?[\d.]+)\$", tex)
    assert printed and float(printed.group(1)) == pytest.approx(
        central(softmax_loss, at, "b2_2"), rel=1e-5)


# ---- 6. nothing for the tool's user in the students' text -----------------------------------

USER_TEXT = ("wrt", "--wrt", "texttt", "nodes in", "characters of LaTeX", "left out",
             "computed from the logits, so", "sb.")


@pytest.mark.parametrize("make", [
    lambda: sb.notes(mazur_net()),
    lambda: sb.notes(mazur_net(), lang="ko"),
    lambda: sb.notes(sb.mlp([2, 3, 3, 3, 1], activation="tanh")),
    lambda: sb.notes(softmax_net(), at=softmax_point()),
    lambda: sb.notes(sb.mlp([2, 3, 3, 1], activation="relu", output_activation="identity")),
], ids=["mazur", "mazur-ko", "deep", "softmax", "relu-regression"])
def test_no_text_for_the_tools_user(make):
    tex = make()
    text = re.sub(r"\\begin\{tikzpicture\}.*?\\end\{tikzpicture\}", "", body(tex),
                  flags=re.DOTALL)
    for bad in USER_TEXT:
        assert bad not in text.replace("\\\\*", ""), bad
    assert isinstance(tex.remarks, tuple)


def test_remarks_go_to_the_return_value_and_to_stderr(tmp_path, capsys):
    tex = sb.notes(sb.mlp([2, 3, 3, 3, 1], activation="tanh"))
    said = " ".join(tex.remarks)
    assert "--wrt all" in said and "left out" in said
    assert main(["notes", "--net", "2-3-3-3-1", "--activation", "tanh",
                 "-o", str(tmp_path / "n.tex")]) == 0
    err = capsys.readouterr().err
    assert "--wrt all" in err and "--wrt" not in (tmp_path / "n.tex").read_text()


# ---- 7. layout a lecturer need not fix -----------------------------------------------------

def test_numbers_print_as_a_lecturer_writes_them():
    tex = sb.notes(softmax_net(), wrt="all", at=softmax_point((0, 1)))
    for bad in ("e^{(-", r"\tanh((", r"0 \cdot \log"):
        assert bad not in tex, bad
    # "- 0.1", never "+ (-0.1)" (a negative number squared keeps its parentheses), also
    # where a sum goes on on the next line
    at = {"x1": 0.5, "x2": -0.2, "w1_11": 0.1, "w1_12": -0.3, "w1_21": 0.4, "w1_22": 0.2,
          "w1_31": -0.4, "w1_32": 0.3, "b1_1": -0.1, "b1_2": 0.0, "b1_3": 0.2, "w2_11": -0.2,
          "w2_12": 0.5, "w2_13": 0.1, "w2_21": -0.3, "w2_22": 0.4, "w2_23": 0.3, "b2_1": -0.4,
          "b2_2": 0.3, "t1": 1, "t2": 0}
    wrapped = sb.notes(softmax_net(), wrt="all", at=at)
    for doc in (tex, wrapped):
        assert not re.search(r"[+-] \(-[\d.]+\)(?!\^)", doc)
    assert not re.search(r"\(\(-[\d.]+\)\)", tex)
    assert r"\tanh(-0.59)" in tex or r"\tanh(-" in tex
    # no "X = X": a row never repeats its last step
    for row in re.findall(r"^.*&=.*$", tex, re.MULTILINE):
        steps = [s.strip(" \\*") for s in row.split("=")]
        assert all(a != b for a, b in itertools.pairwise(steps) if a), row


def test_the_users_expression_in_its_own_order_with_a_check():
    g = sb.parse_graph("f = 2*x + 3*x*y + y**3")
    tex = sb.notes(g, at={"x": 1, "y": 2})
    assert r"f &= 2 x + 3 x y + y^{3} = 2 \cdot 1 + 3 \cdot 1 \cdot 2 + 2^{3} = 16" in tex
    assert r"&= 2 + 3 y = 2 + 3 \cdot 2 = 8" in tex
    assert r"&= 3 x + 3 y^{2} = 3 \cdot 1 + 3 \cdot 2^{2} = 15" in tex
    assert "holding $y$ fixed" in tex
    # the central-difference check, independent of any derivative
    f = lambda x, y: 2 * x + 3 * x * y + y**3
    for lhs, want in ((r"f(x + h, y) - f(x - h, y)", (f(1 + 1e-4, 2) - f(1 - 1e-4, 2)) / 2e-4),
                      (r"f(x, y + h) - f(x, y - h)", (f(1, 2 + 1e-4) - f(1, 2 - 1e-4)) / 2e-4)):
        m = re.search(re.escape(f"\\frac{{{lhs}}}{{2h}} &= ") + r"(.*?)(\\\\\n\\frac|\n\\end)",
                      tex, re.DOTALL)
        assert m, lhs
        value = re.findall(r"= (\S+)", m.group(1))[-1]
        assert float(value) == pytest.approx(want, rel=1e-6), lhs


def test_continuation_rows_never_begin_a_page():
    tex = sb.notes(mazur_net(), wrt="all", at=MAZUR, digits=9)
    rows = re.findall(r"(\\\\\*?)\n(&)", tex)
    assert rows and all(sep == "\\\\*" for sep, _ in rows[:10])
    assert tex.count(r"\needspace") > 10


# ---- 8. Korean --------------------------------------------------------------------------------

def test_korean_uses_the_standard_terms_and_no_slanted_hangul():
    tex = sb.notes(softmax_net(), at=softmax_point(), lang="ko", wrt="all")
    for term in ("편미분", "손실 함수", "편향", "소프트맥스", "역전파", "연쇄 법칙", "학습률"):
        assert term in tex, term
    assert r"\emph" not in tex and r"\textbf{델타}" in tex
    circuit = sb.notes(sb.parse_graph("q = x + y\nf = q*z"), at={"x": -2, "y": 5, "z": -4},
                       lang="ko")
    assert r"\textbf{덧셈}" in circuit and r"\textbf{곱셈}" in circuit


# ---- 9. slides ------------------------------------------------------------------------------------

def test_slides_show_four_digits_and_reveal_equations_one_by_one():
    tex = sb.notes(mazur_net(), at=MAZUR, wrt="all", slides=True)
    given = {f"{v:g}" for v in MAZUR.values()}
    for num in re.findall(r"(?<![\d.^{_])(\d+\.\d+)", body(tex)):
        digits = len(num.replace(".", "").lstrip("0"))
        assert digits <= 4 or num in given, num
    assert "0.08217" in tex  # dE/dw5 to 4 digits
    frames = re.findall(r"\\begin\{frame\}(?:\[shrink\])?\{(.*?)\}\n(.*?)\\end\{frame\}", tex,
                        re.DOTALL)
    assert any(r"\begin{tikzpicture}" in b for _, b in frames)  # a figure frame
    values = [b for t, b in frames if t.startswith("Values at the point")]
    assert len(values) == 1  # the table on one frame
    assert sb.notes(mazur_net(), at=MAZUR, wrt=["w5"], slides=True, digits=9).count(
        "0.0821670406") >= 1


# ---- 10. exercises ------------------------------------------------------------------------------

def _loss_221(p):
    h1 = sigmoid(p["w1"] * p["x1"] + p["w2"] * p["x2"] + p["b1"])
    h2 = sigmoid(p["w3"] * p["x1"] + p["w4"] * p["x2"] + p["b2"])
    y = sigmoid(p["w5"] * h1 + p["w6"] * h2 + p["b3"])
    return 0.5 * (p["t"] - y) ** 2


def test_exercises_answers_against_central_differences():
    net = sb.mlp([2, 2, 1], activation="sigmoid", naming="sequential")
    ps = sb.exercises(net, n=3, seed=1, lang="en", digits=4)
    assert len(ps.problems) == 3
    points = set()
    for pr in ps.problems:
        p = {s.name: float(v) for s, v in pr.point.items()}
        points.add(tuple(sorted(p.items())))
        layers = {net.meta[s.name]["layer"] for s in pr.asks}
        assert layers == {1, 2}  # a weight of each layer
        for s in pr.asks:
            assert pr.answers[s] == pytest.approx(central(_loss_221, p, s.name), rel=1e-6,
                                                  abs=1e-10)
        assert pr.loss == pytest.approx(_loss_221(p))
        assert pr.check_value == pytest.approx(pr.answers[pr.check], rel=1e-4, abs=1e-8)
    assert len(points) == 3  # each problem its own point
    again = sb.exercises(net, n=3, seed=1)
    assert [pr.point for pr in again.problems] == [pr.point for pr in ps.problems]
    assert [pr.point for pr in sb.exercises(net, n=3, seed=2).problems] != \
        [pr.point for pr in ps.problems]
    sheet, key = ps.tex(), ps.tex(answers=True)
    assert sheet.count(r"\newpage") == 2
    for pr in ps.problems:
        for s in pr.asks:
            shown = format_number(pr.answers[s], digits=4)
            assert shown in key
            assert f"= {shown}$" not in sheet


def test_exercises_with_a_dead_relu():
    net = sb.mlp([2, 3, 1], activation="relu", output_activation="identity",
                 naming="sequential")
    ps = sb.exercises(net, n=4, seed=3)
    for pr in ps.problems:
        assert pr.dead is not None and pr.answers[pr.dead] == 0
        z = net.children(pr.dead)[0]
        assert float(net.evaluate(pr.point)[z]) < 0
        assert all(pr.answers[s] != 0 for s in pr.asks if s != pr.dead)
    assert "inactive" in ps.tex(answers=True)


def test_exercises_bad_input():
    net = sb.mlp([2, 2, 1])
    with pytest.raises(sb.InvalidValueError):
        sb.exercises(net, n=0)
    with pytest.raises(sb.InputTypeError):
        sb.exercises(net, seed="x")
    with pytest.raises(sb.UnknownNameError):
        sb.exercises(net, lang="fr")


@needs_tex
def test_exercises_command_line_english_and_korean(tmp_path, capsys):
    for lang in ("en", "ko"):
        sheet, key = tmp_path / f"sheet_{lang}.tex", tmp_path / f"key_{lang}.tex"
        assert main(["exercises", "--net", "2-2-1", "--variants", "3", "--seed", "1",
                     "--lang", lang, "-o", str(sheet), "--answers", str(key), "--pdf"]) == 0
        for f in (sheet, key):
            pdf = sb.compile_pdf(f, force=True)
            assert not pdf.overfull, pdf.overfull[:3]
        assert sb.compile_pdf(sheet, force=True).pages == 3  # one page per variant
    assert "sheet_ko.pdf" in capsys.readouterr().out


@needs_tex
def test_a_relu_regression_sheet_is_one_page_per_variant(tmp_path):
    net = sb.mlp([2, 3, 3, 1], activation="relu", output_activation="identity")
    ps = sb.exercises(net, n=3, seed=2)
    path = tmp_path / "sheet.tex"
    path.write_text(ps.tex(), encoding="utf-8")
    pdf = sb.compile_pdf(path)
    assert pdf.pages == 3 and not pdf.overfull


# ---- 11. circuits and functions as lessons -------------------------------------------------------

def test_circuit_names_each_gates_rule_where_it_is_used():
    tex = sb.notes(sb.parse_graph("q = x + y\nf = q*z"), at={"x": -2, "y": 5, "z": -4})
    back = tex.split("Backward pass")[1]
    assert back.index("multiply} gate swaps") < back.index(r"\delta_{q} &= \delta_{f} \cdot z")
    assert back.index("add} gate distributes") < back.index(
        r"\frac{\partial f}{\partial x} &= \delta_{q} \cdot 1 = (-4) \cdot 1 = -4")
    m = sb.notes(sb.parse_graph("m = max(x, y)\nf = 2*m"), at={"x": 1, "y": 3})
    assert "max} gate routes" in m
    assert "Check with central differences" in tex


# ---- 12. what holds --------------------------------------------------------------------------

def test_byte_identical_output():
    make = lambda: sb.notes(mazur_net(), wrt="all", at=MAZUR, slides=False)
    assert make() == make()
    ps = lambda: sb.exercises(mazur_net(), n=2, seed=5).tex(answers=True)
    assert ps() == ps()


@needs_tex
@pytest.mark.parametrize("make", [
    lambda: sb.notes(sb.mlp([2, 2, 1], activation="sigmoid", naming="sequential")),
    lambda: sb.notes(sb.mlp([2, 2, 1], activation="sigmoid", naming="sequential"), lang="ko",
                     at={"x1": 0.05, "x2": 0.1, "t": 0.01, "w1": 0.15, "w2": 0.2, "w3": 0.25,
                         "w4": 0.3, "b1": 0.35, "b2": 0.35, "w5": 0.4, "w6": 0.45,
                         "b3": 0.6}),
    lambda: sb.notes(mazur_net(), wrt="all", at=MAZUR, slides=True),
    lambda: sb.notes(sb.mlp([2, 3, 3, 1], activation="relu", output_activation="identity"),
                     at={s.name: round(((i * 7) % 11 - 5) / 10, 2) for i, s in enumerate(
                         sb.mlp([2, 3, 3, 1]).leaf_symbols)}),
    lambda: sb.notes(sb.parse_graph("q = x + y\nf = q*z"), at={"x": -2, "y": 5, "z": -4},
                     slides=True),
    lambda: sb.notes(sb.parse_graph("f = 2*x + 3*x*y + y**3"), at={"x": 1, "y": 2}, lang="ko"),
], ids=["default", "ko", "mazur-slides", "relu-regression", "circuit-slides", "f003-ko"])
def test_lesson_documents_compile_clean(tmp_path, make):
    path = tmp_path / "doc.tex"
    sb.write_notes(make(), path)
    pdf = sb.compile_pdf(path)
    assert not pdf.overfull, pdf.overfull[:3]


@pytest.mark.parametrize("layers", [[2, 2, 1], [2, 3, 2], [3, 3, 3, 1], [4, 4, 2]])
def test_weight_labels_of_the_figure_keep_apart(layers):
    """Each weight's label is placed along its edge away from the others: the two closest
    labels are farther apart than at fixed places along the edges (as before, where they came
    within 0.21-0.45 of a label box and overlapped where the edges cross), and at least 0.45
    of a box apart."""
    import itertools

    from symbackprop.render.figure import LABEL_BOX, label_positions
    dx, dy = min(3.6, 14.0 / len(layers)), 1.9  # as the notes draw them

    def y(l, j):
        return ((layers[l] - 1) / 2 - (j - 1)) * dy

    centres = {(l, j): (l * dx, y(l, j)) for l in range(len(layers))
               for j in range(1, layers[l] + 1)}
    edges = [((l - 1, k), (l, j)) for l in range(1, len(layers))
             for j in range(1, layers[l] + 1) for k in range(1, layers[l - 1] + 1)]
    at = label_positions(edges, centres, numbers=True)
    assert set(at) == set(edges) and all(0 < p < 0.8 for p in at.values())
    spots = [(centres[a][0] + p * (centres[b][0] - centres[a][0]),
              centres[a][1] + p * (centres[b][1] - centres[a][1])) for (a, b), p in at.items()]
    bw, bh = LABEL_BOX

    def closest(points):
        return min(max(abs(u[0] - v[0]) / (2 * bw), abs(u[1] - v[1]) / (2 * bh))
                   for u, v in itertools.combinations(points, 2))

    fixed = [(centres[a][0] + p * (centres[b][0] - centres[a][0]),
              centres[a][1] + p * (centres[b][1] - centres[a][1]))
             for a, b in edges for p in [0.2 + 0.16 * (b[1] - 1) / max(1, layers[b[0]] - 1)]]
    assert closest(spots) >= max(0.45, 1.2 * closest(fixed))
    tex = sb.notes(sb.mlp(layers, activation="tanh"), format="article")
    from symbackprop.render.figure import MAX_LABELLED
    if len(edges) <= MAX_LABELLED:  # every weight labelled, at its place
        assert tex.count(",sloped]") == len(edges)
