"""The course: every notebook runs headless, in order, with learning goals at the top, a summary
and links at the end, a fill-in or exercise whose solution (collapsed, only defining a function)
shows nothing until called, and headline checks the tests run but a student does not see as the
last cell; twins stay in sync; every maths output typesets in MathJax 3 as JupyterLab renders
it."""

import ast
import os
import re
from pathlib import Path

import pytest

from .mathjax_check import needs_mathjax, problems, typeset

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
jupytext = pytest.importorskip("jupytext")

NB_DIR = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(NB_DIR.glob("*.ipynb"))
KO_DIR = NB_DIR / "ko"  # the Korean edition: the same code, the prose written in Korean
KO_NOTEBOOKS = sorted(KO_DIR.glob("*.ipynb"))
EVERY = NOTEBOOKS + KO_NOTEBOOKS
IDS = [p.stem if p.parent == NB_DIR else f"ko/{p.stem}" for p in EVERY]
MARKERS = {"en": ("**Learning goals.**", "## Summary", "## Exercise"),
           "ko": ("**학습 목표.**", "## 정리", "## 연습 문제")}
COURSE = [
    "00_derivatives", "01_chain_rule", "02_circuits_and_gates", "03_gradient_descent",
    "04_numerical_vs_symbolic", "05_mlp_by_hand", "06_expanded_vs_chained", "07_matrix_form",
    "08_training", "09_vanishing_gradients", "10_regression_and_linearity", "11_digits"]
KOREAN = ("역전파", "연쇄 법칙", "경사 하강법", "수치 미분", "편미분", "학습률", "손실 함수")


def _tags(cell) -> list[str]:
    return cell.metadata.get("tags", [])


def test_the_course_in_order():
    assert [p.stem for p in NOTEBOOKS] == COURSE
    text = "".join(p.with_suffix(".py").read_text(encoding="utf-8") for p in NOTEBOOKS)
    for term in KOREAN:  # the lecture notes' key terms, given for their readers
        assert term in text, term
    # gradient descent (and its learning rate) comes before the notebooks that train with it
    first_train = min(i for i, p in enumerate(NOTEBOOKS)
                      if "sb.train(" in p.with_suffix(".py").read_text(encoding="utf-8"))
    assert COURSE[first_train] == "03_gradient_descent"


def test_the_korean_edition_is_the_same_course():
    assert [p.stem for p in KO_NOTEBOOKS] == COURSE
    text = "".join(p.with_suffix(".py").read_text(encoding="utf-8") for p in KO_NOTEBOOKS)
    for term in (*KOREAN, "편향", "가중치", "활성화 함수"):  # the standard Korean terms
        assert term in text, term
    def shape(nb, lang):  # the code of each cell, the notes asked for in the edition's language
        return [(c.cell_type, c.source.replace(f'lang="{lang}"', "lang=LANG")
                 if c.cell_type == "code" else "", _tags(c)) for c in nb.cells]

    for path in KO_NOTEBOOKS:  # the same code, cell by cell, with the same tags
        en = nbformat.read(NB_DIR / path.name, as_version=4)
        ko = nbformat.read(path, as_version=4)
        assert shape(ko, "ko") == shape(en, "en"), path.name
        prose = "".join(c.source for c in ko.cells if c.cell_type == "markdown")
        hangul = len(re.findall(r"[\uac00-\ud7a3]", prose))
        assert hangul > 0.3 * len(re.findall(r"[A-Za-z\uac00-\ud7a3]", prose)), path.name
    assert 'lang="ko"' in (KO_DIR / "05_mlp_by_hand.py").read_text(encoding="utf-8")


@pytest.mark.parametrize("folder", [NB_DIR, KO_DIR], ids=["en", "ko"])
def test_the_notebook_index_lists_the_course(folder):
    index = (folder / "README.md").read_text(encoding="utf-8")
    assert [m for m in re.findall(r"\[`?(\d\d_\w+)`?\]", index) if m in COURSE] == COURSE
    for link in re.findall(r"\]\(([^)#\s]+)\)", index):
        if not link.startswith("http"):
            assert (folder / link).exists(), link


@pytest.mark.parametrize("path", EVERY, ids=IDS)
def test_no_file_the_repository_does_not_ship(path):
    text = path.with_suffix(".py").read_text(encoding="utf-8")
    assert not re.search(r"seeds?/|\d{3}_[0-9a-f]{16}|\.txt\b|seed \d{3}", text)
    assert not re.search(r"[\x00-\x08\x0b-\x1f\t]", text)  # no "\t" of "\text" turned into a tab
    for link in re.findall(r"\]\(([^)#]+)\)", text):  # markdown links: relative files that exist
        if not link.startswith("http"):
            assert (path.parent / link).exists(), link


