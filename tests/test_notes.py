"""Lecture notes a lecturer can hand out unchanged: order, numbers, δ, languages, slides.

Oracles: Matt Mazur's published "A Step by Step Backpropagation Example" (2-2-2 sigmoid net:
E_total = 0.298371109, ∂E/∂w5 = 0.082167041 = 0.74136507 × 0.186815602 × 0.593269992,
∂E/∂w1 = 0.000438568), seed 001's circuit (∂f/∂x = z · 1 = −4), pdflatex itself (errors and
overfull boxes), and MathJax 3 run by node (what a notebook shows).
"""

from __future__ import annotations

import itertools
import re
import shutil

import pytest
import sympy as sp

import symbackprop as sb
from symbackprop.render.layout import lone_operators, orphan_factors
from symbackprop.render.phrases import PHRASES
from tests.mathjax_check import needs_mathjax, problems, typeset

PDFLATEX = shutil.which("pdflatex")
needs_tex = pytest.mark.skipif(PDFLATEX is None, reason="pdflatex is not installed")

MAZUR = {"x1": 0.05, "x2": 0.10, "t1": 0.01, "t2": 0.99, "w1": 0.15, "w2": 0.20, "w3": 0.25,
         "w4": 0.30, "w5": 0.40, "w6": 0.45, "w7": 0.50, "w8": 0.55, "b1": 0.35, "b2": 0.35,
         "b3": 0.60, "b4": 0.60}
CIRCUIT = "q = x + y\nf = q*z"


def mazur_net():
    return sb.mlp([2, 2, 2], activation="sigmoid", naming="sequential")


# ---- a lecturer's order and notation -------------------------------------------------------

def test_lecturers_order_in_the_forward_pass():
    tex = sb.notes(sb.mlp([2, 2, 1], activation="a", naming="sequential"))
    assert r"h_{1} &= w_{1} x_{1} + w_{2} x_{2} + b_{1}" in tex
    assert r"y &= w_{5} a(h_{1}) + w_{6} a(h_{2}) + b_{3}" in tex
    assert r"E &= \frac{1}{2} \left(t - a(y)\right)^{2}" in tex
    assert r"a(h_{1}) &= a(h_{1})" not in tex  # no tautologies


def test_textbook_names_predictions_and_one_letter_for_the_loss():
    tex = sb.notes(sb.mlp([2, 2, 1], activation="sigmoid"))
    assert r"\hat{y} &= \sigma(z^{(2)}_{1})" in tex
    assert r"E &= \frac{1}{2} \left(t - \hat{y}\right)^{2}" in tex
    assert r"\sigma'(z) &= \sigma(z) \left(1 - \sigma(z)\right)" in tex
    assert " L " not in tex.split("Matrix form")[1]  # the matrix part keeps E


def test_losses_on_the_logits_read_as_textbooks_write_them():
    tex = sb.notes(sb.mlp([2, 2, 3], activation="tanh", loss="softmax_ce"), wrt=["b2_1"])
    assert r"L &= - t_{1} \log(\hat{y}_{1}) - t_{2} \log(\hat{y}_{2}) - t_{3} \log(\hat{y}_{3})" \
        in tex
    # the gradient for any targets; the textbook yhat - t when they sum to 1
    assert r"\delta^{(2)}_{1} &= \left(t_{1} + t_{2} + t_{3}\right) \hat{y}_{1} - t_{1}" in tex
    # LSE, which the written-out derivatives use, is defined before its first use
    if r"\operatorname{LSE}" in tex:
        first = tex[tex.index(r"\operatorname{LSE}"):]
        assert first.startswith(r"\operatorname{LSE}(z^{(2)}_{1}, z^{(2)}_{2}, z^{(2)}_{3}) &= \log")
    assert r"\tanh'(z) &= 1 - \tanh^{2}(z)" in tex
    assert r"\tag{BP1}" in tex and r"\hat{\boldsymbol{y}} - \boldsymbol{t}" in tex
    bce = sb.notes(sb.mlp([2, 2, 1], activation="relu", loss="bce"), wrt=["w2_11"])
    assert r"\delta^{(2)}_{1} &= \hat{y} - t" in bce
    assert r"\operatorname{ReLU}'(z) &= \mathbf{1}[z > 0]" in bce


