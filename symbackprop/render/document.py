r"""A small document model, and its three renderings: an article, a Beamer deck, and MathJax.

The notes are built once as :class:`Part`\ s of :class:`Text`, :class:`Math` and
:class:`Table` blocks; :func:`article` writes them as a LaTeX article, :func:`slides` as a
Beamer deck (one frame per step, blocks revealed one by one, long steps continued on further
frames), and :func:`mathjax` as the text a notebook shows (MathJax 3 knows no sections or
tabular, so headings become bold math text and tables arrays).
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field

from .layout import extent, width
from .phrases import LANGUAGES, packages
from .printer import name_latex

__all__ = ["Document", "Figure", "Math", "Part", "Table", "Text", "article", "mathjax",
           "slides", "tex_text", "untagged"]


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
    """A table: header cells, rows of cells (inline math), an optional note under it;
    ``align`` the columns' alignment (default: the first left, the rest right)."""

    head: list[str]
    rows: list[list[str]]
    note: str | None = None
    align: str | None = None


@dataclass
class Figure:
    """A TikZ picture (``tikzpicture``), centred, its height in points and the sentence under
    it (kept with it on every page and frame)."""

    tex: str
    height: float = 100.0
    caption: str | None = None


@dataclass
class Part:
    """A heading (level 1: section, 2: subsection, 3: a run-in paragraph) and its blocks.

    A level-1 part without a title is a closing remark."""

    title: str
    level: int
    blocks: list = field(default_factory=list)


@dataclass
class Document:
    """The whole document: title, language, parts.

    ``title`` is LaTeX, written as it is (trusted: the notes' own titles, or ``title_tex``); a
    ``title_text`` (plain text from a user) replaces it, every character printed as it is.
    """

    title: str
    lang: str
    parts: list[Part]
    title_text: str | None = None


# ---- plain text in LaTeX --------------------------------------------------------------------------
# TeX's special characters, and those its default (OT1) fonts print as something else (<, >, |,
# ", `, and the quotes and dashes of ligatures): each as a command that prints the character
_TEXT_ESCAPES = {"\\": "\\textbackslash{}", "{": "\\{", "}": "\\}", "$": "\\$", "&": "\\&",
                 "#": "\\#", "%": "\\%", "<": "\\textless{}", ">": "\\textgreater{}",
                 "|": "\\textbar{}"}
# characters whose only real glyph in those fonts is the typewriter one (what a copy gives back)
_TYPEWRITER = {"_": ("95", "\\textunderscore"), "^": ("94", "\\textasciicircum"),
               "~": ("126", "\\textasciitilde"), '"': ("34", "\\textquotedbl"),
               "`": ("18", "\\textasciigrave")}


def tex_text(text: str, pdf_string: bool = False) -> str:
    r"""Plain text as LaTeX that prints it character for character: TeX's special characters
    (``\ { } $ & # ^ _ % ~``) escaped, Greek letters as math (α as ``\alpha``), line breaks
    and other control characters as spaces; nothing in it is read as a command.
    ``pdf_string=True`` adds the plain forms hyperref puts in a PDF's title (Beamer).

    >>> print(tex_text(r"50% of {x} & $5"))
    50\% of \{x\} \& \$5
    >>> print(tex_text("my_net"))
    my\texttt{\char95}\allowbreak{}net
    """
    out = []
    prev = ""
    for ch in text:
        if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") or ch.isspace():
            ch = " "
        if ch in _TEXT_ESCAPES:
            tex = _TEXT_ESCAPES[ch]
        elif ch in _TYPEWRITER:
            code, plain = _TYPEWRITER[ch]
            tex = f"\\texttt{{\\char{code}}}"
            if pdf_string:
                tex = f"\\texorpdfstring{{{tex}}}{{{plain}{{}}}}"
        elif ch in "-'" and prev == ch:  # "--" is a dash in TeX, "''" a closing quote
            tex = "{}" + ch
        elif not ch.isascii() and unicodedata.normalize("NFD", unicodedata.normalize(
                "NFKC", ch))[0] in _GREEK_LETTERS:
            tex = f"\\ensuremath{{{name_latex(unicodedata.normalize('NFKC', ch))}}}"
            if pdf_string:
                tex = f"\\texorpdfstring{{{tex}}}{{{ch}}}"
        else:
            tex = ch
        if ch in "/\\_":  # a long path or name may break after its separators
            tex += "\\texorpdfstring{\\allowbreak}{}" if pdf_string else "\\allowbreak{}"
        out.append(tex)
        prev = ch
    return "".join(out).strip()


