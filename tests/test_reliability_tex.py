r"""Issue 20, the LaTeX items: E5 (a title is text), E6 (Greek and accented names), E7 (distinct
symbols print distinctly), E9 (``-o n.pdf --pdf``) and E18 (nothing overflows a Beamer frame).

Oracles: pdflatex itself (its log's overfull boxes, its failure), pdftotext (the text a reader
of the PDF sees, compared with the title typed), MathJax 3 run by node (what a notebook shows),
and the set of printed forms (distinct symbols give as many forms as there are symbols).
"""

from __future__ import annotations

import dataclasses
import hashlib
import random
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest
import sympy as sp

import symbackprop as sb
from symbackprop.core.registry import LOSSES
from tests.mathjax_check import needs_mathjax, problems, typeset
from tests.test_reliability import cli
from tests.test_reliability import cli_error as base_cli_error

PDFLATEX = shutil.which("pdflatex")
PDFTOTEXT = shutil.which("pdftotext")
needs_tex = pytest.mark.skipif(PDFLATEX is None, reason="pdflatex is not installed")
needs_pdftotext = pytest.mark.skipif(PDFLATEX is None or PDFTOTEXT is None,
                                     reason="pdflatex and pdftotext (poppler-utils) are needed")

CIRCUIT = "q = x + y\nf = q*z"
SECRET = "TOPSECRET7319"


def cli_error(capsys, *args, code=2, message=""):
    """As in the first sweep's tests, and the error is a single line."""
    err = base_cli_error(capsys, *args, code=code, message=message)
    assert err.count("\n") == 1, err
    return err


def pdf_text(pdf: Path) -> str:
    """What a reader of the PDF sees (pdftotext), in NFC; an apostrophe as typed (TeX sets
    ' as the typographic ’)."""
    res = subprocess.run([PDFTOTEXT, str(pdf), "-"], capture_output=True, text=True,
                         check=True, timeout=60)
    return unicodedata.normalize("NFC", res.stdout).replace("’", "'")


def squeeze(s: str) -> str:
    """Text without white space: pdftotext guesses word spaces from the glyphs' positions."""
    return re.sub(r"\s+", "", s)


@pytest.fixture
def secret(tmp_path, monkeypatch):
    """A private file beside the notes and in the working folder."""
    path = tmp_path / "secret.txt"
    path.write_text(SECRET + "\n")
    path.chmod(0o600)
    monkeypatch.chdir(tmp_path)
    return path


# ---- E5: a title is text ---------------------------------------------------------------------

TITLES = ["\\input{secret.txt}", "my_net", "50%", "#1", "A & B", "$5", "x^2", "C:\\Users", "~",
          "{", "}", "\\def\\x{\\x}\\x", "a--b ``q'' <b>|\"", "\\newread\\r \\openin\\r=secret.txt",
          "line one\nline two\tand\x00 more"]


@needs_pdftotext
@pytest.mark.timeout(60)
@pytest.mark.parametrize("title", TITLES)
def test_E5_title_is_escaped_and_prints_literally(tmp_path, secret, title):
    path = tmp_path / "n.tex"
    sb.write_notes(sb.notes(sb.parse_graph(CIRCUIT), title=title), path)
    text = pdf_text(sb.compile_pdf(path).path)
    expected = re.sub(r"[\x00-\x1f]", " ", title)
    assert squeeze(expected) in squeeze(text), text[:200]
    assert SECRET not in text


@needs_pdftotext
@pytest.mark.timeout(60)
def test_E5_an_absolute_path_in_a_title_reads_nothing_on_the_command_line(tmp_path, secret,
                                                                         capsys):
    title = f"\\input{{{secret}}}"
    for extra in ([], ["--slides"]):
        out = tmp_path / f"n{len(extra)}.tex"
        code, _, err = cli(capsys, "notes", "--title", title, *extra, "-o", out, "--pdf")
        assert code == 0, err
        text = pdf_text(out.with_suffix(".pdf"))
        assert squeeze(title) in squeeze(text) and SECRET not in text


