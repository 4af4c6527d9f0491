"""Every notebook runs headless, asserts its headline result, and has an exercise whose
solution (collapsed in JupyterLab) the run executes and checks; twins stay in sync; every
maths output typesets in MathJax 3 as JupyterLab renders it."""

from pathlib import Path

import pytest

from .mathjax_check import needs_mathjax, problems, typeset

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
jupytext = pytest.importorskip("jupytext")

NB_DIR = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(NB_DIR.glob("*.ipynb"))
KOREAN = ("역전파", "연쇄 법칙", "경사 하강법", "수치 미분")


def test_the_course():
    assert [p.stem for p in NOTEBOOKS] == [
        "00_derivatives", "01_chain_rule", "02_mlp_derivation", "03_expanded_vs_chained",
        "04_numerical_vs_symbolic", "05_training", "06_vanishing_gradients", "07_digits",
        "08_gradient_descent", "09_regression_and_linearity"]
    text = "".join(p.with_suffix(".py").read_text(encoding="utf-8") for p in NOTEBOOKS)
    for term in KOREAN:  # the seeds' key terms, given once for their readers
        assert term in text, term


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_twin_in_sync_and_no_outputs(path):
    nb = nbformat.read(path, as_version=4)
    twin = jupytext.read(path.with_suffix(".py"))
    assert [c.source for c in nb.cells] == [c.source for c in twin.cells], \
        f"{path.name} differs from its .py twin: run jupytext --sync"
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "import symbackprop" in code
    assert "\nclass " not in code  # notebooks define no library code
    assert "assert " in nb.cells[-1].source  # each ends by asserting its headline result
    # an exercise, and its solution collapsed by default, checking itself
    assert any(c.cell_type == "markdown" and "## Exercise" in c.source for c in nb.cells)
    solutions = [c for c in nb.cells if "solution" in c.metadata.get("tags", [])]
    assert solutions and all(c.metadata.get("jupyter", {}).get("source_hidden") for c in solutions)
    assert all("assert " in c.source for c in solutions)


_EXECUTED: dict[Path, object] = {}


def _executed(path: Path, monkeypatch):
    if path not in _EXECUTED:
        monkeypatch.setenv("MPLBACKEND", "agg")
        nb = nbformat.read(path, as_version=4)
        client = nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                                         resources={"metadata": {"path": str(NB_DIR)}})
        client.execute()
        _EXECUTED[path] = nb
    return _EXECUTED[path]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path, monkeypatch):
    nb = _executed(path, monkeypatch)
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors
    code = [c for c in nb.cells if c.cell_type == "code"]
    # every code cell ran, once, in order (none skipped by a tag), the solutions included
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1))
    assert any("solution" in c.metadata.get("tags", []) for c in code)
    # the last cell asserted the headline and printed it on stdout
    printed = [o for o in code[-1].get("outputs", [])
               if o.output_type == "stream" and o.name == "stdout"]
    assert "headline" in code[-1].source and printed and printed[-1].text.strip()


@needs_mathjax
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_maths_output_typesets(path, monkeypatch):
    nb = _executed(path, monkeypatch)
    sources = [o["data"]["text/latex"] for c in nb.cells for o in c.get("outputs", [])
               if "text/latex" in o.get("data", {})]
    sources += [c.source for c in nb.cells if c.cell_type == "markdown"]
    bad = {}
    for src, result in zip(sources, typeset(sources), strict=True):
        found = problems(src, result)
        if found:
            bad[src[:120]] = found
    assert not bad, bad
