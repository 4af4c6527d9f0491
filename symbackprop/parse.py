r"""The text format: one ``name = expression`` a line, parsed without ever evaluating Python.

Names that are never assigned are leaves (inputs, unless a ``# params: ...`` or
``# targets: ...`` comment says otherwise; ``# inputs: ...`` fixes the order of inputs). The last
assignment is the output (or the one a ``# output: name`` comment names). Assignments may come in
any order; they are sorted so that each node follows what it uses, and a cycle is an error.

Allowed: numbers, names, ``+ - * / **``, parentheses, and calls of exp, log, sqrt, abs, sin, cos,
tanh, sigmoid, relu, softplus, max, min. The text goes through :func:`ast.parse` and a whitelist
of node types: nothing is passed to ``eval``, ``exec``, ``sympify`` or ``parse_expr``, so
attribute access, subscripts, strings, lambdas, imports and calls of other names are refused with
their line and column.

Examples
========
>>> import symbackprop as sb
>>> g = sb.parse_graph('''
... # params: w b
... # targets: t
... z = w*x + b
... h = sigmoid(z)
... E = (t - h)**2 / 2
... ''')
>>> print(g)
inputs: x
params: w, b
targets: t
let z = b + w*x
    h = sigmoid(z)
    E = (-h + t)**2/2
in  E
"""

from __future__ import annotations

import ast
import math
import re

import sympy as sp

from .errors import CycleError, DuplicateNameError, ParseError
from .functions import relu, sigmoid, softplus
from .graph import Graph

__all__ = ["FUNCTIONS", "parse_graph", "read_graph"]

FUNCTIONS = {
    "exp": sp.exp,
    "log": sp.log,
    "sqrt": sp.sqrt,
    "abs": sp.Abs,
    "sin": sp.sin,
    "cos": sp.cos,
    "tanh": sp.tanh,
    "sigmoid": sigmoid,
    "relu": relu,
    "softplus": softplus,
    "max": sp.Max,
    "min": sp.Min,
}
_ARITY = {"max": None, "min": None}  # any number >= 2; the rest take exactly one

MAX_CHARS = 1_000_000
MAX_DIGITS = 10_000  # largest exact integer a constant power may produce
MAX_EXPONENT = 1_000  # largest integer exponent of a symbolic base
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
_DECL = re.compile(r"#\s*(params|param|parameters|targets|target|inputs|input|output)\s*:(.*)",
                   re.IGNORECASE)


def _err(msg: str, node: ast.AST | None, lines: list[str]) -> ParseError:
    if node is None or not hasattr(node, "lineno"):
        return ParseError(msg)
    line = node.lineno
    col = node.col_offset + 1
    return ParseError(msg, line, col, lines[line - 1] if 0 < line <= len(lines) else None)