@needs_pdftotext
@pytest.mark.timeout(60)
def test_E5_korean_title_with_lang_ko(tmp_path):
    title = "역전파 예제: my_net 50% & $5"
    path = tmp_path / "ko.tex"
    tex = sb.notes(sb.parse_graph(CIRCUIT), title=title, lang="ko")
    assert "\\usepackage{kotex}" in tex
    sb.write_notes(tex, path)
    assert squeeze(title) in squeeze(pdf_text(sb.compile_pdf(path).path))


@needs_tex
@pytest.mark.timeout(90)
@pytest.mark.parametrize("raw", [
    "\\input{SECRET}",
    "\\newread\\r \\openin\\r=SECRET \\ifeof\\r none\\else \\read\\r to\\x \\x\\fi",
    "\\pdfmdfivesum file {SECRET} \\pdffiledump length 20 {SECRET}",
    "\\input{../SECRETNAME}",
])
def test_E5_raw_tex_title_cannot_read_a_file_outside_its_folder(tmp_path, secret, raw):
    """title_tex is trusted LaTeX, yet pdflatex runs in kpathsea's paranoid mode: a file by
    absolute path or outside the folder is refused (the run fails or prints nothing of it)."""
    sub = tmp_path / "notes"
    sub.mkdir()
    path = sub / "n.tex"
    raw = raw.replace("SECRETNAME", secret.name).replace("SECRET", str(secret))
    sb.write_notes(sb.notes(sb.parse_graph(CIRCUIT), title_tex=raw), path)
    try:
        pdf = sb.compile_pdf(path)
    except sb.ExternalToolError:
        assert not path.with_suffix(".pdf").exists()
        return
    text = pdf_text(pdf.path) if PDFTOTEXT else ""
    assert SECRET not in text and SECRET not in pdf.log
    md5 = hashlib.md5((SECRET + "\n").encode()).hexdigest().upper()
    assert md5 not in text.upper() and md5 not in pdf.log.upper()  # nor its checksum


@needs_tex
@pytest.mark.timeout(60)
def test_E5_pdflatex_runs_without_shell_escape(tmp_path, monkeypatch):
    marker = tmp_path / "shell-escape-ran"
    path = tmp_path / "n.tex"
    sb.write_notes(sb.notes(sb.parse_graph(CIRCUIT),
                            title_tex=f"\\immediate\\write18{{touch {marker}}}Title"), path)
    sb.compile_pdf(path)
    assert not marker.exists()
    calls = []
    real = subprocess.run

    def spy(cmd, *a, **kw):
        calls.append((cmd, kw.get("env") or {}))
        return real(cmd, *a, **kw)

    monkeypatch.setattr(sb.io.subprocess, "run", spy)
    sb.compile_pdf(path, force=True)
    cmd, env = calls[-1]
    assert "-no-shell-escape" in cmd
    assert env.get("openin_any") == "p" and env.get("openout_any") == "p"


@pytest.mark.timeout(60)
def test_E5_title_options_are_checked(capsys, tmp_path):
    g = sb.parse_graph(CIRCUIT)
    with pytest.raises(sb.InvalidValueError, match="title_tex"):
        sb.notes(g, title="a", title_tex="b")
    with pytest.raises(sb.InputTypeError, match="title_tex"):
        sb.notes(g, title_tex=3)
    cli_error(capsys, "notes", "--title", "a", "--title-tex", "b", "-o", tmp_path / "n.tex",
              message="--title-tex")
    assert not (tmp_path / "n.tex").exists()
    raw = sb.notes(g, title_tex="The graph of $\\alpha$")
    assert "\\section*{The graph of $\\alpha$}" in raw  # trusted LaTeX goes in as it is