_GREEK_LETTERS = frozenset(chr(c) for c in range(0x391, 0x3CA) if chr(c).isalpha())


def _title(doc: Document, pdf_string: bool = False) -> str:
    return doc.title if doc.title_text is None else tex_text(doc.title_text, pdf_string)


# ---- the article --------------------------------------------------------------------------------

ARTICLE = r"""\documentclass[11pt,a4paper]{article}
\usepackage[margin=2cm]{geometry}
%(languages)s\usepackage{amsmath,amssymb}
\usepackage{booktabs}
%(tikz)s\allowdisplaybreaks
\setlength{\emergencystretch}{3em}
\setlength{\parindent}{0pt}
\setlength{\parskip}{4pt}
\AtBeginDocument{\setlength{\abovedisplayskip}{4pt plus 2pt}%%
  \setlength{\belowdisplayskip}{4pt plus 2pt}%%
  \setlength{\abovedisplayshortskip}{2pt plus 2pt}%%
  \setlength{\belowdisplayshortskip}{4pt plus 2pt}}
%(needspace)s"""

NEEDSPACE = r"""% a heading, or a sentence, and the display it introduces start on the same page
\makeatletter
\providecommand{\needspace}[1]{\begingroup\setlength{\dimen@}{#1}%
  \vskip\z@\@plus\dimen@\penalty -100\vskip\z@\@plus -\dimen@
  \vskip\dimen@\penalty 9999\vskip -\dimen@\vskip\z@skip\endgroup}
\makeatother
"""

FRAGMENT_HEAD = ("%% symbackprop lecture notes (needs \\usepackage{amsmath,amssymb,booktabs}%s)\n")


def _languages(doc: Document, text: str) -> tuple[str, ...]:
    """The packages the document's languages need: its own, and any language whose script
    appears anywhere (a Korean title or name on English notes needs kotex too)."""
    return packages(doc.lang, text + (doc.title_text or ""))


def _use(pkgs) -> str:
    return "".join(f"\\usepackage{{{p}}}\n" for p in pkgs)


def _separators(rows: list[str]) -> list[str]:
    """The line break before each row of an ``align*`` after the first: a continuation row
    never begins a page (``\\*`` before it), except in a long equation past its first two
    continuations."""
    out, run = [], 0  # continuation rows so far in this equation
    for i in range(1, len(rows)):
        cont = rows[i].lstrip().startswith("&")
        run = run + 1 if cont else 0
        keep = cont and (run <= 2 or _equation_length(rows, i) <= 12)
        out.append(" \\\\*\n" if keep else " \\\\\n")
    return out


def _math(rows: list[str]) -> str:
    """An ``align*`` whose rows break as :func:`_separators` says."""
    seps = ["", *_separators(rows)]
    return "\\begin{align*}\n" + "".join(a + r for a, r in zip(seps, rows, strict=True)) \
        + "\n\\end{align*}\n"