def test_bias_paths_do_not_end_in_times_one():
    tex = sb.notes(sb.mlp([2, 2, 1], activation="sigmoid", naming="sequential"), wrt=["b1"])
    product = tex.split("Multiplied along the path")[1].split(r"\end{align*}")[0]
    assert r"\cdot 1 " not in product and not product.rstrip().endswith(r"\cdot 1")


# ---- numbers in every step ------------------------------------------------------------------

def test_mazur_numbers_in_every_step():
    tex = sb.notes(mazur_net(), wrt=["w5", "w1"], at=MAZUR, digits=9)
    # the forward pass with its numbers (Mazur: net_h1 = 0.3775, out_h1 = 0.593269992)
    assert r"0.15 \cdot 0.05 + 0.2 \cdot 0.1 + 0.35 = 0.3775" in tex
    assert r"\sigma(0.3775) = 0.593269992" in tex
    assert "= 0.298371109" in tex  # E_total
    # the local derivatives with their values, then Mazur's product line
    assert r"a(y_{1}) - t_{1} = 0.75136507 - 0.01 = 0.74136507" in tex
    assert r"0.74136507 \cdot 0.186815602 \cdot 0.593269992 = 0.0821670406" in tex
    # w1: two paths summed; the deltas; the update
    assert "= 0.000438567734" in tex
    assert r"w_{5} \delta_{y_{1}} + w_{7} \delta_{y_{2}}" in tex
    # the step: Mazur's w5+ = 0.35891648, and his loss after updating the weights only
    assert r"$w_{5}$ & $0.4$ & $0.0821670406$ & $0.35891648$" in tex
    assert "$E = 0.291027774$" in tex


def test_seed001_z_times_one():
    tex = sb.notes(sb.parse_graph(CIRCUIT), wrt=["x"], at={"x": -2, "y": 5, "z": -4})
    assert r"\frac{\partial f}{\partial x} &= z \cdot 1 = (-4) \cdot 1 = -4" in tex


@pytest.mark.parametrize("digits", [3, 6, 12])
def test_digits(digits):
    net = mazur_net()
    tex = sb.notes(net, wrt=["w5"], at=MAZUR, digits=digits)
    exact = sb.backprop(net).evaluate(MAZUR)[net.symbol("w5")]
    want = f"{float(exact):.{digits}g}"
    assert f"= {want}" in tex


def test_bad_options_are_clear_errors():
    net = mazur_net()
    with pytest.raises(sb.UnknownNameError, match="valid languages are: en, ko"):
        sb.notes(net, lang="fr")
    with pytest.raises(sb.InvalidValueError, match="digits"):
        sb.notes(net, digits=0)
    with pytest.raises(sb.InputTypeError, match="title"):
        sb.notes(net, title=3)
    with pytest.raises(sb.NoNumericFormError, match="generic activation"):
        sb.notes(sb.mlp([1, 1], activation="a", naming="sequential"),
                 at={"x1": 1, "t": 0, "w1": 1, "b1": 0})


# ---- δ made visible -----------------------------------------------------------------------------

def test_delta_defined_where_it_first_appears_and_used():
    tex = sb.notes(mazur_net())
    first = tex.index(r"\emph{delta}")  # defined (after the notation table) before its use
    assert first < tex.index(r"\delta_{h_{1}} &") and first < tex.index(r"\delta_{y_{1}} &")
    assert r"\delta_{y_{1}} &= \frac{\partial E}{\partial y_{1}}" in tex
    deltas = tex.split("Backward pass: the deltas")[1].split("The gradients")[0]
    assert r"\delta_{h_{1}} &= \left(w_{5} \delta_{y_{1}} + w_{7} \delta_{y_{2}}\right) " \
           r"a(h_{1}) \left(1 - a(h_{1})\right)" in deltas
    # the output layer's deltas come first, delta_y1 before delta_y2
    assert deltas.index(r"\delta_{y_{1}} &=") < deltas.index(r"\delta_{y_{2}} &=") \
        < deltas.index(r"\delta_{h_{1}} &=")
    gradients = tex.split("The gradients")[1]
    assert r"\frac{\partial E}{\partial w_{1}} &= \delta_{h_{1}} x_{1}" in gradients
    for tag in ("BP1", "BP2", "BP3", "BP4"):
        assert rf"\tag{{{tag}}}" in tex


# ---- sensible defaults ----------------------------------------------------------------------------