@pytest.mark.timeout(60)
def test_E5_other_user_text_is_escaped():
    """A loss's output name reaches the notes' text: it is escaped too; an activation's name
    is a name."""
    loss = dataclasses.replace(LOSSES["softmax_ce"], name="odd_ce", output="soft%max_#1")
    tex = sb.notes(sb.mlp([2, 2], activation="identity", loss=loss))
    assert "(soft\\%max\\texttt{\\char95}\\allowbreak{}\\#1)" in tex
    with pytest.raises(sb.InvalidValueError, match="name of an activation"):
        sb.generic_activation("\\input{x}")


@needs_mathjax
@pytest.mark.timeout(120)
def test_E5_title_shows_literally_in_a_notebook():
    g = sb.parse_graph(CIRCUIT)
    sources = [sb.notes(g, title=t)._repr_latex_() for t in TITLES]
    for t, src, res in zip(TITLES, sources, typeset(sources), strict=True):
        assert not problems(src, res), (t, problems(src, res), src[:200])


# ---- E6: Greek and accented names ----------------------------------------------------------------

GREEK = "# params: α β\n# targets: é\nz = α*ñ + β\nh = sigmoid(z)\nE = (é - h)**2/2\n"


@needs_tex
@pytest.mark.timeout(120)
def test_E6_greek_and_accented_names_typeset(tmp_path):
    g = sb.parse_graph(GREEK)
    tex = sb.latex(g)
    for want in ("\\alpha", "\\beta", "\\tilde{n}", "\\acute{e}"):
        assert want in tex, tex
    assert not re.search(r"[^\x00-\x7f]", tex), tex  # every letter as a command
    at = {"α": 0.5, "β": -0.2, "ñ": 1.5, "é": 1}
    for slides in (False, True):
        path = tmp_path / f"g{int(slides)}.tex"
        sb.write_notes(sb.notes(g, at=at, wrt="all", slides=slides), path)
        pdf = sb.compile_pdf(path)
        assert not pdf.overfull, pdf.overfull[:3]
        if PDFTOTEXT:
            text = pdf_text(pdf.path)
            assert all(c in text for c in "αβñé"), text[:300]


@needs_tex
@pytest.mark.timeout(60)
def test_E6_hangul_names_load_kotex(tmp_path):
    g = sb.parse_graph("# params: 가중치\n출력 = 가중치*x\n")
    tex = sb.notes(g)
    assert "\\usepackage{kotex}" in tex and "\\text{가}" in tex
    path = tmp_path / "k.tex"
    sb.write_notes(tex, path)
    assert not sb.compile_pdf(path).overfull


@pytest.mark.timeout(60)
def test_E6_names_pdflatex_cannot_typeset_are_refused_up_front():
    g = sb.parse_graph("# params: жук\nf = жук*x\n")
    assert "\\text{ж}" in sb.latex(g)  # MathJax shows it; pdflatex could not
    with pytest.raises(sb.InvalidValueError, match=r"'жук'.*U\+0436.*pdflatex"):
        sb.notes(g)


@needs_tex
@pytest.mark.timeout(60)
def test_E6_a_character_pdflatex_lacks_is_named_without_mojibake(tmp_path):
    path = tmp_path / "n.tex"
    sb.write_notes(sb.notes(sb.parse_graph(CIRCUIT), title="Łódź ą"), path)
    with pytest.raises(sb.ExternalToolError, match=r"character 'ą' \(U\+0105\)"):
        sb.compile_pdf(path)


@needs_mathjax
@pytest.mark.timeout(120)
def test_E6_greek_names_in_a_notebook():
    g = sb.parse_graph(GREEK)
    objs = [g, sb.backprop(g), sb.chain(g, "α"), sb.notes(g, at={"α": 0.5, "β": -0.2,
                                                                  "ñ": 1.5, "é": 1})]
    sources = [o._repr_latex_() for o in objs]
    for src, res in zip(sources, typeset(sources), strict=True):
        assert not problems(src, res), (problems(src, res), src[:300])


# ---- E7: distinct symbols never print alike -------------------------------------------------------

