r"""A small document model, and its three renderings: an article, a Beamer deck, and MathJax.

The notes are built once as :class:`Part`\ s of :class:`Text`, :class:`Math` and
:class:`Table` blocks; :func:`article` writes them as a LaTeX article, :func:`slides` as a
Beamer deck (one frame per step, blocks revealed one by one, long steps continued on further
frames), and :func:`mathjax` as the text a notebook shows (MathJax 3 knows no sections or
tabular, so headings become bold math text and tables arrays).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["Document", "Math", "Part", "Table", "Text", "article", "mathjax", "slides"]


@dataclass
class Text:
    """A paragraph: LaTeX text with inline ``$...$`` mathematics, ``\\emph`` and ``\\texttt``."""

    tex: str


@dataclass
class Math:
    """Display rows of an ``align*`` (``lhs &= rhs``), with an optional ``\\tag`` per row."""

    rows: list[str]

    @property
    def height(self) -> int:
        return len(self.rows)


@dataclass
class Table:
    """A table: header cells, rows of cells (inline math), an optional note under it."""

    head: list[str]
    rows: list[list[str]]
    note: str | None = None


@dataclass
class Part:
    """A heading (level 1: section, 2: subsection, 3: a run-in paragraph) and its blocks."""

    title: str
    level: int
    blocks: list = field(default_factory=list)


@dataclass
class Document:
    """The whole document: title, language, parts."""

    title: str
    lang: str
    parts: list[Part]


# ---- the article --------------------------------------------------------------------------------

ARTICLE = r"""\documentclass[11pt,a4paper]{article}
\usepackage[margin=2cm]{geometry}
%(korean)s\usepackage{amsmath,amssymb}
\usepackage{booktabs}
\allowdisplaybreaks
\setlength{\emergencystretch}{3em}
\setlength{\parindent}{0pt}
\setlength{\parskip}{4pt}
"""

FRAGMENT_HEAD = ("%% symbackprop lecture notes (needs \\usepackage{amsmath,amssymb,booktabs}%s)\n")


def _needs_korean(doc: Document) -> bool:
    text = doc.title + "".join(p.title for p in doc.parts)
    return doc.lang == "ko" or bool(re.search(r"[\uac00-\ud7a3]", text))


def _math(rows: list[str]) -> str:
    return "\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}\n"


def _table(t: Table, small: bool = False) -> str:
    cols = "l" + "r" * (len(t.head) - 1)
    out = ["\\begin{center}", "\\small" if small else "", f"\\begin{{tabular}}{{{cols}}}",
           "\\toprule", " & ".join(t.head) + " \\\\", "\\midrule"]
    out += [" & ".join(r) + " \\\\" for r in t.rows]
    out += ["\\bottomrule", "\\end{tabular}", "\\end{center}"]
    if t.note:
        out.append(f"{{\\small {t.note}}}")
    return "\n".join(ln for ln in out if ln) + "\n"


def _block(b, small: bool = False) -> str:
    if isinstance(b, Text):
        return b.tex + "\n\n"
    if isinstance(b, Math):
        return _math(b.rows)
    return _table(b, small)


def article(doc: Document, standalone: bool = True) -> str:
    """The document as a LaTeX article (or a fragment for ``\\input``)."""
    body = [f"\\section*{{{doc.title}}}\n"]
    for part in doc.parts:
        if part.level == 1:
            if part.title:  # a part without a title is a closing remark, not a section
                body.append(f"\\subsection*{{{part.title}}}\n")
            body += [_block(b) for b in part.blocks]
        else:
            first, *rest = part.blocks or [Text("")]
            if isinstance(first, Text):
                body.append(f"\\paragraph{{{part.title}.}} {first.tex}\n\n")
            else:
                body.append(f"\\paragraph{{{part.title}.}}\n" + _block(first))
            body += [_block(b) for b in rest]
    text = "".join(body)
    korean = _needs_korean(doc)
    if not standalone:
        return FRAGMENT_HEAD % (", kotex" if korean else "") + text
    pre = ARTICLE % {"korean": "\\usepackage{kotex}\n" if korean else ""}
    return pre + "\\begin{document}\n" + text + "\\end{document}\n"


# ---- the slides ---------------------------------------------------------------------------------

BEAMER = r"""\documentclass[12pt,aspectratio=169]{beamer}
%(korean)s\usepackage{amsmath,amssymb}
\usepackage{booktabs}
\usefonttheme{professionalfonts}
\setbeamertemplate{navigation symbols}{}
\setbeamertemplate{footline}{\hfill\insertframenumber\hspace{1em}\vspace{0.6em}}
\setbeamerfont{frametitle}{size=\large}
"""

FRAME_HEIGHT = 8.0    # display rows a frame holds (a row with a fraction counts 1.5)
FRAME_TABLE_ROWS = 10  # table rows a frame holds


def _row_height(row: str) -> float:
    return 1.5 if "\\frac" in row or "\\begin{pmatrix}" in row else 1.0


def _groups(rows: list[str]) -> list[list[str]]:
    """Rows grouped as equations: a row with a left-hand side and its continuation rows.

    An equation taller than a frame is cut before one of its ``&= ...`` rows.
    """
    out: list[list[str]] = []
    for r in rows:
        if out and r.lstrip().startswith("&"):
            out[-1].append(r)
        else:
            out.append([r])
    cut: list[list[str]] = []
    for grp in out:
        cut += _halve(grp)
    return cut


def _halve(grp: list[str]) -> list[list[str]]:
    """An equation taller than a frame, cut before the ``&= ...`` row nearest its middle."""
    total = sum(_row_height(r) for r in grp)
    if total <= FRAME_HEIGHT - 1:
        return [grp]
    best, best_load = None, float("inf")
    for i in range(1, len(grp)):
        if grp[i].lstrip().startswith("&="):
            before = sum(_row_height(r) for r in grp[:i])
            load = max(before, total - before)
            if load < best_load:
                best, best_load = i, load
    if best is None:
        return [grp]
    return _halve(grp[:best]) + _halve(grp[best:])


def _items(blocks: list) -> list[tuple[str, object, float]]:
    """The blocks cut where a frame may end: (kind, piece, height). A display that fits a
    frame stays whole; a taller one is cut between equations, each kept whole."""
    items: list[tuple[str, object, float]] = []
    for b in blocks:
        if isinstance(b, Table):
            for i in range(0, max(len(b.rows), 1), FRAME_TABLE_ROWS):
                chunk = Table(b.head, b.rows[i:i + FRAME_TABLE_ROWS],
                              b.note if i + FRAME_TABLE_ROWS >= len(b.rows) else None)
                items.append(("table", chunk, len(chunk.rows) * 0.6 + 1.2))
        elif isinstance(b, Math):
            total = sum(_row_height(r) for r in b.rows)
            if total <= FRAME_HEIGHT - 1:  # a display that fits stays on one frame (BP1-BP4)
                items.append(("math", b.rows, total))
                continue
            for grp in _groups(b.rows):
                items.append(("math", grp, sum(_row_height(r) for r in grp)))
        else:
            items.append(("text", b, 1 + len(b.tex) / 110))
    return items


def _partition(items: list[tuple[str, object, float]]) -> list[list]:
    """Items into as few frames as fit, as evenly as possible; never break after a sentence."""
    hs = [h for _, _, h in items]
    can_break = [kind != "text" for kind, _, _ in items]  # a break may follow item i
    k = len(items)
    # fewest frames: greedy
    frames_needed, used = 1, 0.0
    for i, h in enumerate(hs):
        if used and used + h > FRAME_HEIGHT and can_break[i - 1]:
            frames_needed += 1
            used = 0.0
        used += h
    # the most even split into that many frames (minimise the tallest), by dynamic programming
    inf = float("inf")
    prefix = [0.0]
    for h in hs:
        prefix.append(prefix[-1] + h)
    best = [[inf] * (frames_needed + 1) for _ in range(k + 1)]
    back = [[0] * (frames_needed + 1) for _ in range(k + 1)]
    best[0][0] = 0.0
    for i in range(1, k + 1):
        for j in range(1, frames_needed + 1):
            for m in range(j - 1, i):  # the last frame holds items m..i-1
                if m > 0 and not can_break[m - 1]:
                    continue
                load = max(best[m][j - 1], prefix[i] - prefix[m])
                if load < best[i][j]:
                    best[i][j], back[i][j] = load, m
    if best[k][frames_needed] == inf:
        return [items]
    cuts, i = [], k
    for j in range(frames_needed, 0, -1):
        m = back[i][j]
        cuts.append(items[m:i])
        i = m
    return list(reversed(cuts))


def _frames(title: str, blocks: list, cont: str) -> list[str]:
    """Frames for one step: blocks revealed one by one, continued on new frames when full.

    An equation is never split from its continuation lines (unless taller than a frame), a
    sentence stays with what it introduces, and a long step is spread evenly over its frames.
    """
    out = []
    for n, fr in enumerate(_partition(_items(blocks))):
        parts: list[str] = []
        rows: list[str] = []
        for kind, piece, _ in fr:
            if kind == "math":
                rows += piece
                continue
            if rows:
                parts.append(_math(rows).rstrip("\n"))
                rows = []
            parts.append(_block(piece, small=True).rstrip("\n"))
        if rows:
            parts.append(_math(rows).rstrip("\n"))
        head = title if n == 0 else f"{title} ({cont})"
        body = "\n\\pause\n".join(parts)
        out.append(f"\\begin{{frame}}{{{head}}}\n{body}\n\\end{{frame}}\n")
    return out


def slides(doc: Document, cont: str = "continued") -> str:
    """The document as a Beamer deck: a title frame, then one or more frames per step."""
    korean = _needs_korean(doc)
    pre = BEAMER % {"korean": "\\usepackage{kotex}\n" if korean else ""}
    out = [pre, f"\\title{{{doc.title}}}\n\\date{{}}\n\\begin{{document}}\n",
           "\\begin{frame}\n\\titlepage\n\\end{frame}\n"]
    section = ""
    for part in doc.parts:
        if part.level == 1:
            section = part.title
            if part.blocks:
                out += _frames(part.title, part.blocks, cont)
            continue
        title = f"{section}: {part.title}" if section else part.title
        out += _frames(title, part.blocks, cont)
    out.append("\\end{document}\n")
    return "".join(out)


# ---- MathJax, for notebooks -------------------------------------------------------------------

def _plain(tex: str) -> str:
    """Paragraph text for a notebook: inline math kept, the few text macros undone."""
    tex = re.sub(r"\\emph\{([^{}]*)\}", r"\1", tex)
    tex = re.sub(r"\\texttt\{([^{}]*)\}", r"\1", tex)
    tex = re.sub(r"\{\\small (.*)\}$", r"\1", tex, flags=re.DOTALL)
    return tex.replace("---", "—").replace("--", "–")


def _bold(title: str) -> str:
    """A heading as bold MathJax text; inline math inside it stays math."""
    pieces = re.split(r"(\$[^$]*\$)", title)
    out = []
    for p in pieces:
        if p.startswith("$") and p.endswith("$") and len(p) > 1:
            out.append(p[1:-1])
        elif p:
            text = p.replace("\\", "").replace("{", "").replace("}", "")
            out.append(f"\\textbf{{{text}}}")
    return "$" + " ".join(out) + "$"


def mathjax(doc: Document) -> str:
    """The document as text/latex for Jupyter (rendered by MathJax 3)."""
    out = [_bold(doc.title)]
    for part in doc.parts:
        if part.title:
            out.append(_bold(part.title))
        for b in part.blocks:
            if isinstance(b, Text):
                out.append(_plain(b.tex))
            elif isinstance(b, Math):
                out.append("\\begin{align*}\n" + " \\\\\n".join(b.rows) + "\n\\end{align*}")
            else:
                cols = "l" + "r" * (len(b.head) - 1)
                head = " & ".join(_cell(h) for h in b.head)
                rows = " \\\\\n".join(" & ".join(_cell(c) for c in r) for r in b.rows)
                out.append(f"$$\\begin{{array}}{{{cols}}}\n{head} \\\\ \\hline\n{rows}\n"
                           "\\end{array}$$")
                if b.note:
                    out.append(_plain(b.note))
    return "\n\n".join(out)


def _cell(c: str) -> str:
    if c.startswith("$") and c.endswith("$"):
        return c[1:-1]
    return f"\\text{{{c}}}"