class _Builder:
    """Turns one whitelisted expression tree into SymPy, refusing everything else."""

    def __init__(self, lines: list[str], symbols: dict[str, sp.Symbol]):
        self.lines = lines
        self.symbols = symbols
        self.used: list[str] = []

    def name(self, n: str, node: ast.AST) -> sp.Symbol:
        if n.startswith("_") or not _NAME.match(n):
            raise _err(f"name {n!r} is not allowed: names start with a letter and use letters, "
                       "digits and _", node, self.lines)
        if n in FUNCTIONS:
            raise _err(f"{n!r} is a function; call it as {n}(...)", node, self.lines)
        if n not in self.symbols:
            self.symbols[n] = sp.Symbol(n, real=True)
        if n not in self.used:
            self.used.append(n)
        return self.symbols[n]

    def build(self, node: ast.AST) -> sp.Expr:  # noqa: PLR0911, PLR0912
        if isinstance(node, ast.Constant):
            v = node.value
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise _err(f"only numbers are allowed as constants, not {type(v).__name__} "
                           f"{v!r}", node, self.lines)
            if isinstance(v, float) and not math.isfinite(v):
                raise _err(f"the constant {v!r} is not finite", node, self.lines)
            return sp.Integer(v) if isinstance(v, int) else sp.Float(repr(v))
        if isinstance(node, ast.Name):
            return self.name(node.id, node)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            inner = self.build(node.operand)
            return -inner if isinstance(node.op, ast.USub) else inner
        if isinstance(node, ast.BinOp):
            ops = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
            kind = type(node.op)
            if kind not in ops:
                raise _err(f"operator {type(node.op).__name__} is not allowed; use + - * / **",
                           node, self.lines)
            a = self.build(node.left)
            b = self.build(node.right)
            if kind is ast.Add:
                return a + b
            if kind is ast.Sub:
                return a - b
            if kind is ast.Mult:
                return a * b
            if kind is ast.Div:
                if b == 0:
                    raise _err("division by zero", node, self.lines)
                return a / b
            return self.power(a, b, node)
        if isinstance(node, ast.Call):
            f = node.func
            if isinstance(f, ast.Attribute):
                raise _err("attribute access (a.b) is not allowed in the text format", f,
                           self.lines)
            if not isinstance(f, ast.Name):
                raise _err("only calls of plain function names are allowed "
                           f"({', '.join(FUNCTIONS)})", node, self.lines)
            if f.id not in FUNCTIONS:
                raise _err(f"unknown function {f.id!r}; allowed: {', '.join(FUNCTIONS)}",
                           node, self.lines)
            if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
                raise _err(f"{f.id}() takes plain positional arguments only", node, self.lines)
            args = [self.build(a) for a in node.args]
            if f.id in _ARITY:
                if len(args) < 2:
                    raise _err(f"{f.id}() needs at least 2 arguments", node, self.lines)
            elif len(args) != 1:
                raise _err(f"{f.id}() takes exactly 1 argument, got {len(args)}", node, self.lines)
            return FUNCTIONS[f.id](*args)
        what = {
            ast.Attribute: "attribute access (a.b)",
            ast.Subscript: "subscripts (a[i])",
            ast.Lambda: "lambda",
            ast.ListComp: "comprehensions", ast.GeneratorExp: "comprehensions",
            ast.SetComp: "comprehensions", ast.DictComp: "comprehensions",
            ast.Compare: "comparisons", ast.BoolOp: "and/or", ast.IfExp: "if-else",
            ast.JoinedStr: "strings", ast.List: "lists", ast.Tuple: "tuples",
            ast.Dict: "dicts", ast.Set: "sets", ast.NamedExpr: ":=", ast.Starred: "*args",
        }.get(type(node), type(node).__name__)
        raise _err(f"{what} is not allowed in the text format", node, self.lines)

    def power(self, a: sp.Expr, b: sp.Expr, node: ast.AST) -> sp.Expr:
        if b.is_Integer and abs(int(b)) > MAX_EXPONENT and not (a.is_Number and abs(a) in (0, 1)):
            if a.is_Number and a.is_Rational:
                digits = abs(int(b)) * max(math.log10(max(abs(a.p), abs(a.q))), 1)
                raise _err(f"this power would have about {digits:.3g} digits; the limit is "
                           f"{MAX_DIGITS:,}", node, self.lines)
            raise _err(f"the exponent {b} is too large (the limit is {MAX_EXPONENT:,})",
                       node, self.lines)
        if a.is_Rational and b.is_Integer:
            digits = abs(int(b)) * math.log10(max(abs(a.p), abs(a.q), 1))
            if digits > MAX_DIGITS:
                raise _err(f"this power would have about {digits:.3g} digits; the limit is "
                           f"{MAX_DIGITS:,}", node, self.lines)
        if a == 0 and (b.is_negative or b == 0):
            raise _err("0 to a non-positive power is undefined", node, self.lines)
        return a ** b


