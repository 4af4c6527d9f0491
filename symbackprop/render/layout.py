r"""Printed width of LaTeX, and a line breaker for long expressions.

:func:`width` estimates how wide a math string prints, in characters. :class:`Breaker` splits
an expression into lines no wider than a limit, the way a textbook breaks a long display:
a sum between its terms (each continuation line starts with its ``+`` or ``-``), a product
between its factors (continuation lines start with :math:`\cdot`), and a factor that is a long
sum inside ``\bigl( ... \bigr)``. It never leaves an operator alone on a line, and it never
leaves a single short factor alone on the last line. :func:`lone_operators` and
:func:`orphan_factors` check a finished document for both.

Examples
========
>>> import sympy as sp
>>> from symbackprop.render.printer import SymbackpropLatexPrinter
>>> xs = sp.symbols("x1:13")
>>> lines = Breaker(SymbackpropLatexPrinter(), 30).lines(sp.Add(*[v**2 for v in xs]))
>>> len(lines) > 1 and all(width(ln) <= 30 for ln in lines)
True
>>> lines[1][:1]
'+'
"""

from __future__ import annotations

import re

import sympy as sp

__all__ = ["Breaker", "lone_operators", "orphan_factors", "width"]


def _group(s: str, i: int) -> tuple[str, int]:
    """The brace group starting at s[i] == '{' (or one token), and the index after it."""
    if i < len(s) and s[i] == "{":
        depth = 0
        for j in range(i, len(s)):
            if s[j] == "{":
                depth += 1
            elif s[j] == "}":
                depth -= 1
                if depth == 0:
                    return s[i + 1:j], j + 1
        return s[i + 1:], len(s)
    if i < len(s) and s[i] == "\\":
        j = i + 1
        while j < len(s) and s[j].isalpha():
            j += 1
        return s[i:j], j
    return s[i:i + 1], i + 1


_ZERO = ("left", "right", "bigl", "bigr", "Bigl", "Bigr", "displaystyle", "textstyle", "quad",
         "qquad", "leftarrow")


_PMATRIX, _PMATRIX_END = "\\begin{pmatrix}", "\\end{pmatrix}"


def width(tex: str) -> float:
    r"""Estimated printed width of a LaTeX math string, in characters.

    >>> width(r"\frac{\partial E}{\partial w_{1}}") < width(r"\partial E \partial w_{1}")
    True
    """
    w = 0.0
    i = 0
    while i < len(tex):
        c = tex[i]
        if tex.startswith(_PMATRIX, i):  # as wide as its widest row, plus the parentheses
            end = tex.find(_PMATRIX_END, i)
            if end < 0:
                end = len(tex)
            body = tex[i + len(_PMATRIX):end]
            w += 1.2 + max(sum(width(cell) for cell in row.split("&")) + 1.5 * row.count("&")
                           for row in body.split("\\\\"))
            i = end + len(_PMATRIX_END)
            continue
        if c == "\\":
            j = i + 1
            while j < len(tex) and tex[j].isalpha():
                j += 1
            cmd = tex[i + 1:j]
            if j == i + 1:  # \\, \{, \, ...
                i += 2
                w += 0.5
                continue
            i = j
            if cmd in ("left", "right", "displaystyle", "textstyle"):
                continue
            if cmd in ("bigl", "bigr", "Bigl", "Bigr"):
                w += 0.2
            elif cmd == "frac" or cmd == "tfrac":
                a, i = _group(tex, i)
                b, i = _group(tex, i)
                w += max(width(a), width(b)) * (0.75 if cmd == "tfrac" else 1) + 0.4
            elif cmd in ("operatorname", "mathrm", "mathbf", "boldsymbol", "hat", "text",
                         "mathit"):
                a, i = _group(tex, i)
                w += len(a) * 0.85 if cmd == "text" else width(a)
            elif cmd == "quad":
                w += 2
            elif cmd == "qquad":
                w += 4
            elif cmd in ("leftarrow", "rightarrow", "odot", "cdot", "times"):
                w += 2
            else:
                w += 1
        elif c in "^_":
            a, i = _group(tex, i + 1)
            w += 0.7 * width(a)
        elif c in "{} ":
            i += 1
        elif c in "+-=<>":
            w += 2
            i += 1
        else:
            w += 1
            i += 1
    return w