def test_default_wrt_is_one_weight_and_one_bias_per_layer():
    net = sb.mlp([2, 3, 2], activation="tanh")
    tex = sb.notes(net)
    rows = re.findall(r"^\\frac\{\\partial E\}\{\\partial (.*?)\} &= \\delta", tex, re.MULTILINE)
    assert rows == ["w^{(2)}_{11}", "b^{(2)}_{1}", "w^{(1)}_{11}", "b^{(1)}_{1}"]
    # how to ask for more is told to the user, never printed for the students
    assert "--wrt all" in " ".join(tex.remarks) and "--wrt" not in tex
    everything = sb.notes(net, wrt="all")
    assert len(re.findall(r"^\\frac\{\\partial E\}\{\\partial .*?\} &= \\delta", everything,
                          re.MULTILINE)) == 17
    assert not any("--wrt" in r for r in everything.remarks)


def test_expanded_form_is_shown_when_it_fits_a_page():
    for net in (sb.mlp([2, 2, 1], activation="relu"), mazur_net()):
        tex = sb.notes(net, wrt=[net.param_symbols[-2]])
        assert "Written out in the values the computation starts from" in tex and not tex.remarks


def test_too_long_expanded_form_is_left_out_with_its_size():
    net = sb.mlp([2, 3, 3, 3, 1], activation="tanh")
    tex = sb.notes(net, wrt=["w1_11"])
    assert "Written out in the values" not in tex and "nodes" not in tex
    m = re.search(r"w1_11: the fully substituted derivative \(([\d,]+) nodes", " ".join(tex.remarks))
    assert m and int(m.group(1).replace(",", "")) == sb.size(sb.expanded(net, "w1_11")).tree


# ---- the line breaker -------------------------------------------------------------------------------

DOCUMENTS = {
    "seed004-generic": lambda: sb.notes(sb.mlp([2, 2, 1], activation="a", naming="sequential")),
    "mazur-2-2-2": lambda: sb.notes(mazur_net(), at=MAZUR, digits=9, wrt="all"),
    "mazur-ko": lambda: sb.notes(mazur_net(), at=MAZUR, lang="ko", title="역전파 예제"),
    "circuit": lambda: sb.notes(sb.parse_graph(CIRCUIT), at={"x": -2, "y": 5, "z": -4}),
    "relu-2-2-1": lambda: sb.notes(sb.mlp([2, 2, 1], activation="relu"), wrt="all"),
    "softmax-2-3-3": lambda: sb.notes(sb.mlp([2, 3, 3], activation="softplus",
                                             loss="softmax_ce"),
                                      at={s.name: (i % 5 - 2) / 3 for i, s in enumerate(
                                          sb.mlp([2, 3, 3], loss="softmax_ce").leaf_symbols)}),
    "gelu-huber-deep": lambda: sb.notes(sb.mlp([3, 4, 4, 2], activation="gelu", loss="huber",
                                               output_activation="identity")),
    "staged": lambda: sb.notes(sb.stage(
        (sp.Symbol("t") - sp.tanh(sp.Symbol("w2") * sp.tanh(sp.Symbol("w1") * sp.Symbol("x")
                                                             + sp.Symbol("b1"))
                                  + sp.Symbol("b2"))) ** 2 / 2,
        params=["w1", "w2", "b1", "b2"], targets=["t"]),
        at={"x": 0.5, "w1": -1.5, "w2": 0.7, "b1": 0.25, "b2": -0.1, "t": 1}),
    "slides-en": lambda: sb.notes(mazur_net(), at=MAZUR, digits=9, slides=True),
    "slides-ko": lambda: sb.notes(sb.mlp([2, 2, 1], activation="sigmoid", naming="sequential"),
                                  at={k: v for k, v in MAZUR.items() if k in (
                                      "x1", "x2", "w1", "w2", "w3", "w4", "w5", "w6", "b1",
                                      "b2")} | {"t": 0.01, "b3": 0.6},
                                  lang="ko", slides=True),
}


DOCUMENTS["relu-softmax-2-3-2"] = lambda: sb.notes(
    sb.mlp([2, 3, 2], activation="relu", loss="softmax_ce"), wrt="all")


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_no_lone_operators_or_orphan_factors(name):
    tex = DOCUMENTS[name]()
    assert not lone_operators(tex), lone_operators(tex)[:3]
    assert not orphan_factors(tex), orphan_factors(tex)[:3]
    lines = tex.splitlines()
    # an argument list broken after its comma goes on with the next argument, never with "·"
    after_comma = [b for a, b in itertools.pairwise(lines)
                   if a.rstrip().endswith(", \\\\") and "\\cdot" in b.split("}", 1)[-1][:12]]
    assert not after_comma, after_comma[:3]
    assert "\\subsection*{}" not in tex and "{}." not in tex  # no empty heading, no "..."
    assert "...." not in tex and "$\\boldsymbol{y} = y$" not in tex


