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

__all__ = ["Breaker", "extent", "lone_operators", "orphan_factors", "width"]


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
_OPERATOR_NAMES = frozenset({"sin", "cos", "tan", "cot", "sec", "csc", "sinh", "cosh", "tanh",
                             "coth", "arcsin", "arccos", "arctan", "log", "ln", "exp", "max",
                             "min", "det", "lim", "sup", "inf", "arg", "deg", "dim", "gcd", "ker"})


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
            elif cmd in ("operatorname", "mathrm", "mathbf", "boldsymbol", "text", "textit",
                         "mathit", "mathtt", *_ACCENTS):
                a, i = _group(tex, i)
                w += len(a) * 0.85 if cmd in ("text", "textit") else width(a)
            elif cmd == "quad":
                w += 2
            elif cmd == "qquad":
                w += 4
            elif cmd in ("leftarrow", "rightarrow", "odot", "cdot", "times"):
                w += 2
            elif cmd in _OPERATOR_NAMES:  # \tanh prints four letters
                w += len(cmd) * 0.85
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


# ---- vertical extent ----------------------------------------------------------------------------
# TeX's font parameters at 12 pt (cmsy10 and cmex10 at 12 pt), in points: what a Beamer frame holds
_AXIS = 3.0                  # the math axis
_RULE = 0.48                 # the default rule thickness (fraction bars)
_XHEIGHT = 5.16
_NUM = (8.12, 4.72)          # numerator shift up: display style, text style
_DEN = (8.23, 4.14)          # denominator shift down
_SUP = (4.95, 4.35, 3.47)    # superscript shift up: display, text, cramped
_SUB1, _SUB2 = 1.8, 2.97     # subscript shift down: alone, under a superscript
_SUP_DROP, _SUB_DROP = 4.63, 0.6  # (times the script size) for a compound nucleus
_SCALE = (1.0, 1.0, 0.7, 0.5)     # display, text, script, scriptscript
_DELIMITERS = (12.0, 14.4, 21.6, 28.8, 36.0)  # heights of (, \big(, \Big(, \bigg(, \Bigg(
_BIG = {"big": 1, "bigl": 1, "bigr": 1, "bigm": 1, "Big": 2, "Bigl": 2, "Bigr": 2,
        "bigg": 3, "biggl": 3, "biggr": 3, "Bigg": 4, "Biggl": 4, "Biggr": 4}
_STRUTS = {"cases": (12.18, 5.22)}  # an array's row strut (\arraystretch 1.2 in cases)
_ARRAY_STRUT = (10.15, 4.35)        # 0.7 and 0.3 of the 14.5 pt \baselineskip
_ACCENTS = ("hat", "bar", "tilde", "acute", "grave", "dot", "ddot", "check", "breve", "vec",
            "mathring", "widehat", "widetilde", "overline")
_FONTS = ("mathrm", "mathbf", "mathit", "boldsymbol", "operatorname", "text", "textit",
          "textbf", "mathsf", "mathtt", "mathbb", "mathcal", "texttt", "textrm", "mathnormal")
_DESCENDERS = frozenset({"beta", "gamma", "zeta", "eta", "mu", "xi", "rho", "phi", "varphi",
                         "chi", "psi"})
_LARGE_OPS = frozenset({"sum", "prod", "int", "coprod", "bigcup", "bigcap"})


def _matching(s: str, i: int, open_: str, close: str) -> int:
    """The index of the ``close`` that matches an ``open_`` already passed (nesting counted)."""
    depth = 1
    while i < len(s):
        if s.startswith(open_, i):
            depth += 1
        elif s.startswith(close, i):
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return len(s)


def _split_top(body: str, sep: str) -> list[str]:
    """``body`` split at ``sep`` outside braces and environments."""
    out: list[str] = []
    cur: list[str] = []
    depth = env = i = 0
    while i < len(body):
        if body.startswith("\\begin{", i):
            env += 1
        elif body.startswith("\\end{", i):
            env -= 1
        if depth == 0 and env == 0 and body.startswith(sep, i):
            out.append("".join(cur))
            cur = []
            i += len(sep)
            continue
        c = body[i]
        if c == "\\" and i + 1 < len(body):
            cur.append(body[i:i + 2])
            i += 2
            continue
        depth += (c == "{") - (c == "}")
        cur.append(c)
        i += 1
    out.append("".join(cur))
    return out


