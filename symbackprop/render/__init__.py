"""Renderers: LaTeX and terminal text, sizes, lecture notes and slides, drawings and plots."""

from __future__ import annotations

from .drawing import draw
from .formats import FORMATS, Format, register_format
from .lesson import Notes, notes, write_notes
from .phrases import LANGUAGES, Language, register_language
from .plain import TextPrinter, format_number, inline, text
from .printer import SymbackpropLatexPrinter, latex
from .problems import Problem, ProblemSet, exercises
from .sizes import Size, SizeTable, compare_sizes, size, size_study, size_study_rows

__all__ = [
    "FORMATS",
    "LANGUAGES",
    "Format",
    "Language",
    "Notes",
    "Problem",
    "ProblemSet",
    "Size",
    "SizeTable",
    "SymbackpropLatexPrinter",
    "TextPrinter",
    "compare_sizes",
    "draw",
    "exercises",
    "format_number",
    "inline",
    "latex",
    "notes",
    "register_format",
    "register_language",
    "size",
    "size_study",
    "size_study_rows",
    "text",
    "write_notes",
]
