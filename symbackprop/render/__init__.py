"""Renderers: LaTeX and terminal text, sizes, lecture notes and slides, drawings and plots."""

from __future__ import annotations

from .draw import draw
from .exercises import Problem, ProblemSet, exercises
from .notes import Notes, notes, write_notes
from .printer import SymbackpropLatexPrinter, latex
from .sizes import Size, SizeTable, compare_sizes, size, size_study, size_study_rows
from .text import TextPrinter, format_number, inline, text

__all__ = [
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
    "size",
    "size_study",
    "size_study_rows",
    "text",
    "write_notes",
]