def test_matrix_form_keeps_bp1_to_bp4_on_one_slide_and_every_layer():
    tex = sb.notes(mazur_net(), at=MAZUR, wrt=["w5"], slides=True)
    frames = re.findall(r"\\begin\{frame\}\{(.*?)\}\n(.*?)\\end\{frame\}", tex, re.DOTALL)
    bp = [body for _, body in frames if "BP1" in body]
    assert len(bp) == 1 and all(f"BP{k}" in bp[0] for k in (2, 3, 4))
    for layer in (1, 2):  # each layer's weight gradient is shown, whatever the frame width
        shown = re.escape(f"\\partial W^{{({layer})}}}}")
        assert re.search(shown + r"( \})? ?&(\\uncover<\d+->\{)?= \\begin\{pmatrix\}", tex), layer
    assert "a(\\boldsymbol{h}^{(0)}) = \\boldsymbol{x}" in tex


@needs_tex
@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_every_document_compiles_without_overfull_boxes(tmp_path, name):
    path = tmp_path / f"{name}.tex"
    sb.write_notes(DOCUMENTS[name](), path)
    pdf = sb.compile_pdf(path)
    assert pdf.path.read_bytes()[:5] == b"%PDF-"
    assert not pdf.overfull, pdf.overfull[:3]


# ---- languages ------------------------------------------------------------------------------------

def test_phrase_tables_have_the_same_keys_and_placeholders():
    keys = set(PHRASES["en"])
    for lang, table in PHRASES.items():
        assert set(table) == keys, lang
        for k in keys:  # the same placeholders (a language may leave out the plural "s")
            have = set(re.findall(r"(?<!\{)\{(\w+)\}", table[k])) - {"s"}
            assert have == set(re.findall(r"(?<!\{)\{(\w+)\}", PHRASES["en"][k])) - {"s"}, \
                (lang, k)


def test_korean_notes_use_kotex_and_korean_headings():
    tex = sb.notes(mazur_net(), lang="ko")
    assert r"\usepackage{kotex}" in tex
    assert "순전파" in tex and "연쇄 법칙" in tex and "경사 하강법" not in tex  # no point, no update
    assert "2-2-2 신경망의 역전파" in tex
    assert "Forward pass" not in tex
    with_point = sb.notes(mazur_net(), at=MAZUR, lang="ko", wrt=["w5"])
    assert "경사 하강법" in with_point


def test_a_korean_title_in_english_notes_loads_kotex():
    tex = sb.notes(mazur_net(), title="역전파: 2-2-2 신경망")
    assert r"\usepackage{kotex}" in tex and r"\section*{역전파: 2-2-2 신경망}" in tex


# ---- slides ------------------------------------------------------------------------------------------

def test_slides_are_a_beamer_deck_with_overlays():
    tex = sb.notes(mazur_net(), at=MAZUR, wrt=["w5"], slides=True)
    assert tex.startswith(r"\documentclass[12pt,aspectratio=169]{beamer}")
    frames = re.findall(r"\\begin\{frame\}(?:\[shrink\])?\{(.*)\}$", tex, re.MULTILINE)
    titles = " ".join(frames)
    for step in ("Notation", "The network", "Forward pass", "Backward pass: the deltas",
                 "The gradients", "One step of gradient descent"):
        assert step in titles
    bodies = re.findall(r"\\begin\{frame\}(?:\[shrink\])?\{.*?\}\n(.*?)\\end\{frame\}", tex,
                        re.DOTALL)
    assert len(bodies) == len(frames)
    for body in bodies:  # never a click that shows a lead-in sentence alone
        first = body.split("\\uncover<2->")[0]
        assert "\\begin{" in first or "\\uncover" not in body, body[:200]
        assert "\\pause" not in body  # Beamer counts a \pause inside align twice
    # a display of several equations is revealed one equation at a time, each cell of a row
    # uncovered at that equation's own overlay
    assert any(re.search(r"\\\\\n\\uncover<2->\{[^\n]*\}&\\uncover<2->\{", body)
               for body in bodies)


