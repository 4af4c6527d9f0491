r"""The formats of the notes, as a registry: a format is its line width and its renderer.

The notes are built once, as a :class:`~symbackprop.render.document.Document` of parts,
sentences, displays, tables and figures; a format turns that into text:

* ``"article"``: a LaTeX article (or, with ``standalone=False``, a fragment for ``\input``);
* ``"slides"``: a Beamer deck, each display revealed equation by equation;
* ``"mathjax"``: the text a notebook shows (MathJax 3, as JupyterLab typesets it);
* ``"html"``: a web page that typesets the same text with MathJax.

Adding one (say, Markdown for a course site) is one :class:`Format` and
:func:`register_format`.

Examples
========
>>> import symbackprop as sb
>>> page = sb.notes(sb.parse_graph("q = x + y\nf = q*z"), format="html")
>>> page.startswith("<!DOCTYPE html>")
True
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass

from . import document as doc_
from .document import Document
from .phrases import phrase

__all__ = ["FORMATS", "SLIDE_WIDTH", "WIDTH", "Format", "register_format"]

WIDTH = 60  # printed characters a display line may take in an article (A4, 2 cm, 11 pt)
SLIDE_WIDTH = 50  # the same on a 16:9 Beamer frame

MATHJAX_URL = "https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml.js"


@dataclass(frozen=True)
class Format:
    """A format of the notes.

    ``width``: printed characters a display line may take; ``slides``: the writer makes
    frames' choices (no equation labels, which Beamer's overlays would define twice; fewer
    digits by default); ``render(document, standalone)`` the text.
    """

    name: str
    width: int
    render: Callable[[Document, bool], str]
    slides: bool = False
    description: str = ""


def _slides(document: Document, standalone: bool) -> str:
    return doc_.slides(document, cont=phrase(document.lang, "continued"))


def _html(document: Document, standalone: bool) -> str:
    """A page that MathJax typesets: each piece of the notebook text as its own paragraph."""
    body = doc_.mathjax(document)
    pieces = [p for p in body.split("\n\n") if p.strip()]
    title = html.escape(document.title_text or "symbackprop notes")
    paragraphs = "\n".join(f"<p>{html.escape(p)}</p>" for p in pieces)
    return ("<!DOCTYPE html>\n"
            f'<html lang="{html.escape(document.lang)}">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{title}</title>\n"
            f'<script id="MathJax-script" async src="{MATHJAX_URL}"></script>\n'
            "</head>\n<body>\n" + paragraphs + "\n</body>\n</html>\n")


FORMATS: dict[str, Format] = {}
"""Name -> :class:`Format`."""


def register_format(fmt: Format, replace: bool = False) -> Format:
    """Add a format of the notes."""
    from ..core.errors import DuplicateNameError, InputTypeError
    if not isinstance(fmt, Format):
        raise InputTypeError(f"register_format takes a Format (its name, width and renderer), "
                             f"not {type(fmt).__name__}")
    if fmt.name in FORMATS and not replace:
        raise DuplicateNameError(f"the format {fmt.name!r} is already registered; pass "
                                 "replace=True to replace it")
    FORMATS[fmt.name] = fmt
    return fmt


for _fmt in (
    Format("article", WIDTH, lambda d, standalone: doc_.article(d, standalone=standalone),
           description="a LaTeX article (standalone=False: a fragment for \\input)"),
    Format("slides", SLIDE_WIDTH, _slides, slides=True, description="a Beamer deck"),
    Format("mathjax", WIDTH, lambda d, standalone: doc_.mathjax(d),
           description="the text a notebook shows, typeset by MathJax 3"),
    Format("html", WIDTH, _html, description="a web page typeset by MathJax"),
):
    register_format(_fmt)