def forms(g) -> list[str]:
    """The printed form of every symbol of a graph, as the notes and sb.latex print it."""
    return [re.sub(r"[\s{}]", "", sb.latex(s, graph=g)) for s in g.symbols]


@pytest.mark.timeout(60)
@pytest.mark.parametrize("text", [
    "y = x1 + x_1\nE = y*y",
    "xhat = x*x_hat\nE = xhat",
    "b = w*x\na = b*2\ndelta_a = a + 1\nf = delta_a*a*b",
    "f = alpha*α + Alpha*A + omicron*o",
])
def test_E7_distinct_symbols_print_distinctly(text):
    g = sb.parse_graph(text)
    got = forms(g)
    assert len(set(got)) == len(g.symbols), dict(zip(g.symbols, got, strict=True))
    # the deltas the notes write differ from every symbol too
    deltas = {re.sub(r"[\s{}]", "", sb.latex(st.target, graph=g))
              for st in sb.backprop(g).steps if st.kind == "delta"}
    assert not deltas & set(got), deltas & set(got)
    tex = sb.notes(g)
    for s in g.symbols:  # each symbol's own form is what the notes write
        assert sb.latex(s, graph=g) in tex


@pytest.mark.timeout(60)
def test_E7_an_expression_without_a_graph():
    x1, x_1 = sp.symbols("x1 x_1")
    tex = sb.latex(x1 + 2 * x_1)
    assert tex.count("x_{1}") == 1 and "\\mathrm{x\\_1}" in tex


@pytest.mark.timeout(60)
def test_E7_random_confusable_names_print_distinctly():
    """Names drawn from spellings that SymPy prints alike (x1, x_1; alpha, α; delta_x and the
    delta of x), six to a graph: always as many printed forms as symbols."""
    rng = random.Random(2007)
    bases = ["x", "alpha", "α", "w", "Alpha", "A"]
    for _ in range(40):
        names: set[str] = set()
        while len(names) < 6:
            b = rng.choice(bases)
            names.add(rng.choice([b, f"{b}1", f"{b}_1", f"delta_{b}", f"{b}_12", f"{b}1_2",
                                  f"{b}12"]))
        g = sb.parse_graph(f"f = {' + '.join(sorted(names))}\n")
        got = forms(g)
        assert len(set(got)) == len(g.symbols), dict(zip(g.symbols, got, strict=True))


# ---- E9: --pdf needs a .tex output --------------------------------------------------------------

@pytest.mark.timeout(60)
@pytest.mark.parametrize("name", ["n.pdf", "n", "n.txt"])
def test_E9_pdf_needs_a_tex_output(tmp_path, capsys, name):
    out = tmp_path / name
    err = cli_error(capsys, "notes", "-o", out, "--pdf", message="-o must name a .tex file")
    assert f"-o {tmp_path / 'n'}.tex --pdf" in err
    assert not out.exists() and not (tmp_path / "n.pdf").exists()
    out.write_text("keep")
    cli_error(capsys, "notes", "-o", out, "--pdf", "--force", message=".tex")
    assert out.read_text() == "keep"  # --force does not let the PDF replace anything


@pytest.mark.timeout(60)
def test_E9_compile_pdf_never_replaces_its_own_source(tmp_path):
    path = tmp_path / "n.pdf"
    path.write_text(sb.notes(sb.parse_graph(CIRCUIT)))
    with pytest.raises(sb.OutputFileError, match=r"\.tex"):
        sb.compile_pdf(path, force=True)
    assert path.read_text().startswith("\\documentclass")


# ---- E18: nothing overflows a frame ---------------------------------------------------------------

def compile_deck(tmp_path, name, tex) -> str:
    path = tmp_path / f"{name}.tex"
    sb.write_notes(tex, path)
    pdf = sb.compile_pdf(path)
    assert not pdf.overfull, (name, pdf.overfull[:3])
    return pdf.log