def _char_extent(c: str) -> tuple[float, float]:
    if c in "()[]|":
        return 9.0, 3.0
    if c in "gpqy":
        return _XHEIGHT, 2.3
    if c in ",;j":
        return (1.2 if c != "j" else 8.3), 2.3
    if c.isdigit():
        return 7.7, 0.0
    if c in "acemnorsuvwxz":
        return _XHEIGHT, 0.0
    if c in "+-=<>":
        return 6.9, 1.0
    return 8.3, 0.0


def extent(tex: str, style: int = 0, cramped: bool = False) -> tuple[float, float]:
    r"""Estimated (height, depth) of a math string about its baseline, in points of a 12 pt
    font (a Beamer frame's): TeX's rules for fractions, scripts, ``\left``/``\right``
    delimiters (chosen from their fixed sizes) and arrays (``pmatrix``, ``cases``), with the
    font parameters of Computer Modern. ``style``: 0 display, 1 text, 2 script, 3 scriptscript;
    ``cramped`` as in a denominator. Within a few points for the notes' rows.

    >>> extent("x")[0] < extent(r"\frac{\partial E}{\partial w_{1}}")[0]
    True
    """
    return _Extent(tex, style, cramped).run()


class _Extent:
    """One pass over a math string, keeping the tallest and deepest item."""

    def __init__(self, tex: str, style: int, cramped: bool):
        self.s, self.i = tex, 0
        self.style, self.cramped = style, cramped
        self.sc = _SCALE[style]
        self.script = 2 if style < 2 else 3
        self.top = self.bottom = 0.0
        self.last = (0.0, 0.0, True)  # the item a script attaches to; whether one character

    def item(self, a: float, d: float, char: bool = False) -> None:
        self.last = (a, d, char)
        self.top, self.bottom = max(self.top, a), max(self.bottom, d)

    def group(self) -> str:
        """The brace group (or one token) at the cursor; the cursor moves past it."""
        s = self.s
        while self.i < len(s) and s[self.i] == " ":
            self.i += 1
        if self.i >= len(s):
            return ""
        body, end = _group(s, self.i)
        self.i = end
        return body

    def command(self) -> str:
        j = self.i + 1
        while j < len(self.s) and self.s[j].isalpha():
            j += 1
        if j == self.i + 1:
            j += 1
        cmd = self.s[self.i + 1:j]
        self.i = j
        return cmd

    def run(self) -> tuple[float, float]:
        s = self.s
        while self.i < len(s):
            c = s[self.i]
            if c in "^_":
                self.scripts()
            elif c == "\\":
                self.control()
            elif c == "{":
                self.item(*extent(self.group(), self.style, self.cramped))
            else:
                self.i += 1
                if c not in " &}~":
                    a, d = _char_extent(c)
                    self.item(a * self.sc, d * self.sc, True)
        return self.top, self.bottom

    def scripts(self) -> None:
        """A superscript and/or subscript on the last item (TeX's rules 18a-f)."""
        sup = sub = None
        while self.i < len(self.s) and self.s[self.i] in "^_":
            k = self.s[self.i]
            self.i += 1
            if k == "^":
                sup = self.group()
            else:
                sub = self.group()
        top, bottom, char = self.last
        base_a, base_d = (0.0, 0.0) if char else (top, bottom)  # drops: compound nuclei only
        sc, ss = self.sc, _SCALE[self.script]
        xh, rule = _XHEIGHT * sc, _RULE * sc
        if sup is not None:
            pa, pd = extent(sup, self.script, self.cramped)
            u = max(_SUP[2 if self.cramped else min(self.style, 1)] * sc,
                    base_a - _SUP_DROP * ss)
        if sub is not None:
            qa, qd = extent(sub, self.script, True)
        if sub is None:
            u = max(u, pd + xh / 4)
            top, bottom = max(top, u + pa), max(bottom, pd - u)
        elif sup is None:
            v = max(_SUB1 * sc, base_d + _SUB_DROP * ss, qa - 0.8 * xh)
            top, bottom = max(top, qa - v), max(bottom, qd + v)
        else:
            v = max(_SUB2 * sc, base_d + _SUB_DROP * ss)
            psi = 4 * rule - ((u - pd) - (qa - v))
            if psi > 0:
                v += psi
                psi = 0.8 * xh - (u - pd)
                if psi > 0:
                    u, v = u + psi, v - psi
            top, bottom = max(top, u + pa, qa - v), max(bottom, pd - u, qd + v)
        self.item(top, bottom)

    def delimiter(self, need: float) -> tuple[float, float]:
        """The smallest delimiter at least ``need`` tall, centred on the axis."""
        sc = self.sc
        size = next((k * sc for k in _DELIMITERS if k * sc >= need), need)
        return _AXIS * sc + size / 2, size / 2 - _AXIS * sc

    def control(self) -> None:
        s, sc = self.s, self.sc
        start = self.i
        cmd = self.command()
        if cmd in ("frac", "dfrac", "tfrac", "binom"):
            st = {"dfrac": 0, "tfrac": 1}.get(cmd, self.style)
            fsc = _SCALE[st]
            inner = min(st + 1, 3)
            na, nd = extent(self.group(), inner, self.cramped)
            da, dd = extent(self.group(), inner, True)
            k = 0 if st == 0 else 1
            rule = _RULE * fsc
            clear = 3 * rule if st == 0 else rule
            u = max(_NUM[k] * fsc, clear + _AXIS * fsc + rule / 2 + nd)
            v = max(_DEN[k] * fsc, clear + da - (_AXIS * fsc - rule / 2))
            self.item(u + na, v + dd)
        elif cmd == "sqrt":
            if self.i < len(s) and s[self.i] == "[":
                self.i = s.find("]", self.i) + 1 or len(s)
            a, d = extent(self.group(), self.style, True)
            self.item(a + 2.0 * sc, d + 1.0 * sc)
        elif cmd == "left":
            self.group()  # the opening delimiter
            end = _matching(s, self.i, "\\left", "\\right")
            a, d = extent(s[self.i:end], self.style, self.cramped)
            self.i = end
            if end < len(s):
                self.command()
                self.group()  # the closing delimiter
            half = max(a - _AXIS * sc, d + _AXIS * sc)
            da, dd = self.delimiter(max(2 * half * 0.901, 2 * half - 5 * sc))
            self.item(max(a, da), max(d, dd))
        elif cmd in _BIG:
            self.group()
            self.item(*self.delimiter(_DELIMITERS[_BIG[cmd]] * sc))
        elif cmd == "begin":
            env = self.group()
            end = _matching(s, self.i, f"\\begin{{{env}}}", f"\\end{{{env}}}")
            body = s[self.i:end]
            self.i = min(len(s), end + len(f"\\end{{{env}}}"))
            self.item(*self.array(env, body))
        elif cmd in _ACCENTS:
            a, d = extent(self.group(), self.style, True)
            self.item(max(a, _XHEIGHT * sc) + 3.2 * sc, d)
        elif cmd in _FONTS:
            a, d = extent(self.group(), self.style, self.cramped)
            self.item(max(a, 8.3 * sc), d)
        elif cmd in ("tag", "label", "hspace", "phantom", "right"):
            self.group()
        elif cmd in _LARGE_OPS:
            self.item(*((12.0 * sc, 7.0 * sc) if self.style == 0 else (9.0 * sc, 3.6 * sc)))
        elif s[start:self.i] in ("\\{", "\\}", "\\|") or cmd in ("langle", "rangle", "lbrace",
                                                                 "rbrace", "lvert", "rvert"):
            self.item(9.0 * sc, 3.0 * sc, True)
        elif cmd.isalpha():  # a letter or symbol: \alpha, \partial, \cdot
            self.item(8.3 * sc, (2.3 if cmd in _DESCENDERS else 0.5) * sc, True)

    def array(self, env: str, body: str) -> tuple[float, float]:
        """An array's rows stacked and centred on the axis (matrices, cases, aligned)."""
        aligned = env in ("aligned", "gathered", "split")
        style = 0 if aligned else max(self.style, 1)
        strut = _STRUTS.get(env, _ARRAY_STRUT)
        rows = _split_top(body, "\\\\")
        total = 3.0 * (len(rows) - 1) if aligned else 0.0
        for r in rows:
            ra, rd = strut
            for cell in _split_top(r, "&"):
                a, d = extent(cell, style, self.cramped)
                ra, rd = max(ra, a), max(rd, d)
            total += ra + rd
        sc = self.sc
        return _AXIS * sc + total / 2, total / 2 - _AXIS * sc


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
