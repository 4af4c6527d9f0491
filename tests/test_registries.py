"""Languages and formats of the notes are registries (issue 17, item 3): a language is its
phrase table and its preamble, a format its line width and renderer; adding one is one entry."""

from __future__ import annotations

import re

import pytest

import symbackprop as sb
from symbackprop.cli import build_parser, main
from symbackprop.render.formats import FORMATS, Format, register_format
from symbackprop.render.phrases import EN, LANGUAGES, Language, register_language

MAZUR = {"x1": 0.05, "x2": 0.10, "t1": 0.01, "t2": 0.99, "w1": 0.15, "w2": 0.20, "w3": 0.25,
         "w4": 0.30, "w5": 0.40, "w6": 0.45, "w7": 0.50, "w8": 0.55, "b1": 0.35, "b2": 0.35,
         "b3": 0.60, "b4": 0.60}


@pytest.fixture
def japanese():
    # a table with every English key (marked so the test can see it is used), and its package
    table = {k: "[ja] " + v for k, v in EN.items()}
    register_language(Language("ja", "Japanese", table, packages=("CJKutf8",),
                               script="[\u3040-\u30ff]"))
    yield
    LANGUAGES.pop("ja")


def test_a_language_is_one_entry(japanese):
    tex = sb.notes(sb.mlp([2, 2, 1], activation="sigmoid"), lang="ja")
    assert "\\usepackage{CJKutf8}" in tex and "[ja] " in tex and "kotex" not in tex
    choices = next(a for a in build_parser()._subparsers._group_actions[0].choices["notes"]
                   ._actions if "--lang" in a.option_strings).choices
    assert "ja" in choices  # the command line reads the registry
    # a title in a registered script brings that language's package into English notes
    assert "\\usepackage{CJKutf8}" in sb.notes(sb.mlp([2, 2, 1]), title="ネットワーク")
    assert "\\usepackage{kotex}" in sb.notes(sb.mlp([2, 2, 1]), title="역전파")


def test_a_language_must_have_every_phrase():
    with pytest.raises(sb.InvalidValueError, match="has no phrase for"):
        register_language(Language("xx", "Missing", {"title_graph": "x"}))
    with pytest.raises(sb.SymbackpropError, match="already registered"):
        register_language(Language("en", "English", EN))


def test_every_phrase_is_used():
    # a phrase is asked for by its key: as a literal, or (for the variants written with the
    # numbers of a point) as its base key plus "_at", or the graph's form of the forward intro
    import ast
    from pathlib import Path
    literals: set[str] = set()
    for path in Path(sb.__file__).parent.rglob("*.py"):
        if path.name == "phrases.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                literals.add(node.value)

    def used(key: str) -> bool:
        return (key in literals or (key.endswith("_at") and key[:-3] in literals)
                or key.replace("forward_graph", "forward_intro") in literals)

    assert not [k for k in EN if not used(k)]


def test_the_built_in_formats():
    g = sb.parse_graph("q = x + y\nf = q*z")
    at = {"x": -2, "y": 5, "z": -4}
    article = sb.notes(g, at=at)
    assert article.startswith("\\documentclass") and article == sb.notes(g, at=at,
                                                                          format="article")
    assert sb.notes(g, at=at, format="slides") == sb.notes(g, at=at, slides=True)
    shown = sb.notes(g, at=at, format="mathjax")
    assert shown == article._repr_latex_()  # what a notebook shows
    page = sb.notes(g, at=at, format="html")
    assert page.startswith("<!DOCTYPE html>") and "MathJax-script" in page
    assert "q &amp;= x + y" in page and "<script>" not in page.split("</head>")[1]
    with pytest.raises(sb.UnknownNameError, match="valid formats are: article, html"):
        sb.notes(g, format="pdf")
    with pytest.raises(sb.InvalidValueError, match="slides=True asks for format='slides'"):
        sb.notes(g, format="html", slides=True)


def test_a_format_is_one_entry():
    def markdown(document, standalone):  # the notebook text as Markdown paragraphs
        from symbackprop.render.document import mathjax
        return "# " + (document.title_text or "notes") + "\n\n" + mathjax(document)

    register_format(Format("markdown", 70, markdown))
    try:
        text = sb.notes(sb.parse_graph("q = x + y\nf = q*z"), format="markdown")
        assert text.startswith("# notes\n\n") and re.search(r"\\textbf\{Forward pass\}", text)
    finally:
        FORMATS.pop("markdown")


def test_the_command_line_writes_any_format(tmp_path, capsys):
    out = tmp_path / "notes.html"
    code = main(["notes", "--format", "html", "-o", str(out)])
    assert code == 0 and out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert main(["notes", "--format", "html", "-o", str(tmp_path / "n.tex"), "--pdf"]) == 2
    assert "is not LaTeX" in capsys.readouterr().err


def test_format_options_that_do_not_go_together():
    g = sb.parse_graph("q = x + y\nf = q*z")
    with pytest.raises(sb.InvalidValueError, match="standalone=False makes a fragment"):
        sb.notes(g, format="html", standalone=False)
    with pytest.raises(sb.InvalidValueError, match="uses zz, which English does not"):
        register_language(Language("qq", "Broken", {**EN, "title_graph": "{zz}"}))