def _point(net, seed):
    rng = random.Random(seed)
    return {s.name: round(rng.uniform(-1, 1), 2) for s in net.leaf_symbols}


@needs_tex
@pytest.mark.timeout(120)
def test_E18_generic_2_3_1_textbook_slides_fit(tmp_path):
    net = sb.mlp([2, 3, 1], activation="a", naming="textbook")
    log = compile_deck(tmp_path, "a231", sb.notes(net, slides=True))
    assert "Frame text is shrunk" not in log  # the budget fits it; shrinking is a last resort


MAZUR = {"x1": 0.05, "x2": 0.1, "t": 0.01, "w1": 0.15, "w2": 0.2, "w3": 0.25, "w4": 0.3,
         "w5": 0.4, "w6": 0.45, "b1": 0.35, "b2": 0.35, "b3": 0.6}


@needs_tex
@pytest.mark.timeout(120)
@pytest.mark.slow
def test_E18_tanh_slides_with_a_point_and_swish_slides_fit(tmp_path, capsys):
    at = ",".join(f"{k}={v}" for k, v in MAZUR.items())
    out = tmp_path / "tanh-cli.tex"
    code, _, err = cli(capsys, "notes", "--activation", "tanh", "--slides", "--at", at,
                       "-o", out, "--pdf")
    assert code == 0, err
    log = compile_deck(tmp_path, "tanh", sb.notes(sb.mlp([2, 2, 1], activation="tanh",
                                                         naming="sequential"),
                                                  at=MAZUR, slides=True))
    assert "Frame text is shrunk" not in log
    log = compile_deck(tmp_path, "swish", sb.notes(sb.mlp([1, 2, 1], activation="swish",
                                                          naming="sequential"), slides=True))
    assert "Frame text is shrunk" not in log


@pytest.mark.timeout(60)
def test_E18_one_layer_of_weights():
    assert "1 layer of weights" in sb.notes(sb.mlp([2, 1]))
    assert "2 layers of weights" in sb.notes(sb.mlp([2, 2, 1]))


@needs_tex
@pytest.mark.timeout(150)
@pytest.mark.slow
def test_E18_random_small_decks_fit(tmp_path):
    rng = random.Random(18)
    for k in range(3):  # each deck is compiled (two pdflatex runs): a few suffice
        layers = [rng.randint(1, 3) for _ in range(rng.randint(2, 3))]
        act = rng.choice(["a", "sigmoid", "tanh", "relu", "swish", "softplus", "gelu"])
        naming = rng.choice(["sequential", "textbook"])
        loss = "softmax_ce" if layers[-1] > 1 and act != "a" and rng.random() < 0.3 \
            else "half_se"
        net = sb.mlp(layers, activation=act, naming=naming, loss=loss)
        at = _point(net, k) if act != "a" and rng.random() < 0.6 else None
        lang = rng.choice(["en", "ko"])
        compile_deck(tmp_path, f"d{k}", sb.notes(net, at=at, slides=True, lang=lang))


@needs_pdftotext
@pytest.mark.timeout(120)
def test_compile_pdf_returns_a_short_repr(tmp_path):
    """In a REPL the result shows its path, pages and overfull lines, not 8 KB of log."""
    tex = tmp_path / "n.tex"
    sb.write_notes(sb.notes(sb.parse_graph(CIRCUIT), at={"x": -2, "y": 5, "z": -4}), tex)
    result = sb.compile_pdf(tex)
    text = subprocess.run(["pdftotext", str(result.path), "-"], capture_output=True, text=True,
                          check=True).stdout
    pages = text.count("\f")  # pdftotext ends every page with a form feed
    assert result.pages == pages >= 1
    assert repr(result) == (f"<PdfResult {str(result.path)!r}: {pages} page"
                            f"{'s' if pages != 1 else ''}, no overfull lines; .log has the log>")
    assert len(result.log) > 1000 and len(repr(result)) < 200 + len(str(result.path))