def parse_graph(text: str, name: str | None = None) -> Graph:
    """Build a :class:`Graph` from the text format (see the module docstring).

    Raises :class:`ParseError` (with line and column) for anything outside the format.

    >>> import symbackprop as sb
    >>> sb.parse_graph("f = __import__('os').system('echo hi')")
    Traceback (most recent call last):
    ...
    symbackprop.errors.ParseError: line 1, column 5: attribute access (a.b) is not allowed in the text format
        f = __import__('os').system('echo hi')
            ^
    """
    if not isinstance(text, str):
        raise ParseError(f"the text format must be a str, not {type(text).__name__}")
    if len(text) > MAX_CHARS:
        raise ParseError(f"the text has {len(text):,} characters; the limit is {MAX_CHARS:,}")
    lines = text.splitlines()
    decl: dict[str, list[tuple[str, int]]] = {"param": [], "target": [], "input": []}
    output_name: tuple[str, int] | None = None
    for i, raw in enumerate(lines, 1):
        m = _DECL.match(raw.strip())
        if not m:
            continue
        kind = m.group(1).lower().rstrip("s")
        kind = {"parameter": "param"}.get(kind, kind)
        names = m.group(2).replace(",", " ").split()
        for n in names:
            if not _NAME.match(n) or n in FUNCTIONS:
                col = raw.index(n) + 1
                raise ParseError(f"{n!r} cannot be a name", i, col, raw)
        if kind == "output":
            if len(names) != 1:
                raise ParseError("# output: takes exactly one name", i, 1, raw)
            output_name = (names[0], i)
        else:
            decl[kind].extend((n, i) for n in names)
    try:
        tree = ast.parse(text, mode="exec")
    except SyntaxError as e:
        line = e.lineno or 1
        raise ParseError(f"not valid syntax ({e.msg})", line, e.offset or 1,
                         lines[line - 1] if 0 < line <= len(lines) else None) from None
    except (RecursionError, MemoryError, ValueError) as e:
        raise ParseError(f"the text could not be parsed: {type(e).__name__}") from None

    symbols: dict[str, sp.Symbol] = {}
    defs: dict[str, tuple[sp.Expr, list[str], ast.AST]] = {}
    order: list[str] = []
    for stmt in tree.body:
        if not isinstance(stmt, ast.Assign):
            raise _err("each line must be an assignment 'name = expression'", stmt, lines)
        if len(stmt.targets) != 1 or not isinstance(stmt.targets[0], ast.Name):
            raise _err("assign to exactly one plain name per line", stmt, lines)
        target = stmt.targets[0]
        tname = target.id
        if tname.startswith("_") or not _NAME.match(tname):
            raise _err(f"name {tname!r} is not allowed", target, lines)
        if tname in FUNCTIONS:
            raise _err(f"{tname!r} is a function name and cannot be assigned", target, lines)
        if tname in defs:
            raise DuplicateNameError(str(_err(f"{tname!r} is assigned twice (first on line "
                                              f"{defs[tname][2].lineno})", target, lines)))
        for kind, entries in decl.items():
            if any(n == tname for n, _ in entries):
                raise _err(f"{tname!r} is declared as a {kind} leaf and cannot be assigned",
                           target, lines)
        builder = _Builder(lines, symbols)
        try:
            expr = builder.build(stmt.value)
        except RecursionError:
            raise _err("the expression is nested too deeply", stmt, lines) from None
        defs[tname] = (expr, builder.used, stmt)
        order.append(tname)
    if not defs:
        raise ParseError("no assignment found; write one 'name = expression' per line")

    # sort the definitions so that each follows what it uses (stable: keep the text order)
    placed: list[str] = []
    state: dict[str, int] = {}

    def visit(n: str, trail: list[str]) -> None:
        if state.get(n) == 2:
            return
        if state.get(n) == 1:
            cyc = trail[trail.index(n):] + [n]
            stmt = defs[n][2]
            raise CycleError(str(_err(f"cycle: {' -> '.join(cyc)}", stmt, lines)))
        state[n] = 1
        for u in defs[n][1]:
            if u in defs:
                visit(u, [*trail, n])
        state[n] = 2
        placed.append(n)

    for n in order:
        visit(n, [])

    g = Graph(name=name)
    leaves = [u for n in order for u in defs[n][1] if u not in defs]
    leaves = list(dict.fromkeys(leaves))
    declared = {n for entries in decl.values() for n, _ in entries}
    seen_decl: dict[str, int] = {}
    for entries in decl.values():
        for n, line in entries:
            if n in seen_decl:
                raise DuplicateNameError(str(ParseError(
                    f"{n!r} is declared twice (first on line {seen_decl[n]})", line, 1,
                    lines[line - 1])))
            seen_decl[n] = line
    # a declared leaf that no line uses is still a leaf (its gradient is 0)
    ordered_inputs = [n for n, _ in decl["input"]] + [
        n for n in leaves if n not in declared]
    if ordered_inputs:
        g.inputs(ordered_inputs)
    if decl["param"]:
        g.params([n for n, _ in decl["param"]])
    if decl["target"]:
        g.targets([n for n, _ in decl["target"]])
    for n in placed:
        expr = defs[n][0].xreplace({s: g.symbol(s.name) for s in defs[n][0].free_symbols})
        g.node(n, expr)
    out = output_name[0] if output_name else order[-1]
    if out not in defs:
        line = output_name[1] if output_name else 1
        raise ParseError(f"the output {out!r} is not assigned", line, 1, lines[line - 1])
    g.output = out
    return g


def read_graph(path) -> Graph:
    """Read a graph in the text format from a file."""
    from pathlib import Path
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as e:
        raise ParseError(f"cannot read {str(p)!r}: {e.strerror}") from None
    except UnicodeDecodeError:
        raise ParseError(f"{str(p)!r} is not UTF-8 text") from None
    return parse_graph(text, name=p.stem)