# ---- Jupyter: what MathJax shows ----------------------------------------------------------------------

def _reprs():
    g = sb.parse_graph(CIRCUIT)
    net = mazur_net()
    objs = [g, net, sb.chain(g, "x"), sb.backprop(g), sb.chain(net, "w1"), sb.backprop(net),
            sb.matrix_form(net), sb.matrix_form(sb.mlp([2, 3, 2], loss="softmax_ce")),
            sb.notes(g, at={"x": -2, "y": 5, "z": -4}),
            sb.notes(net, at=MAZUR, wrt=["w1"]),
            sb.notes(net, lang="ko", title_tex="$\\partial E/\\partial w_{1}$ 구하기"),
            sb.notes(sb.mlp([2, 2, 3], loss="softmax_ce")),
            sb.notes(net, slides=True, wrt=["w5"])]
    return [o._repr_latex_() for o in objs]


@needs_mathjax
def test_every_repr_latex_typesets_in_mathjax():
    sources = _reprs()
    for src, res in zip(sources, typeset(sources), strict=True):
        assert not problems(src, res), (problems(src, res), src[:300])


@needs_mathjax
def test_the_mathjax_check_catches_errors():
    bad = ["$\\frac{1}$", "\\section*{x} $y$", "\\begin{align*} a &= \\nocommand \\end{align*}"]
    assert all(problems(s, r) for s, r in zip(bad, typeset(bad), strict=True))


def test_matrix_form_prints_readably_and_as_latex():
    mf = sb.matrix_form(sb.mlp([2, 2, 1], activation="sigmoid", naming="sequential"))
    # hand-derived: E = (a_y - t)^2/2 with sigmoid outputs, so delta_y = (a_y - t) a_y (1 - a_y)
    # and delta_h = delta_y w a_h (1 - a_h); every gradient is a delta times the layer's input
    lines = str(mf).splitlines()
    # on matrices: the dimensions, the forward pass, then BP1-BP4 from the output down
    assert lines[:14] == [
        "matrix form of backpropagation for the 2-2-1 network",
        ("dimensions: x 2x1, W1 2x2, b1 2x1, h1 2x1, a_h1 2x1, W2 1x2, b2 1x1, y 1x1, a_y 1x1, "
         "t 1x1"),
        "forward:",
        "  h1 = W1*x + b1",
        "  a_h1 = sigmoid(h1)",
        "  y = W2*a_h1 + b2",
        "  a_y = sigmoid(y)",
        "  E = half_se(a_y, t)",
        "backward:",
        "  delta2 = (a_y - t) ⊙ sigmoid'(y)",
        "  ∂E/∂W2 = delta2*a_h1.T",
        "  ∂E/∂b2 = delta2",
        "  delta1 = (W2.T*delta2) ⊙ sigmoid'(h1)",
        "  ∂E/∂W1 = delta1*x.T",
    ]
    assert lines[15:] == [
        "entry by entry:",
        "layer 2:",
        "  delta_y = a_y*(1 - a_y)*(a_y - t)",
        "  ∂E/∂w5 = delta_y*a_h1",
        "  ∂E/∂w6 = delta_y*a_h2",
        "  ∂E/∂b3 = delta_y",
        "layer 1:",
        "  delta_h1 = delta_y*a_h1*w5*(1 - a_h1)",
        "  delta_h2 = delta_y*a_h2*w6*(1 - a_h2)",
        "  ∂E/∂w1 = delta_h1*x1",
        "  ∂E/∂w2 = delta_h1*x2",
        "  ∂E/∂w3 = delta_h2*x1",
        "  ∂E/∂w4 = delta_h2*x2",
        "  ∂E/∂b1 = delta_h1",
        "  ∂E/∂b2 = delta_h2",
    ]
    tex = sb.latex(mf)
    assert tex.startswith(r"\begin{aligned}& W^{(1)} \in \mathbb{R}^{2\times 2}")
    # one output: delta^(2) is a number, not bold; the hidden layer's is a vector
    # the lecture notes' names: a(·) for the activation, y the output's pre-activation
    assert r"\delta^{(2)} &= \left(a(y) - t\right) \odot a'\left(y\right)" in tex
    assert r"\boldsymbol{\delta}^{(1)} &= \left(W^{(2)\top} \delta^{(2)}\right) \odot" in tex
