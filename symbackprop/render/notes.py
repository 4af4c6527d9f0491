r"""Lecture notes: a LaTeX derivation of backpropagation that compiles first time.

:func:`notes` writes, for each chosen variable, the forward equations, the chain rule in Leibniz
form as a sum over paths (one path per line), each local derivative, the assembled product in
the local symbols, the fully substituted derivative with its size (left out, with its size, when
it would not fit on a page), and with a point: every node's forward value and gradient, and the
gradient-descent update w ← w − η ∂L/∂w in numbers. Networks also get the matrix form.

Lines are broken by an estimate of their printed width, so no line overflows the page. The
output is the same, byte for byte, on every run.

Examples
========
>>> import symbackprop as sb
>>> g = sb.parse_graph("q = x + y\nf = q*z")
>>> tex = sb.notes(g, wrt=["x"], at={"x": -2, "y": 5, "z": -4}, standalone=False)
>>> print(tex.splitlines()[0])
% symbackprop lecture notes (needs \usepackage{amsmath,amssymb,booktabs})
>>> "\\frac{\\partial f}{\\partial x} &= \\frac{\\partial f}{\\partial q} \\frac{\\partial q}{\\partial x}" in tex
True
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import sympy as sp
from sympy.printing.precedence import PRECEDENCE

from ..core.errors import ExpressionTooLargeError
from ..core.graph import Graph
from ..core.network import Network
from ..core.types import PathLike, Point, Variables
from ..core.values import to_number
from ..derive import (
    DEFAULT_BUDGET,
    backprop,
    chain,
    count_paths,
    estimate_expanded_size,
    expanded,
    matrix_form,
)
from ..io import compile_pdf, write_text
from .printer import SymbackpropLatexPrinter
from .sizes import size

__all__ = ["Notes", "compile_pdf", "matrix_latex", "notes", "write_notes"]

WIDTH = 62  # printed characters a display line may take (A4, 2 cm margins, 11 pt, with the lhs)
MAX_PATHS = 12  # paths written out one by one; more are summarised
MAX_EXPLICIT = 4  # widest layer whose matrices are written out entry by entry


class Notes(str):
    """The LaTeX text of lecture notes (a ``str``), shown rendered in notebooks."""

    def _repr_latex_(self) -> str:
        body = self
        if "\\begin{document}" in body:
            body = body.split("\\begin{document}", 1)[1].split("\\end{document}", 1)[0]
        keep = []
        in_table = False
        for ln in body.splitlines():
            if ln.startswith(("%", "\\begin{center}", "\\end{center}", "\\toprule", "\\midrule",
                              "\\bottomrule")):
                continue
            for cmd in ("\\section*{", "\\subsection*{", "\\paragraph{"):
                if ln.startswith(cmd):  # headings as plain text: MathJax knows no sections
                    head, _, rest = ln[len(cmd):].partition("}")
                    ln = f"{head} {rest}".strip()
            if ln.startswith("\\begin{tabular}"):  # MathJax has array, not tabular
                in_table = True
                keep.append("$$\\begin{array}{lrr}")
                continue
            if ln.startswith("\\end{tabular}"):
                in_table = False
                keep.append("\\end{array}$$")
                continue
            if in_table:
                ln = ln.replace("$", "").replace("symbol & value", "\\text{symbol} & "
                                                                    "\\text{value}")
            keep.append(ln)
        return "\n".join(keep)


# ---- printed width ----------------------------------------------------------------------------

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


def width(tex: str) -> float:
    r"""Estimated printed width of a LaTeX math string, in characters.

    >>> width(r"\frac{\partial E}{\partial w_{1}}") < width(r"\partial E \partial w_{1}")
    True
    """
    w = 0.0
    i = 0
    while i < len(tex):
        c = tex[i]
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
            if cmd in ("left", "right", "bigl", "bigr", "Bigl", "Bigr", "displaystyle"):
                continue
            if cmd == "frac":
                a, i = _group(tex, i)
                b, i = _group(tex, i)
                w += max(width(a), width(b)) + 0.4
            elif cmd in ("operatorname", "mathrm", "text", "mathbf", "boldsymbol", "hat"):
                a, i = _group(tex, i)
                w += width(a) if cmd != "text" else len(a) * 0.8
            elif cmd == "quad":
                w += 2
            elif cmd == "qquad":
                w += 4
            else:
                w += 1
        elif c in "^_":
            a, i = _group(tex, i + 1)
            w += 0.7 * width(a)
        elif c in "{} ":
            i += 1
        elif c in "+-=":
            w += 2
            i += 1
        else:
            w += 1
            i += 1
    return w


def _flow(items: list[str], joiner: str, cont: str, limit: float) -> list[str] | None:
    """Pack items into lines no wider than ``limit``; None if one item alone is too wide."""
    lines: list[str] = []
    cur = ""
    for it in items:
        if width(it) > limit:
            return None
        cand = it if not cur else f"{cur}{joiner}{it}"
        if cur and width(cand) > limit:
            lines.append(cur)
            cur = cont + it
        else:
            cur = cand
    lines.append(cur)
    return lines


# ---- printing helpers ---------------------------------------------------------------------------

def _printer(graph=None) -> SymbackpropLatexPrinter:
    return SymbackpropLatexPrinter({"graph": graph})


def _frac(p, a: sp.Symbol, b: sp.Symbol) -> str:
    return p._print(sp.Derivative(a, b, evaluate=False))


def _factors(p, expr: sp.Expr) -> tuple[str, list[str]]:
    """(sign, factor strings) of a product, each factor parenthesised as needed."""
    coeff, facs = expr.as_coeff_mul()
    sign = ""
    items = []
    if coeff == -1:
        sign = "-"
    elif coeff != 1:
        items.append(p._print(coeff))
    for f in facs:
        items.append(p.parenthesize(f, PRECEDENCE["Mul"]))
    return sign, items


def _number(v) -> str:
    if v.is_Integer:
        return str(int(v))
    if v.is_Rational and len(str(v)) <= 9:
        return f"{'-' if v < 0 else ''}\\tfrac{{{abs(v.p)}}}{{{v.q}}}"
    try:
        x = float(v)
    except TypeError:
        return _printer()._print(v)
    if x == 0:
        return "0"
    s = f"{x:.6g}"
    if "e" in s:
        m, e = s.split("e")
        return f"{m} \\times 10^{{{int(e)}}}"
    return s


def _align(rows: list[str]) -> str:
    return "\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}\n"


# ---- the sections -------------------------------------------------------------------------------

def _forward(p, g: Graph) -> str:
    rows = []
    for n in g.nodes:
        lhs = p._print(n.symbol)
        rhs = p._print(n.expr)
        if lhs.replace(" ", "") == rhs.replace(" ", ""):  # a_h1 := a(h1) prints as a(h_1)
            continue
        if width(rhs) > WIDTH - 6 and n.expr.is_Add:
            terms = [p._print(t) for t in sp.Add.make_args(n.expr)]
            lines = _flow(terms, " + ", "{}+ ", WIDTH - 10)
            if lines:
                rows += [f"{lhs} &= {lines[0]}"] + [f"&\\quad {ln}" for ln in lines[1:]]
                continue
        rows.append(f"{lhs} &= {rhs}")
    return _align(rows)


def _chain_section(p, g: Graph, v: sp.Symbol, budget) -> str:
    out = g.output
    lhs = _frac(p, out, v)
    n = count_paths(g, v)
    parts = []
    if n == 0:
        return f"\\paragraph{{Chain rule.}} ${lhs} = 0$: ${p._print(v)}$ does not reach " \
               f"${p._print(out)}$.\n"
    if n > MAX_PATHS:
        return (f"\\paragraph{{Chain rule.}} There are {n:,} paths from ${p._print(v)}$ to "
                f"${p._print(out)}$, too many to write out; backpropagation sums them through "
                "the deltas below.\n")
    c = chain(g, v, budget=budget)
    if n == 1:
        parts.append(f"\\paragraph{{Chain rule.}} One path leads from ${p._print(v)}$ to "
                     f"${p._print(out)}$:\n")
    else:
        parts.append(f"\\paragraph{{Chain rule.}} A sum over the {n} paths from "
                     f"${p._print(v)}$ to ${p._print(out)}$, one per line:\n")
    rows = []
    for i, path in enumerate(c.paths):
        items = [_frac(p, f.child, f.parent) for f in path.factors]
        lines = _flow(items, " ", "\\cdot ", WIDTH - 10) or items
        first = ("" if i == 0 else "{}+ ") + lines[0]
        if i == 0:
            rows.append(f"{lhs} &= {first}")
        else:
            rows.append(f"&\\quad {first}")
        rows += [f"&\\qquad {ln}" for ln in lines[1:]]
    parts.append(_align(rows))
    parts.append("\\paragraph{Local derivatives.}\n")
    parts.append(_align([f"{_frac(p, f.child, f.parent)} &= {p._print(f.local)}"
                         for f in c.factors]))
    parts.append("\\paragraph{Assembled.} The local derivatives multiplied along each path, "
                 "in the neighbouring symbols:\n")
    rows = []
    for i, path in enumerate(c.paths):
        items = [p.parenthesize(f.local, PRECEDENCE["Mul"]) for f in path.factors]
        lines = _flow(items, " \\cdot ", "\\cdot ", WIDTH - 12) or items
        lead = "" if i == 0 else "{}+ "
        rows.append((f"{lhs} &= " if i == 0 else "&\\quad ") + lead + lines[0])
        rows += [f"&\\qquad {ln}" for ln in lines[1:]]
    parts.append(_align(rows))
    return "".join(parts)


def _signed_terms(p, expr: sp.Expr) -> list[str]:
    out = []
    for i, t in enumerate(sp.Add.make_args(expr)):
        if t.could_extract_minus_sign():
            out.append(("-" if i == 0 else "- ") + p.parenthesize(-t, PRECEDENCE["Mul"]))
        else:
            out.append(("" if i == 0 else "+ ") + p._print(t))
    return out


def _product_rows(p, lhs: str, e: sp.Expr) -> list[str] | None:
    """A long product, factors packed into lines; a factor that is a long sum is broken
    inside \\bigl( ... \\bigr), one term per line. None if a piece is still too wide."""
    sign, items = _factors(p, e)
    facs = list(e.as_coeff_mul()[1])
    if len(items) > len(facs):
        facs.insert(0, None)
    limit = WIDTH - 12
    lines: list[str] = []
    cur = sign
    for it, f in zip(items, facs, strict=False):
        if width(it) <= limit:
            cand = f"{cur} {it}".strip() if cur not in ("", "-") else f"{cur}{it}"
            if width(cand) <= limit:
                cur = cand
            else:
                lines.append(cur)
                cur = f"\\cdot {it}"
            continue
        if f is None or not f.is_Add:
            return None
        terms = _signed_terms(p, f)
        if any(width(t) > limit - 4 for t in terms):
            return None
        lines.append(cur) if cur not in ("", "-") else None
        first = ("" if cur in ("", "-") else "\\cdot ") + (cur if cur == "-" else "")
        cur = f"{first}\\bigl({terms[0]}"
        for t in terms[1:]:
            if width(f"{cur} {t}") <= limit:
                cur = f"{cur} {t}"
            else:
                lines.append(cur)
                cur = f"\\quad {t}"
        cur += "\\bigr)"
    lines.append(cur)
    lines = [ln for ln in lines if ln]
    return [f"{lhs} &= {lines[0]}"] + [f"&\\quad {ln}" for ln in lines[1:]]


def _expanded_section(p, g: Graph, v: sp.Symbol, budget) -> str:
    lhs = _frac(p, g.output, v)
    est = estimate_expanded_size(g, v)
    if est > budget:
        return ("\\paragraph{Fully substituted.} Substituting every node would give an "
                f"expression of about {est:,} nodes, far too long to print; the chain form "
                "above is the same derivative.\n")
    e = expanded(g, v, budget=budget)
    s = size(e)
    tex = p._print(e)
    head = (f"\\paragraph{{Fully substituted.}} Every node written out in the leaves "
            f"({s.tree:,} node{'s' if s.tree != 1 else ''} in the expression tree):\n")
    if width(tex) <= WIDTH - 8:
        return head + _align([f"{lhs} &= {tex}"])
    terms = sp.Add.make_args(e)
    rows = None
    if len(terms) == 1:
        rows = _product_rows(p, lhs, e)
    else:
        items = [p._print(t) for t in terms]
        lines = _flow(items, " + ", "{}+ ", WIDTH - 10)
        if lines:
            rows = [f"{lhs} &= {lines[0]}"] + [f"&\\quad {ln}" for ln in lines[1:]]
    if rows is None or len(rows) > 40:
        return ("\\paragraph{Fully substituted.} Written out in the leaves this derivative "
                f"has {s.tree:,} nodes in its expression tree ({len(tex):,} characters of "
                "LaTeX): too long for a page, so it is left out; the chain form above is the "
                "same derivative.\n")
    return head + _align(rows)


def _values_section(p, g: Graph, at: Mapping) -> str:
    point = g.full_point(at)
    vals = g.evaluate(point)
    grads = backprop(g).evaluate(point)
    rows = [f"${p._print(s)}$ & ${_number(vals[s])}$ & ${_number(grads[s])}$ \\\\"
            for s in g.symbols]
    out = g.output
    head = (f"\\subsection*{{Values at the point}}\n"
            f"Forward values and, backward, the gradient "
            f"$\\partial {p._print(out)}/\\partial(\\cdot)$ of every leaf and node "
            f"(backpropagation starts from "
            f"$\\partial {p._print(out)}/\\partial {p._print(out)} = 1$).\n\n"
            "\\begin{center}\n\\begin{tabular}{lrr}\n\\toprule\n"
            f"symbol & value & $\\partial {p._print(out)}/\\partial(\\cdot)$ \\\\\n\\midrule\n")
    return head + "\n".join(rows) + "\n\\bottomrule\n\\end{tabular}\n\\end{center}\n"


def _update_section(p, g: Graph, v: sp.Symbol, at: Mapping, lr) -> str:
    grads = backprop(g).evaluate(g.point(at))
    val = g.point(at)[v]
    d = grads[v]
    lr_s = to_number(lr)
    new = val - lr_s * d
    lhs = _frac(p, g.output, v)
    w = p._print(v)
    return ("\\paragraph{Gradient descent.} With learning rate "
            f"$\\eta = {_number(lr_s)}$:\n" + _align([
                f"{lhs} &= {_number(d)}",
                (f"{w} &\\leftarrow {w} - \\eta {lhs} = {_number(val)} - {_number(lr_s)} "
                 f"\\cdot {_number(d) if d >= 0 else '(' + _number(d) + ')'} = {_number(new)}")]))


def matrix_latex(mf, explicit: bool = True) -> str:
    r"""LaTeX of the matrix form: the general equations, and entry by entry for small nets."""
    p = _printer(mf.net)
    L = len(mf.W)
    bold = lambda s: f"\\boldsymbol{{{s}}}"
    yhat = f"\\hat{{{bold('y')}}}"
    net = mf.net
    from_logits = net.loss_entry.from_logits
    rows = [(f"{bold('z')}^{{({'l'})}} &= W^{{(l)}} {bold('h')}^{{(l-1)}} + {bold('b')}^{{(l)}}, "
             f"\\quad {bold('h')}^{{(l)}} = a({bold('z')}^{{(l)}}), \\quad "
             f"{bold('h')}^{{(0)}} = {bold('x')}")]
    if from_logits:
        rows.append(f"{bold('delta')}^{{({L})}} &= \\nabla_{{{bold('z')}^{{({L})}}}} L "
                    f"= {yhat} - {bold('t')}")
    else:
        rows.append(f"{bold('delta')}^{{({L})}} &= \\nabla_{{{yhat}}} L \\odot "
                    f"a'({bold('z')}^{{({L})}})")
    rows.append(f"{bold('delta')}^{{(l)}} &= \\bigl((W^{{(l+1)}})^{{\\top}} "
                f"{bold('delta')}^{{(l+1)}}\\bigr) \\odot a'({bold('z')}^{{(l)}})")
    rows.append(f"\\frac{{\\partial L}}{{\\partial W^{{(l)}}}} &= {bold('delta')}^{{(l)}} "
                f"\\bigl({bold('h')}^{{(l-1)}}\\bigr)^{{\\top}}, \\quad "
                f"\\frac{{\\partial L}}{{\\partial {bold('b')}^{{(l)}}}} = {bold('delta')}^{{(l)}}")
    out = _align(rows).replace("\\boldsymbol{delta}", "\\boldsymbol{\\delta}")
    if not explicit or max(net.layers) > MAX_EXPLICIT:
        return out
    mat = lambda M: p._print(M).replace("\\left[", "\\begin{pmatrix}").replace(
        "\\right]", "\\end{pmatrix}").replace("\\begin{matrix}", "").replace("\\end{matrix}", "")
    blocks = []
    for l in range(L, 0, -1):
        i = l - 1
        rows = [f"{bold('delta')}^{{({l})}} &= {mat(mf.deltas[i])}",
                f"\\frac{{\\partial L}}{{\\partial W^{{({l})}}}} &= {mat(mf.dW[i])}"]
        blocks.append(_align(rows).replace("\\boldsymbol{delta}", "\\boldsymbol{\\delta}"))
    return out + "Layer by layer, with the deltas of the layer above as symbols:\n" + \
        "".join(blocks)


# ---- the document --------------------------------------------------------------------------------

PREAMBLE = r"""\documentclass[11pt,a4paper]{article}
\usepackage[margin=2cm]{geometry}
\usepackage{amsmath,amssymb}
\usepackage{booktabs}
\allowdisplaybreaks
\setlength{\parindent}{0pt}
\setlength{\parskip}{4pt}
"""


def notes(graph: Graph, wrt: Variables = None, at: Point | None = None,
          standalone: bool = True, lr: float | str = 0.5, title: str | None = None,
          budget: float | None = None) -> Notes:
    r"""LaTeX lecture notes deriving ∂L/∂v for each ``wrt`` (default: every parameter).

    ``at`` (leaf -> number) adds the table of values and gradients and the gradient-descent
    update with learning rate ``lr``. ``standalone=False`` gives a fragment for ``\input``
    (it needs amsmath, amssymb and booktabs).
    """
    budget = DEFAULT_BUDGET if budget is None else budget
    p = _printer(graph)
    g = graph
    variables = g.resolve(wrt) if wrt is not None else list(g.param_symbols or g.leaf_symbols)
    if at is not None:
        g.point(at)  # check names early
    if title is None:
        title = (f"Backpropagation through the {'-'.join(map(str, g.layers))} network"
                 if isinstance(g, Network) else
                 f"Backpropagation through the graph of ${p._print(g.output)}$")
    parts = [f"\\section*{{{title}}}\n"]
    if isinstance(g, Network):
        parts.append(f"Hidden activation: {_ACT_TEXT.get(g.activation, g.activation)}; output: "
                     f"{_ACT_TEXT.get(g.output_activation, g.output_activation)}.\n\n"
                     f"Loss: {_LOSS_TEXT.get(g.loss, g.loss)}.\n")
    parts.append("\\subsection*{Forward pass}\n")
    parts.append(_forward(p, g))
    if at is not None:
        parts.append(_values_section(p, g, at))
    for v in variables:
        parts.append(f"\\subsection*{{The derivative $\\partial {p._print(g.output)}/"
                     f"\\partial {p._print(v)}$}}\n")
        try:
            parts.append(_chain_section(p, g, v, budget))
        except ExpressionTooLargeError:
            parts.append("\\paragraph{Chain rule.} The paths are too many to write out.\n")
        parts.append(_expanded_section(p, g, v, budget))
        if at is not None and g.kind(v) == "param":
            parts.append(_update_section(p, g, v, at, lr))
    if isinstance(g, Network):
        parts.append("\\subsection*{Matrix form}\n")
        parts.append(matrix_latex(matrix_form(g)))
    body = "".join(parts)
    if standalone:
        return Notes(PREAMBLE + "\\begin{document}\n" + body + "\\end{document}\n")
    return Notes("% symbackprop lecture notes (needs \\usepackage{amsmath,amssymb,booktabs})\n"
                 + body)


_ACT_TEXT = {
    "a": "a generic $a(\\cdot)$", "sigmoid": "the logistic $\\sigma$", "tanh": "$\\tanh$",
    "relu": "ReLU (with $\\operatorname{ReLU}'(0) = 0$)", "identity": "the identity",
    "softplus": "softplus", "leaky_relu": "leaky ReLU (slope $1/100$)",
    "softmax": "softmax",
}
_LOSS_TEXT = {
    "half_se": "$E = \\frac12 \\sum_j (t_j - \\hat y_j)^2$",
    "mse": "mean squared error $L = \\frac1m \\sum_j (t_j - \\hat y_j)^2$",
    "bce": "binary cross-entropy on the logits, $L = \\sum_j \\operatorname{softplus}(z_j) "
           "- t_j z_j$",
    "softmax_ce": "softmax cross-entropy on the logits, $L = (\\sum_j t_j)"
                  "\\operatorname{LSE}(\\boldsymbol{z}) - \\sum_j t_j z_j$",
}


# ---- files ---------------------------------------------------------------------------------------

def write_notes(text: str, path: PathLike, force: bool = False) -> Path:
    """Write notes atomically; an existing file needs ``force=True``."""
    return write_text(path, text, force=force)


__all__ += ["compile_pdf"]