class Breaker:
    """Lines of one expression, each no wider than ``limit`` (estimated printed characters).

    ``printer`` is the LaTeX printer (its graph and settings are used as they are).
    """

    def __init__(self, printer, limit: float):
        self.p = printer
        self.limit = limit

    def lines(self, expr: sp.Expr, limit: float | None = None) -> list[str]:
        """The lines; an expression that cannot be broken further stays whole."""
        limit = self.limit if limit is None else limit
        tex = self.p._print(expr)
        if width(tex) <= limit:
            return [tex]
        if expr.is_Add:
            return self._sum(expr, limit)
        if expr.is_Mul:
            return self._product(expr, limit)
        wrapped = self._wrapped(expr, limit)
        return wrapped if wrapped is not None else [tex]

    # ---- sums --------------------------------------------------------------------------------
    def _terms(self, expr: sp.Expr) -> list[sp.Expr]:
        terms = self.p._as_ordered_terms(expr, order=None)
        return sorted(terms, key=self.p._rank)

    def _sum(self, expr: sp.Expr, limit: float) -> list[str]:
        pieces: list[list[str]] = []  # per term: its lines, the sign on the first
        for i, term in enumerate(self._terms(expr)):
            neg = term.could_extract_minus_sign()
            body = -term if neg else term
            sign = ("- " if neg else "") if i == 0 else ("- " if neg else "+ ")
            sub = self.lines(body, limit - 2)
            if self.p._needs_add_brackets(body) and len(sub) == 1:
                sub = [f"\\left({sub[0]}\\right)"]
            pieces.append([sign + sub[0], *sub[1:]])
        lines: list[str] = []
        cur = ""
        for piece in pieces:
            if len(piece) == 1:
                cand = f"{cur} {piece[0]}".strip() if cur else piece[0]
                if not cur or width(cand) <= limit:
                    cur = cand
                else:
                    lines.append(cur)
                    cur = piece[0]
            else:
                if cur:
                    lines.append(cur)
                lines += piece[:-1]
                cur = piece[-1]
        lines.append(cur)
        return lines

    # ---- products ------------------------------------------------------------------------------
    def _factors(self, expr: sp.Expr) -> tuple[str, list[sp.Expr]]:
        coeff, factors = expr.as_coeff_mul()
        sign = ""
        if coeff.is_negative:
            sign, coeff = "- ", -coeff
        out = [] if coeff == 1 else [coeff]
        out += sorted(factors, key=self.p._factor_rank)
        return sign, out

    def _factor_tex(self, f: sp.Expr, first: bool, last: bool) -> str:
        if f.is_Rational and not f.is_Integer:
            return f"\\frac{{{f.p}}}{{{f.q}}}"
        if f.is_Pow and f.exp.is_negative:
            return f"\\frac{{1}}{{{self.p._print(1 / f)}}}"
        tex = self.p._print(f)
        if self.p._needs_mul_brackets(f, first=first, last=last):
            tex = f"\\left({tex}\\right)"
        return tex

    def _product(self, expr: sp.Expr, limit: float) -> list[str]:
        sign, factors = self._factors(expr)
        pieces: list[list[str]] = []
        for i, f in enumerate(factors):
            tex = self._factor_tex(f, i == 0, i == len(factors) - 1)
            if width(tex) <= limit - 3:
                pieces.append([tex])
                continue
            wrapped = self._wrapped(f, limit - 3)
            pieces.append(wrapped if wrapped is not None else [tex])
        # lines as lists of whole factors (for the orphan rule), each marked as continuing a
        # wrapped factor (the rest of its argument) or starting a new factor (after a \cdot)
        rows: list[tuple[list[str], bool]] = []
        cur: list[str] = []
        cont = False
        for piece in pieces:
            first = piece[0]
            lead = "\\cdot " if rows else ""
            if not cur or width(lead + " ".join([*cur, first])) <= limit:
                cur.append(first)
            else:
                rows.append((cur, cont))
                cur, cont = [first], False
            if len(piece) > 1:  # a wrapped factor: its inner lines, then go on after it
                rows.append((cur, cont))
                rows += [([ln], True) for ln in piece[1:-1]]
                cur, cont = [piece[-1]], True
        rows.append((cur, cont))
        # no single short factor alone on the last line: take one from the line before
        if len(rows) > 1 and len(rows[-1][0]) == 1 and len(rows[-2][0]) > 2 \
                and not rows[-1][1] and not rows[-1][0][0].startswith(("\\bigl", "+", "-")) \
                and width(" ".join([rows[-2][0][-1], rows[-1][0][0]])) <= limit - 3:
            rows[-1][0].insert(0, rows[-2][0].pop())
        lines = [" ".join(r) for r, _ in rows]
        lines[0] = sign + lines[0]
        return [lines[0]] + [ln if c or ln.startswith(("+", "-", "\\cdot")) else "\\cdot " + ln
                             for ln, (_, c) in zip(lines[1:], rows[1:], strict=True)]

    # ---- a factor that is a long sum, power or function of one argument -----------------------
    def _wrapped(self, f: sp.Expr, limit: float) -> list[str] | None:
        if f.is_Add:
            inner = self.lines(f, limit - 1)
            return [f"\\bigl({inner[0]}", *inner[1:-1], f"{inner[-1]}\\bigr)"] \
                if len(inner) > 1 else [f"\\left({inner[0]}\\right)"]
        if f.is_Pow and f.exp.is_Integer and f.exp > 0 and (f.base.is_Add or f.base.is_Mul):
            inner = self.lines(f.base, limit - 3)
            exp = self.p._print(f.exp)
            if len(inner) == 1:
                return None
            return [f"\\bigl({inner[0]}", *inner[1:-1], f"{inner[-1]}\\bigr)^{{{exp}}}"]
        if isinstance(f, sp.exp):  # e^{long} cannot break: exp(...) can
            inner = self.lines(f.args[0], limit - 5)
            if len(inner) == 1:
                return None
            return [f"\\exp\\bigl({inner[0]}", *inner[1:-1], f"{inner[-1]}\\bigr)"]
        if isinstance(f, sp.Heaviside):
            h0 = f.args[1] if len(f.args) > 1 else None
            if h0 not in (0, 1):
                return None
            inner = self.lines(f.args[0], limit - 6)
            if len(inner) == 1:
                return None
            rel = "> 0" if h0 == 0 else "\\geq 0"
            return [f"\\mathbf{{1}}\\bigl[{inner[0]}", *inner[1:-1], f"{inner[-1]} {rel}\\bigr]"]
        if isinstance(f, sp.Function) and len(f.args) > 1:
            head = self._head(f)
            if head is None:
                return None
            lines: list[str] = []
            for i, a in enumerate(f.args):
                sub = self.lines(a, limit - 2)
                sub[-1] += "," if i < len(f.args) - 1 else ""
                lines += sub
            return [f"{head}\\bigl({lines[0]}", *lines[1:-1], f"{lines[-1]}\\bigr)"]
        if isinstance(f, sp.Function) and len(f.args) == 1:
            head = self._head(f)
            if head is None:
                return None
            inner = self.lines(f.args[0], limit - width(head) - 1)
            if len(inner) == 1:
                return None
            return [f"{head}\\bigl({inner[0]}", *inner[1:-1], f"{inner[-1]}\\bigr)"]
        return None

    def _head(self, f: sp.Function) -> str | None:
        """How the function's name prints (``\\sigma``, ``\\tanh``), without its parentheses."""
        marker = sp.Symbol("QQMARKQQ")
        markers = [sp.Symbol(f"QQMARK{i}QQ") for i in range(len(f.args))]
        try:
            tex = self.p._print(f.func(*markers) if len(f.args) > 1 else f.func(marker))
        except (TypeError, ValueError):
            return None
        if len(f.args) > 1:
            tex = tex.replace("QQMARK0QQ", "QQMARKQQ")
        i = tex.find("QQMARKQQ")
        if i < 0:
            return None
        head = re.sub(r"(\{?\\left\(|\()\s*$", "", tex[:i])
        return head if "QQ" not in head and "{" not in head.replace("\\operatorname{", "") \
            else None