@pytest.mark.parametrize("path", EVERY, ids=IDS)
def test_structure(path):
    nb = nbformat.read(path, as_version=4)
    twin = jupytext.read(path.with_suffix(".py"))
    assert [c.source for c in nb.cells] == [c.source for c in twin.cells], \
        f"{path.name} differs from its .py twin: run jupytext --to ipynb {path.stem}.py"
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "import symbackprop" in code
    assert "\nclass " not in code  # notebooks define no library code
    # goals first, a summary and the link onwards last
    goals, summary, exercise = MARKERS["ko" if path.parent == KO_DIR else "en"]
    first, last = nb.cells[0], nb.cells[-1]
    assert first.cell_type == "markdown" and goals in first.source
    assert last.cell_type == "markdown" and summary in last.source
    i = COURSE.index(path.stem)
    if i > 0:
        assert f"({COURSE[i - 1]}.ipynb)" in first.source
    if i + 1 < len(COURSE):
        assert f"({COURSE[i + 1]}.ipynb)" in first.source + last.source
    # the headline checks: one hidden cell, tagged, not the last one
    heads = [c for c in nb.cells if "headline" in _tags(c)]
    assert len(heads) == 1 and heads[0] is not last
    assert "remove-cell" in _tags(heads[0]) and "assert " in heads[0].source
    assert heads[0].metadata["jupyter"]["source_hidden"]
    # an exercise, and its solution collapsed, only defining a function (nothing printed unless
    # called), called and checked by the headline cell
    assert any(c.cell_type == "markdown" and exercise in c.source for c in nb.cells)
    solutions = [c for c in nb.cells if "solution" in _tags(c)]
    assert len(solutions) == 1 and solutions[0].metadata["jupyter"]["source_hidden"]
    body = ast.parse(solutions[0].source).body
    assert [type(s) for s in body] == [ast.FunctionDef] and body[0].name == "solution"
    assert "solution()" in heads[0].source


def test_the_fill_in_cell_waits_for_the_student():
    nb = nbformat.read(NB_DIR / "05_mlp_by_hand.ipynb", as_version=4)
    sources = [c.source for c in nb.cells]
    fill = next(i for i, s in enumerate(sources) if s.startswith("my_dE_dw5 = None"))
    assert "sb.backprop" not in "".join(sources[:fill])  # computed by hand before the library
    assert "my_dE_dw5 is None" in sources[fill + 1]


# Between two notebooks: the user's names, the execution count (numbered from 1 again), the
# figures and the working directory of the kernel start afresh. Only what Python keeps for itself
# stays (imported modules, numba's compiled nets).
_FRESH = """import os as _os, matplotlib.pyplot as _plt
_plt.close("all")
_os.chdir({folder!r})
get_ipython().reset(new_session=True)
"""


class _Course:
    """The notebooks, each executed once, one after another in one kernel, reset before each
    (see ``_FRESH``): a student's fresh kernel but for the modules already imported, and the
    kernel's start-up and imports paid once. A notebook that fails takes its kernel with it."""

    def __init__(self):
        self.client = None
        self.done: dict[Path, object] = {}
        # the kernel imports this checkout's package, whatever its own folder and sys.path
        self.env = dict(os.environ, MPLBACKEND="agg", PYTHONPATH=os.pathsep.join(
            [str(NB_DIR.parent), *filter(None, [os.environ.get("PYTHONPATH")])]))

    def run(self, path: Path):
        if path in self.done:
            return self.done[path]
        nb = nbformat.read(path, as_version=4)
        try:
            if self.client is None:
                self.client = nbclient.NotebookClient(
                    nb, timeout=600, kernel_name="python3",
                    resources={"metadata": {"path": str(path.parent)}})
            else:
                msg = self.client.kc.execute(_FRESH.format(folder=str(path.parent)),
                                             store_history=False)
                reply = self.client.wait_for_reply(msg)
                assert reply["content"]["status"] == "ok", reply["content"]
                self.client.nb = nb
            self.client.execute(cleanup_kc=False, env=self.env)
        except BaseException:
            self.close()
            raise
        self.done[path] = nb
        return nb

    def close(self):
        if self.client is not None and self.client.km is not None:
            self.client._cleanup_kernel()
        self.client = None


@pytest.fixture(scope="module")
def course():
    c = _Course()
    yield c
    c.close()


@pytest.mark.slow  # about two seconds a notebook
@pytest.mark.timeout(900)
@pytest.mark.parametrize("path", EVERY, ids=IDS)
def test_notebook_runs(path, course):
    nb = course.run(path)
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors
    code = [c for c in nb.cells if c.cell_type == "code"]
    # every code cell ran, once, in order (none skipped by a tag), the solutions included
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1))
    # the headline cell asserted its result and printed it on stdout
    head = next(c for c in code if "headline" in _tags(c))
    printed = [o for o in head.get("outputs", [])
               if o.output_type == "stream" and o.name == "stdout"]
    assert "".join(o.text for o in printed).strip()  # a print may arrive in several messages
    # a solution shows nothing until called; no plotting cell leaves a stray Text(...) repr
    for c in code:
        if "solution" in _tags(c):
            assert not c.get("outputs")
        for o in c.get("outputs", []):
            plain = o.get("data", {}).get("text/plain", "")
            assert not re.match(r"(Text|\[<matplotlib|<matplotlib)", plain), (c.source[:60], plain)


@pytest.mark.slow  # each notebook executed first
@needs_mathjax
@pytest.mark.parametrize("path", EVERY, ids=IDS)
def test_every_maths_output_typesets(path, course):
    nb = course.run(path)
    sources = [o["data"]["text/latex"] for c in nb.cells for o in c.get("outputs", [])
               if "text/latex" in o.get("data", {})]
    sources += [c.source for c in nb.cells if c.cell_type == "markdown"]
    bad = {}
    for src, result in zip(sources, typeset(sources), strict=True):
        found = problems(src, result)
        if found:
            bad[src[:120]] = found
    assert not bad, bad