def _cells(row: str) -> list[str]:
    """A display row split at its alignment ``&`` (not at one inside braces or a matrix)."""
    cells, depth, env, start, i = [], 0, 0, 0, 0
    while i < len(row):
        if row.startswith("\\begin{", i):
            env += 1
        elif row.startswith("\\end{", i):
            env -= 1
        ch = row[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == "&" and depth == 0 and env == 0:
            cells.append(row[start:i])
            start = i + 1
        i += 1
    cells.append(row[start:])
    return cells


_TAG = re.compile(r"\s*\\tag\{[^{}]*\}(?:\\label\{[^{}]*\})?\s*$")


def untagged(row: str) -> str:
    """A display row without its equation number (``\\tag{..}\\label{..}``)."""
    return _TAG.sub("", row)


def _revealed(row: str, step: int) -> str:
    """A display row shown from overlay ``step`` on: each cell in ``\\uncover`` (Beamer cannot
    reveal an ``align`` row with ``\\pause``: amsmath typesets the rows twice), its tag kept
    outside."""
    m = _TAG.search(row)
    tag = m.group(0) if m else ""
    body = row[:m.start()] if m else row
    return "&".join(f"\\uncover<{step}->{{{c}}}" if c.strip() else c
                    for c in _cells(body)) + tag


def _slide_math(rows: list[str], step: int) -> tuple[str, int]:
    """An ``align*`` on a slide whose first equation shows at overlay ``step`` and each
    further equation (not its continuation rows) one overlay later; the last step used."""
    out = []
    for i, (sep, r) in enumerate(zip(["", *_separators(rows)], rows, strict=True)):
        if i and not r.lstrip().startswith("&"):
            step += 1
        out.append(sep + (_revealed(r, step) if step > 1 else r))
    return "\\begin{align*}\n" + "".join(out) + "\n\\end{align*}\n", step


def _equation_length(rows: list[str], i: int) -> int:
    """Rows of the equation that row ``i`` belongs to (its first row and continuations)."""
    start = i
    while start > 0 and rows[start].lstrip().startswith("&"):
        start -= 1
    end = i + 1
    while end < len(rows) and rows[end].lstrip().startswith("&"):
        end += 1
    return end - start


def _fold(t: Table, most: int) -> Table:
    """A long table as column groups side by side, each at most ``most`` rows (one frame)."""
    n = len(t.rows)
    if n <= most:
        return t
    groups = math.ceil(n / most)
    per = math.ceil(n / groups)
    width = len(t.head)
    rows = []
    for i in range(per):
        row: list[str] = []
        for g in range(groups):
            k = g * per + i
            row += t.rows[k] if k < n else [""] * width
        rows.append(row)
    align = (t.align or "l" + "r" * (width - 1)) * groups
    return Table(t.head * groups, rows, t.note, align)


def _table(t: Table, small: bool = False) -> str:
    cols = t.align or "l" + "r" * (len(t.head) - 1)
    size = "\\small" if small else ""
    if small and len(t.head) > 4:
        size = "\\footnotesize\\setlength{\\tabcolsep}{4pt}"
    # a table wider than a frame is scaled down to it (Beamer loads graphicx)
    fit = "\\resizebox{\\ifdim\\width>\\linewidth\\linewidth\\else\\width\\fi}{!}{%"
    out = ["\\begin{center}", size, fit if small else "",
           f"\\begin{{tabular}}{{{cols}}}",
           "\\toprule", " & ".join(t.head) + " \\\\", "\\midrule"]
    out += [" & ".join(r) + " \\\\" for r in t.rows]
    out += ["\\bottomrule", "\\end{tabular}}" if small else "\\end{tabular}", "\\end{center}"]
    if t.note:
        out.append(f"{{\\small {t.note}}}")
    return "\n".join(ln for ln in out if ln) + "\n"


def _block(b, small: bool = False) -> str:
    if isinstance(b, Text):
        return b.tex + "\n\n"
    if isinstance(b, Math):
        return _math(b.rows)
    if isinstance(b, Figure):
        under = ""
        if b.caption:
            under = (f"{{\\small {b.caption}\\par}}\n" if small else f"{b.caption}\n\n")
        return ("\\noindent\\begin{minipage}{\\linewidth}\n\\begin{center}\n" + b.tex
                + "\n\\end{center}\n" + under + "\\end{minipage}\n\n")
    if not small and len(b.head) <= 3 and b.align is None:  # a long narrow table: halves
        b = _fold(b, max(14, math.ceil(len(b.rows) / 2)))
    return _table(b, small)


_NEED = "\\needspace{%d\\baselineskip}\n"


def _need(blocks: list, i: int) -> int:
    """Lines a sentence needs on its page: itself and the start of the display it
    introduces (0 for anything else)."""
    b = blocks[i]
    nxt = blocks[i + 1] if i + 1 < len(blocks) else None
    if isinstance(b, Text) and isinstance(nxt, Math):
        return 3 + min(len(nxt.rows), 3)
    return 0


def _blocks(blocks: list, start: int = 0) -> list[str]:
    """Blocks of the article: a sentence is kept on the page of the display it introduces."""
    out = []
    for i, b in enumerate(blocks):
        if i >= start and _need(blocks, i):
            out.append(_NEED % _need(blocks, i))
        out.append(_block(b))
    return out


def _bold_emphasis(text: str) -> str:
    """A script without italic (Hangul): emphasis is bold."""
    return text.replace("\\emph{", "\\textbf{")


def article(doc: Document, standalone: bool = True) -> str:
    """The document as a LaTeX article (or a fragment for ``\\input``)."""
    body = [f"\\section*{{{_title(doc)}}}\n"]
    for part in doc.parts:
        if part.level <= 2:
            if part.title:  # a part without a title is a closing remark, not a section
                # the heading, its lead-in and the start of its display on one page
                head = "subsection" if part.level == 1 else "subsubsection"
                first = _need(part.blocks, 0) + 3 if part.blocks else 0
                body.append(_NEED % max(8, first) + f"\\{head}*{{{part.title}}}\n")
                body += _blocks(part.blocks, start=1)
            else:
                body += _blocks(part.blocks)
        else:
            first, *rest = part.blocks or [Text("")]
            body.append(_NEED % 6)
            if isinstance(first, Text):
                body.append(f"\\paragraph{{{part.title}.}} {first.tex}\n\n")
            else:
                body.append(f"\\paragraph{{{part.title}.}}\n" + _block(first))
            body += _blocks(rest)
    text = "".join(body)
    if LANGUAGES[doc.lang].bold_emphasis:
        text = _bold_emphasis(text)
    langs = _languages(doc, text)
    tikz = "\\begin{tikzpicture}" in text
    if not standalone:
        needs = "".join(f", {p}" for p in langs) + (", tikz" if tikz else "")
        return FRAGMENT_HEAD % needs + NEEDSPACE + text
    pre = ARTICLE % {"languages": _use(langs),
                     "tikz": "\\usepackage{tikz}\n" if tikz else "", "needspace": NEEDSPACE}
    return pre + "\\begin{document}\n" + text + "\\end{document}\n"


# ---- the slides ---------------------------------------------------------------------------------

BEAMER = r"""\documentclass[12pt,aspectratio=169]{beamer}
%(languages)s\usepackage{amsmath,amssymb}
\usepackage{booktabs}
%(tikz)s\setlength{\emergencystretch}{3em}
\usefonttheme{professionalfonts}
\setbeamertemplate{navigation symbols}{}
\setbeamertemplate{footline}{\hfill\insertframenumber\hspace{1em}\vspace{0.6em}}
\setbeamerfont{frametitle}{size=\large}
"""

# A frame's height budget, in points (12 pt type on a 16:9 frame): what each block takes is
# estimated from its TeX (layout.extent for mathematics), measured against pdflatex's own boxes.
FRAME_HEIGHT = 221.0   # the text height below a one-line frame title
FRAME_MARGIN = 7.0     # the estimate's largest shortfall seen on real decks
FRAME_RISK = 24.0      # a frame estimated this close to full is shrunk if it must be (see _frames)
TITLE_WIDTH = 430.0    # points of frame title (\large) on one line
TITLE_LINE = 17.0      # points each further line of the frame title takes
LINE_WIDTH = 400.0     # points of text (12 pt) on one line
_BASELINE = 14.5       # \baselineskip of 12 pt type
_STRUT = (10.15, 4.35)  # the strut of every display row
_JOT = 3.0             # amsmath's \jot between display rows
_DISPLAY = 18.0        # the skips above and below a display (less one \jot)
_FRAME = 4.0           # a frame's own top and bottom
_MATH_FIRST = 18.0     # a frame that opens with a display
_AFTER_TEXT = 5.0      # a display that follows a sentence
_TABLE = 37.0          # a table's rules and the centre environment's skips
_WIDE = re.compile(r"[\u1100-\u11ff\u3000-\u9fff\uac00-\ud7a3\uf900-\ufaff\uff00-\uffef]")


def _row_height(row: str) -> float:
    """Points a display row takes, with the \\jot above it."""
    a, d = extent(row)
    return max(a, _STRUT[0]) + max(d, _STRUT[1]) + _JOT


def _text_width(tex: str) -> float:
    """Points a paragraph's text takes on one line (CJK characters are twice as wide)."""
    w = 0.0
    for i, piece in enumerate(re.split(r"(?<!\\)\$", tex)):
        if i % 2:
            w += width(piece) * 6.2
            continue
        plain = re.sub(r"\\(emph|texttt|small)\b", "", piece)
        for ch in plain:
            w += 11.5 if _WIDE.match(ch) else 4.0 if ch == " " else 5.8
    return w


def _text_height(tex: str) -> float:
    """Points a paragraph takes: its lines, and any inline mathematics taller than a line."""
    lines = max(1, math.ceil(_text_width(tex) / LINE_WIDTH))
    a = d = 0.0
    for m in re.findall(r"(?<!\\)\$([^$]*)\$", tex):
        ma, md = extent(m, style=1)
        a, d = max(a, ma), max(d, md)
    return _BASELINE * lines + max(0.0, a - _STRUT[0]) + max(0.0, d - _STRUT[1]) - 2


def _table_row_height(cells: list[str]) -> float:
    """Points a table row takes in \\small type (its inline mathematics scaled to 11 pt)."""
    a, d = 9.52, 4.08  # the strut of \small
    for cell in cells:
        for m in re.findall(r"(?<!\\)\$([^$]*)\$", cell):
            ma, md = extent(m, style=1)
            a, d = max(a, ma * 11 / 12), max(d, md * 11 / 12)
    return a + d


def _groups(rows: list[str], limit: float) -> list[list[str]]:
    """Rows grouped as equations: a row with a left-hand side and its continuation rows.

    An equation taller than ``limit`` points is cut (see :func:`_halve`).
    """
    out: list[list[str]] = []
    for r in rows:
        if out and r.lstrip().startswith("&"):
            out[-1].append(r)
        else:
            out.append([r])
    cut: list[list[str]] = []
    for grp in out:
        cut += _halve(grp, limit)
    return cut


_CUTS = (r"&=", r"&\quad {}+", r"&\quad {}-", r"&\quad", r"&\qquad")
"""Where a tall equation may be cut, best first: before a new ``= ...`` step, before a new
term of a sum, before any continuation line."""


def _halve(grp: list[str], limit: float) -> list[list[str]]:
    """An equation taller than ``limit`` points, cut at the best kind of row (see _CUTS)
    nearest its middle, and its halves again until each fits."""
    heights = [_row_height(r) for r in grp]
    total = sum(heights)
    if total <= limit or len(grp) < 2:
        return [grp]
    for kind in _CUTS:
        cuts = [i for i in range(1, len(grp)) if grp[i].lstrip().startswith(kind)]
        if kind == r"&\quad":  # "&\quad" also begins "&\qquad"
            cuts = [i for i in cuts if not grp[i].lstrip().startswith(r"&\qquad")]
        if cuts:
            best = min(cuts, key=lambda i: max(sum(heights[:i]), total - sum(heights[:i])))
            rest = [_restate(grp[0], grp[best]), *grp[best + 1:]]
            return _halve(grp[:best], limit) + _halve(rest, limit)
    return [grp]


def _restate(first: str, row: str) -> str:
    """The row a cut equation goes on with, led by its left-hand side again, so that no frame
    begins with "=" or "+": ``\\delta &= ...`` or ``\\delta &= \\dots + ...``."""
    lhs = first.split("&", 1)[0].strip()
    r = row.lstrip()
    if not lhs or not r.startswith("&"):
        return row
    if r.startswith("&="):
        return f"{lhs} {r}"
    body = re.sub(r"^&\\q?quad\s*", "", r)
    return f"{lhs} &= \\dots {body}"


def _items(blocks: list, room: float) -> list[tuple[str, object, float]]:
    """The blocks cut where a frame may end: (kind, piece, points). A display that fits a
    frame (with the sentence before it) stays whole; a taller one is cut between equations,
    and an equation taller than a frame within itself (see _halve). ``room``: the points a
    frame holds."""
    items: list[tuple[str, object, float]] = []
    for n, b in enumerate(blocks):
        before = items[-1][2] if n and items and items[-1][0] == "text" else 0.0
        fixed = _FRAME + _MATH_FIRST + _DISPLAY + _AFTER_TEXT
        if isinstance(b, Table):
            rows = [_table_row_height(r) for r in b.rows]
            head = _table_row_height(b.head) + _TABLE
            note = _text_height(b.note) if b.note else 0.0
            i = 0
            while i < len(b.rows) or i == 0:
                j, h = i, head
                while j < len(b.rows) and (j == i or h + rows[j] + before + _FRAME <= room):
                    h += rows[j]
                    j += 1
                last = j >= len(b.rows)
                chunk = Table(b.head, b.rows[i:j], b.note if last else None, b.align)
                items.append(("table", chunk, h + (note if last else 0.0)))
                before, i = 0.0, max(j, i + 1)
        elif isinstance(b, Math):
            total = sum(_row_height(r) for r in b.rows)
            if total + before + fixed <= room:  # a display that fits stays on one frame
                items.append(("math", b.rows, total))
                continue
            for grp in _groups(b.rows, room - fixed - before):
                items.append(("math", grp, sum(_row_height(r) for r in grp)))
        elif isinstance(b, Figure):
            items.append(("figure", b, b.height + 12.0 + (
                _text_height(b.caption) * 11 / 12 if b.caption else 0.0)))
        else:
            items.append(("text", b, _text_height(b.tex)))
    return items


def _load(items: list[tuple[str, object, float]]) -> float:
    """Estimated points a frame of these items takes."""
    load, prev = _FRAME, None
    for kind, _, h in items:
        load += h
        if kind == "math" and prev != "math":
            load += _DISPLAY + (_MATH_FIRST if prev is None else
                                _AFTER_TEXT if prev == "text" else 0.0)
        prev = kind
    return load


def _partition(items: list[tuple[str, object, float]], room: float) -> list[list]:
    """Items into as few frames as fit ``room`` points, as evenly as possible; never break
    after a sentence."""
    k = len(items)
    can_break = [kind != "text" for kind, _, _ in items]  # a break may follow item i
    load = [[0.0] * (k + 1) for _ in range(k + 1)]  # load[m][i]: items m..i-1 on one frame
    for m in range(k):
        for i in range(m + 1, k + 1):
            load[m][i] = _load(items[m:i])
    # fewest frames: greedy, each frame ending at the last place it may that still fits
    ends = [e for e in range(1, k + 1) if e == k or can_break[e - 1]]
    frames_needed, start = 0, 0
    while start < k:
        fits = [e for e in ends if e > start and load[start][e] <= room]
        start = fits[-1] if fits else min(e for e in ends if e > start)
        frames_needed += 1
    frames_needed = max(frames_needed, 1)
    # the most even split into that many frames (minimise the fullest), by dynamic programming
    inf = float("inf")
    best = [[inf] * (frames_needed + 1) for _ in range(k + 1)]
    back = [[0] * (frames_needed + 1) for _ in range(k + 1)]
    best[0][0] = 0.0
    for i in range(1, k + 1):
        for j in range(1, frames_needed + 1):
            for m in range(j - 1, i):  # the last frame holds items m..i-1
                if m > 0 and not can_break[m - 1]:
                    continue
                cost = max(best[m][j - 1], load[m][i])
                if cost < best[i][j]:
                    best[i][j], back[i][j] = cost, m
    if best[k][frames_needed] == inf:
        return [items]
    cuts, i = [], k
    for j in range(frames_needed, 0, -1):
        m = back[i][j]
        cuts.append(items[m:i])
        i = m
    return list(reversed(cuts))


def _room(title: str) -> float:
    """Points a frame under this title holds (a title too wide for one line takes more)."""
    lines = max(1, math.ceil(_text_width(title) * 1.2 / TITLE_WIDTH))
    return FRAME_HEIGHT - FRAME_MARGIN - TITLE_LINE * (lines - 1)


def _frames(title: str, blocks: list, cont: str) -> list[str]:
    """Frames for one step: blocks revealed one by one, continued on new frames when full.

    An equation is never split from its continuation lines (unless taller than a frame), a
    sentence stays with what it introduces, and a long step is spread evenly over its frames.
    A frame estimated close to full is typeset with Beamer's ``shrink``, which scales it down
    only if it does not fit after all (and top-aligns it), so nothing overflows a frame.
    """
    out = []
    room = _room(f"{title} ({cont})")
    blocks = [_fold(b, 9) if isinstance(b, Table) and b.align is None else b for b in blocks]
    for n, fr in enumerate(_partition(_items(blocks, room), room)):
        # overlays numbered explicitly: a display, or a block after a display, comes one step
        # later; a sentence shows with what it introduces
        parts: list[str] = []
        rows: list[str] = []
        step, prev = 1, None
        start = 1
        for kind, piece, _ in fr:
            if kind == "math":
                if not rows:
                    if prev is not None and prev != "text":
                        step += 1
                    start = step
                rows += piece
                prev = kind
                continue
            if rows:
                math, step = _slide_math(rows, start)
                parts.append(math.rstrip("\n"))
                rows = []
            if prev is not None and prev != "text":
                step += 1
            block = _block(piece, small=True).rstrip("\n")
            parts.append(block if step == 1 else f"\\uncover<{step}->{{{block}}}")
            prev = kind
        if rows:
            math, step = _slide_math(rows, start)
            parts.append(math.rstrip("\n"))
        head = title if n == 0 else f"{title} ({cont})"
        body = "\n".join(parts)
        option = "[shrink]" if _load(fr) > room - FRAME_RISK else ""
        out.append(f"\\begin{{frame}}{option}{{{head}}}\n{body}\n\\end{{frame}}\n")
    return out


def slides(doc: Document, cont: str = "continued") -> str:
    """The document as a Beamer deck: a title frame, then one or more frames per step."""
    out = [f"\\title{{{_title(doc, pdf_string=True)}}}\n\\date{{}}\n\\begin{{document}}\n",
           "\\begin{frame}\n\\titlepage\n\\end{frame}\n"]
    section = ""
    carried: list = []  # a section's lead-in sentences, shown with its first subsection
    for i, part in enumerate(doc.parts):
        nxt = doc.parts[i + 1] if i + 1 < len(doc.parts) else None
        if part.level == 1:
            section = part.title
            if part.blocks and all(isinstance(b, Text) for b in part.blocks) \
                    and nxt is not None and nxt.level > 1:
                carried = list(part.blocks)  # never a frame of sentences alone
            elif part.blocks:
                out += _frames(part.title, part.blocks, cont)
            continue
        title = f"{section}: {part.title}" if section else part.title
        out += _frames(title, carried + part.blocks, cont)
        carried = []
    out.append("\\end{document}\n")
    text = "".join(out)
    if LANGUAGES[doc.lang].bold_emphasis:
        text = _bold_emphasis(text)
    pre = BEAMER % {"languages": _use(_languages(doc, text)),
                    "tikz": "\\usepackage{tikz}\n" if "\\begin{tikzpicture}" in text else ""}
    return pre + text


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


# characters MathJax's text mode (with textmacros) cannot show as they are: shown as math
_MATHJAX_MATH = {"\\": "\\backslash", "^": "\\hat{}", "~": "\\sim"}
_MATHJAX_TEXT = {"{": "\\{", "}": "\\}", "$": "\\$", "&": "\\&", "#": "\\#", "%": "\\%",
                 "_": "\\_"}


def _bold_text(text: str) -> str:
    """A plain-text title as bold MathJax text, every character shown as it is."""
    out: list[str] = []
    run: list[str] = []
    for ch in text:
        if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") or ch.isspace():
            ch = " "
        if ch in _MATHJAX_MATH:
            if run:
                out.append(f"\\textbf{{{''.join(run)}}}")
                run = []
            out.append(_MATHJAX_MATH[ch])
        else:
            run.append(_MATHJAX_TEXT.get(ch, ch))
    if run:
        out.append(f"\\textbf{{{''.join(run)}}}")
    return "$" + " ".join(out) + "$"


def mathjax(doc: Document) -> str:
    """The document as text/latex for Jupyter (rendered by MathJax 3)."""
    out = [_bold(doc.title) if doc.title_text is None else _bold_text(doc.title_text)]
    for part in doc.parts:
        if part.title:
            out.append(_bold(part.title))
        for b in part.blocks:
            if isinstance(b, Text):
                out.append(_unref(_plain(b.tex)))
            elif isinstance(b, Figure):  # MathJax draws no TikZ: the PDF has the figure
                continue
            elif isinstance(b, Math):
                rows = [re.sub(r"\\label\{[^{}]*\}", "", r) for r in b.rows]
                out.append("\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}")
            else:
                cols = "l" + "r" * (len(b.head) - 1)
                head = " & ".join(_cell(h) for h in b.head)
                body = " \\\\\n".join(" & ".join(_cell(c) for c in r) for r in b.rows)
                out.append(f"$$\\begin{{array}}{{{cols}}}\n{head} \\\\ \\hline\n{body}\n"
                           "\\end{array}$$")
                if b.note:
                    out.append(_plain(b.note))
    return "\n\n".join(out)


def _unref(tex: str) -> str:
    """``\\eqref{sb:eq3}`` as ``(3)``: the notebook shows the numbers, not the links."""
    return re.sub(r"\\eqref\{sb:eq(\d+)\}", r"(\1)", tex)


def _cell(c: str) -> str:
    if c.startswith("$") and c.endswith("$"):
        return c[1:-1]
    return f"\\text{{{c}}}"