_LONE = re.compile(r"(&\s*(=|\\quad|\\qquad)?\s*(\{\})?\s*[-+]\s*$)|([-+]\s*(\\\\)?\s*$)")


def lone_operators(tex: str) -> list[str]:
    """Display lines that end with an operator or hold nothing but one (the breaker's bugs)."""
    bad = []
    for block in re.findall(r"\\begin\{align\*\}(.*?)\\end\{align\*\}", tex, re.DOTALL):
        for line in block.split("\\\\"):
            s = line.strip()
            if not s:
                continue
            body = re.sub(r"\\(tag|label)\{[^}]*\}", "", s).strip()
            if re.search(r"([-+=]|\\cdot)\s*$", body) or re.fullmatch(
                    r"&?\s*(=|\\quad|\\qquad)?\s*(\{\})?\s*([-+]|\\cdot)?\s*", body):
                bad.append(s)
    return bad


def orphan_factors(tex: str) -> list[str]:
    """Continuation lines that hold a single short factor after a product sign."""
    bad = []
    for block in re.findall(r"\\begin\{align\*\}(.*?)\\end\{align\*\}", tex, re.DOTALL):
        for line in block.split("\\\\"):
            s = line.strip()
            m = re.fullmatch(r"&\\q?quad\s*(\{\})?\s*\\cdot\s+(\S+)", s)
            if m and width(m.group(2)) <= 3:
                bad.append(s)
    return bad
