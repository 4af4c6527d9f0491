r"""The text format: one ``name = expression`` a line, parsed without ever evaluating Python.

Names that are never assigned are leaves (inputs, unless a ``# params: ...`` or
``# targets: ...`` comment says otherwise; ``# inputs: ...`` fixes the order of inputs). The last
assignment is the output (or the one a ``# output: name`` comment names). Assignments may come in
any order; they are sorted so that each node follows what it uses, and a cycle is an error.

Allowed: numbers, names, ``+ - * / **``, parentheses, and calls of exp, log, sqrt, abs, sin, cos,
tanh, erf, atan, max, min and of every registered activation (sigmoid, relu, softplus,
leaky_relu, swish, gelu, and any registered at run time: :data:`FUNCTIONS` reads the
registry). The text goes through :func:`ast.parse` and a whitelist
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
from collections.abc import Mapping

import sympy as sp

from .errors import (
    CycleError,
    DuplicateNameError,
    InputTypeError,
    LimitError,
    ParseError,
    SymbackpropError,
)
from .graph import MAX_ARGS, MAX_DEPTH, MAX_EXPONENT, Graph
from .names import check_name
from .types import PathLike
from .values import MAX_DIGITS, has_too_many_digits

__all__ = ["FUNCTIONS", "parse_graph", "read_graph"]

_MATH = {
    "exp": sp.exp,
    "log": sp.log,
    "sqrt": sp.sqrt,
    "abs": sp.Abs,
    "sin": sp.sin,
    "cos": sp.cos,
    "tanh": sp.tanh,
    "erf": sp.erf,
    "atan": sp.atan,
    "max": sp.Max,
    "min": sp.Min,
}


class _Functions(Mapping):
    """The text format's functions: the math functions and every registered activation (the
    generic ``a`` and ``identity`` aside), read from the registry when a text is parsed, so an
    activation registered at run time can be called by name."""

    _cache: tuple[int, dict] = (-1, {})

    def _table(self) -> dict:
        from .registry import ACTIVATIONS
        names = list(ACTIVATIONS)  # loads the entry points first, which may register some
        if self._cache[0] != ACTIVATIONS.version:  # rebuilt only when the registry changed
            out = dict(_MATH)
            for name in names:
                if name not in ("a", "identity") and name not in out:
                    out[name] = ACTIVATIONS[name]
            self._cache = (ACTIVATIONS.version, out)
        return self._cache[1]

    def __getitem__(self, name: str):
        return self._table()[name]

    def __iter__(self):
        return iter(self._table())

    def __len__(self) -> int:
        return len(self._table())

    def __contains__(self, name: object) -> bool:
        return name in self._table()


FUNCTIONS = _Functions()
"""Name -> function, for the text format (a live view of the registry)."""
_ARITY = {"max": None, "min": None}  # any number >= 2; the rest take exactly one

MAX_CHARS = 1_000_000
"""Longest text accepted (characters); a file is measured before it is read."""
MAX_LINES = 20_000
"""Most assignments in one text."""
_DECL = re.compile(r"#\s*(params|param|parameters|targets|target|inputs|input|output)\s*:(.*)",
                   re.IGNORECASE)


def _err(msg: str, node: ast.AST | None, lines: list[str]) -> ParseError:
    if node is None or not hasattr(node, "lineno"):
        return ParseError(msg)
    line = node.lineno  # hasattr above
    col = node.col_offset + 1  # type: ignore[attr-defined]
    return ParseError(msg, line, col, lines[line - 1] if 0 < line <= len(lines) else None)


def _located(cls, msg: str, node: ast.AST | None, lines: list[str], line: int | None = None,
             col: int | None = None):
    """An error of class ``cls`` that keeps ``line`` and ``col`` like a :class:`ParseError`."""
    if node is not None and hasattr(node, "lineno"):
        line, col = node.lineno, node.col_offset + 1  # type: ignore[attr-defined]
    where = ParseError(msg, line, col, lines[line - 1] if line and 0 < line <= len(lines) else None)
    err = cls(where.message)
    err.line, err.col, err.reason = line, col, msg
    return err


def _valid(n: str) -> bool:
    try:
        return check_name(n) == n
    except SymbackpropError:
        return False


def _too_long(n: str) -> str | None:
    """The message for a name past :data:`~symbackprop.core.names.MAX_NAME_LENGTH` (its length
    and the limit), or None."""
    try:
        check_name(n)
    except LimitError as e:
        return str(e)
    except SymbackpropError:
        return None
    return None


def _too_many_digits(v: sp.Expr) -> bool:
    return bool(v.is_Rational) and has_too_many_digits(v)


class _Builder:
    """Turns one whitelisted expression tree into SymPy, refusing everything else."""

    def __init__(self, lines: list[str], symbols: dict[str, sp.Symbol]):
        self.lines = lines
        self.symbols = symbols
        self.used: list[str] = []
        self.terms: list[sp.Expr] | None = None  # the top-level sum's terms, in source order

    def name(self, n: str, node: ast.AST) -> sp.Symbol:
        long = _too_long(n)
        if long:
            raise _err(long, node, self.lines)
        if not _valid(n):
            raise _err(f"name {n!r} is not allowed: names start with a letter and use letters, "
                       "digits and _", node, self.lines)
        if n in FUNCTIONS:
            raise _err(f"{n!r} is a function; call it as {n}(...)", node, self.lines)
        if n not in self.symbols:
            self.symbols[n] = sp.Symbol(n, real=True)
        if n not in self.used:
            self.used.append(n)
        return self.symbols[n]

    def build(self, node: ast.AST, depth: int = 1) -> sp.Expr:
        if depth > MAX_DEPTH:
            raise _err(f"the expression is nested more than {MAX_DEPTH} levels deep; split it "
                       "into several lines", node, self.lines)
        if isinstance(node, ast.Constant):
            v = node.value
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise _err(f"only numbers are allowed as constants, not {type(v).__name__} "
                           f"{v!r}"[:120], node, self.lines)
            if isinstance(v, int):
                if has_too_many_digits(v):
                    raise _err(f"the constant has more than {MAX_DIGITS:,} digits", node,
                               self.lines)
                return sp.Integer(v)
            if not math.isfinite(v):
                raise _err(f"the constant {v!r} is not finite", node, self.lines)
            return sp.Float(repr(v))
        if isinstance(node, ast.Name):
            return self.name(node.id, node)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            inner = self.build(node.operand, depth + 1)
            return -inner if isinstance(node.op, ast.USub) else inner
        if isinstance(node, ast.BinOp):
            kind = type(node.op)
            if kind not in (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow):
                raise _err(f"operator {type(node.op).__name__} is not allowed; use + - * / **",
                           node, self.lines)
            if kind is ast.Pow:
                out = self.power(self.build(node.left, depth + 1),
                                 self.build(node.right, depth + 1), node)
            else:
                out = self.chain(node, depth)
            if _too_many_digits(out):
                raise _err(f"this constant would have more than {MAX_DIGITS:,} digits", node,
                           self.lines)
            return out
        if isinstance(node, ast.Call):
            f = node.func
            if isinstance(f, ast.Attribute):
                raise _err("attribute access (a.b) is not allowed in the text format", f,
                           self.lines)
            if not isinstance(f, ast.Name):
                raise _err("only calls of plain function names are allowed "
                           f"({', '.join(FUNCTIONS)})", node, self.lines)
            if f.id not in FUNCTIONS:
                raise _err(f"unknown function {f.id[:40]!r}; allowed: {', '.join(FUNCTIONS)}",
                           node, self.lines)
            if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
                raise _err(f"{f.id}() takes plain positional arguments only", node, self.lines)
            if f.id in _ARITY:
                if len(node.args) < 2:
                    raise _err(f"{f.id}() needs at least 2 arguments", node, self.lines)
                if len(node.args) > MAX_ARGS:
                    raise _err(f"{f.id}() takes at most {MAX_ARGS} arguments, got "
                               f"{len(node.args)}; nest them in several lines", node,
                               self.lines)
            elif len(node.args) != 1:
                raise _err(f"{f.id}() takes exactly 1 argument, got {len(node.args)}", node,
                           self.lines)
            args = [self.build(a, depth + 1) for a in node.args]
            if f.id == "log" and args[0].is_number and args[0].is_zero:
                raise _err("log(0) is not finite", node, self.lines)
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
            ast.Await: "await", ast.Yield: "yield", ast.YieldFrom: "yield",
        }.get(type(node), type(node).__name__)
        raise _err(f"{what} is not allowed in the text format", node, self.lines)

    def chain(self, node: ast.BinOp, depth: int) -> sp.Expr:
        """A run of ``+``/``-`` (or of ``*``/``/``) as one sum (product): one level deep.

        ``w1*x1 + ... + w64*x64`` is a flat sum, not 64 levels of nesting: its operands are
        collected without recursion and each is built one level down. A run of up to
        :data:`MAX_DEPTH` operands is combined left to right, as Python reads it; a longer one
        in one step (``sympy.Add(*terms)``), so that its cost stays linear.
        """
        additive = isinstance(node.op, (ast.Add, ast.Sub))
        run = (ast.Add, ast.Sub) if additive else (ast.Mult, ast.Div)
        operands: list[tuple[ast.AST, bool, ast.AST]] = []  # (operand, negated/inverted, op)
        stack: list[tuple[ast.AST, bool, ast.AST]] = [(node, False, node)]
        while stack:
            n, flip, at = stack.pop()
            if isinstance(n, ast.BinOp) and isinstance(n.op, run):
                inverse = isinstance(n.op, (ast.Sub, ast.Div))
                stack.append((n.right, flip != inverse, n))
                stack.append((n.left, flip, n))
            else:
                operands.append((n, flip, at))
        parts = []
        for n, flip, at in operands:
            v = self.build(n, depth + 1)
            if flip and not additive and v.is_zero:
                raise _err("division by zero", at, self.lines)
            parts.append(v if not flip else -v if additive else 1 / v)
        self.check_constants(parts, additive, node)
        if additive and depth == 1 and self.terms is None:
            self.terms = list(parts)
        if len(parts) > MAX_DEPTH:
            return sp.Add(*parts) if additive else sp.Mul(*parts)
        out = parts[0]
        for v in parts[1:]:
            out = out + v if additive else out * v
        return out

    def check_constants(self, parts: list[sp.Expr], additive: bool, node: ast.AST) -> None:
        """Refuse a sum or product whose constants would grow past :data:`MAX_DIGITS` digits.

        The coefficients that SymPy will combine (of like terms in a sum; the numbers and the
        rational exponents of each base in a product) are combined here one at a time and
        checked at each step, so no combination ever works on a number much past the limit.
        """
        sums: dict[sp.Expr, sp.Expr] = {}
        product = sp.S.One
        for p in parts:
            for a in (sp.Add.make_args(p) if additive else sp.Mul.make_args(p)):
                if additive:
                    c, key = a.as_coeff_Mul()
                elif a.is_Number:
                    product = c = product * a
                    key = None
                else:
                    key, c = a.as_base_exp()
                    if not c.is_Rational:
                        continue
                if key is not None:
                    c = sums[key] = sums.get(key, sp.S.Zero) + c
                if c.is_Rational and has_too_many_digits(c):
                    raise _err(f"this constant would have more than {MAX_DIGITS:,} digits",
                               node, self.lines)

    def power(self, a: sp.Expr, b: sp.Expr, node: ast.AST) -> sp.Expr:
        if a.is_zero and (b.is_negative or b.is_zero):
            raise _err("0 to a non-positive power is undefined", node, self.lines)
        if b.is_Integer:
            n = abs(int(b))
            if a.is_Rational and not (a.is_zero or abs(a) == 1):
                # |p|, q >= 2**(bits - 1): past this bound the power is surely too long, so it
                # is refused before it is computed; below it, it is computed and counted exactly
                bits = max(abs(a.p), a.q).bit_length()
                if n.bit_length() > 64 or n * (bits - 1) > MAX_DIGITS * math.log2(10) + 1:
                    raise _err(f"this power would have more than {MAX_DIGITS:,} digits", node,
                               self.lines)
            elif not a.is_Number and n > MAX_EXPONENT:
                raise _err(f"the exponent {b} is too large (the limit is {MAX_EXPONENT:,})",
                           node, self.lines)
        elif b.is_number and not b.is_Integer and a.is_number and (a.is_negative or a.is_zero):
            raise _err("a negative number to a fractional power is not real", node, self.lines)
        out = a ** b
        # nested powers fold: (x**1000)**1000 is x**1000000
        if out.is_Pow and out.exp.is_Integer and not out.base.is_Number \
                and abs(int(out.exp)) > MAX_EXPONENT:
            raise _err(f"the exponent {out.exp} is too large (the limit is {MAX_EXPONENT:,})",
                       node, self.lines)
        if out.has(sp.I, sp.zoo, sp.nan):
            raise _err("this power is not a finite real number", node, self.lines)
        return out


def parse_graph(text: str, name: str | None = None) -> Graph:
    """Build a :class:`Graph` from the text format (see the module docstring).

    Raises :class:`ParseError` (with line and column) for anything outside the format.

    >>> import symbackprop as sb
    >>> sb.parse_graph("f = __import__('os').system('echo hi')")
    Traceback (most recent call last):
    ...
    symbackprop.core.errors.ParseError: line 1, column 5: attribute access (a.b) is not allowed in the text format
        f = __import__('os').system('echo hi')
            ^
    """
    if not isinstance(text, str):
        raise InputTypeError(f"the text format must be a str, not {type(text).__name__}")
    if len(text) > MAX_CHARS:
        raise LimitError(f"the text has {len(text):,} characters; the limit is {MAX_CHARS:,}")
    if "\x00" in text:
        raise ParseError("the text holds a NUL character; is it a binary file?")
    text = text.removeprefix("\ufeff")  # a byte-order mark, as some editors write; Python reads one
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
            if not _valid(n) or n in FUNCTIONS:
                col = raw.index(n) + 1
                raise ParseError(_too_long(n) or f"{n!r} cannot be a name", i, col, raw)
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
    except RecursionError:  # Python's own parser recurses once per operator of a run
        raise ParseError("the text could not be parsed: an expression is nested too deeply or "
                         "is too long a run of operators for Python's parser (a sum of a few "
                         "thousand terms, say); split it into several lines") from None
    except (MemoryError, ValueError) as e:
        raise ParseError(f"the text could not be parsed: {type(e).__name__}") from None
    if len(tree.body) > MAX_LINES:
        raise LimitError(f"the text has {len(tree.body):,} assignments; the limit is "
                         f"{MAX_LINES:,}")

    symbols: dict[str, sp.Symbol] = {}
    defs: dict[str, tuple[sp.Expr, list[str], ast.AST]] = {}
    terms: dict[str, list[sp.Expr]] = {}
    order: list[str] = []
    for stmt in tree.body:
        if not isinstance(stmt, ast.Assign):
            raise _err("each line must be an assignment 'name = expression'", stmt, lines)
        if len(stmt.targets) != 1 or not isinstance(stmt.targets[0], ast.Name):
            raise _err("assign to exactly one plain name per line", stmt, lines)
        target = stmt.targets[0]
        tname = target.id
        if not _valid(tname):
            raise _err(_too_long(tname) or f"name {tname!r} is not allowed", target, lines)
        if tname in FUNCTIONS:
            raise _err(f"{tname!r} is a function name and cannot be assigned", target, lines)
        if tname in defs:
            raise _located(DuplicateNameError, f"{tname!r} is assigned twice (first on line "
                           f"{defs[tname][2].lineno})", target,  # type: ignore[attr-defined]
                           lines)
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
        if builder.terms is not None and len(builder.terms) <= MAX_DEPTH:
            terms[tname] = builder.terms
        order.append(tname)
    if not defs:
        raise ParseError("no assignment found; write one 'name = expression' per line")

    placed = _sorted_definitions(order, defs, lines)

    g = Graph(name=name)
    leaves = list(dict.fromkeys(u for n in order for u in defs[n][1] if u not in defs))
    declared = {n for entries in decl.values() for n, _ in entries}
    seen_decl: dict[str, int] = {}
    for entries in decl.values():
        for n, line in entries:
            if n in seen_decl:
                raise _located(DuplicateNameError, f"{n!r} is declared twice (first on line "
                               f"{seen_decl[n]})", None, lines, line, 1)
            seen_decl[n] = line
    # a declared leaf that no line uses is still a leaf (its gradient is 0)
    ordered_inputs = [n for n, _ in decl["input"]] + [n for n in leaves if n not in declared]
    if ordered_inputs:
        g.inputs(ordered_inputs)
    if decl["param"]:
        g.params([n for n, _ in decl["param"]])
    if decl["target"]:
        g.targets([n for n, _ in decl["target"]])
    for n in placed:
        expr, _, stmt = defs[n]  # type: ignore[assignment]  # a statement node
        try:
            g.node(n, expr.xreplace({s: g.symbol(s.name) for s in expr.free_symbols}))
            if n in terms:  # the sum's terms as written, for printing in the source order
                g.source_terms[n] = tuple(t.xreplace({s: g.symbol(s.name)
                                                      for s in t.free_symbols})
                                          for t in terms[n])
        except SymbackpropError as e:
            raise _err(str(e), stmt, lines) from None
    out = output_name[0] if output_name else order[-1]
    if out not in defs:
        line = output_name[1] if output_name else 1
        raise ParseError(f"the output {out!r} is not assigned", line, 1, lines[line - 1])
    g.output = out
    return g


def _sorted_definitions(order: list[str], defs: dict, lines: list[str]) -> list[str]:
    """The definitions in an order where each follows what it uses (stable: text order first).

    Iterative depth-first search, so thousands of definitions in reverse order sort without
    recursion; a cycle is a :class:`CycleError` with the line of its first definition.
    """
    placed: list[str] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: placed
    for root in order:
        if state.get(root) == 2:
            continue
        stack = [(root, iter([u for u in defs[root][1] if u in defs]))]
        path = [root]
        state[root] = 1
        while stack:
            node, deps = stack[-1]
            for u in deps:
                if state.get(u) == 2:
                    continue
                if state.get(u) == 1:
                    cyc = [*path[path.index(u):], u]
                    raise _located(CycleError, f"cycle: {' -> '.join(cyc)}", defs[u][2], lines)
                state[u] = 1
                path.append(u)
                stack.append((u, iter([v for v in defs[u][1] if v in defs])))
                break
            else:
                stack.pop()
                path.pop()
                state[node] = 2
                placed.append(node)
    return placed


def read_graph(path: PathLike) -> Graph:
    """Read a graph in the text format from a file (its size is checked before reading)."""
    import os
    from pathlib import Path
    if not isinstance(path, (str, os.PathLike)):
        raise InputTypeError(f"read_graph needs a file path (str or pathlib.Path), not "
                             f"{type(path).__name__}")
    p = Path(path)
    try:
        if not p.is_file():
            if p.exists():
                raise ParseError(f"{str(p)!r} is not a regular file")
            raise ParseError(f"{str(p)!r} does not exist")
        size = p.stat().st_size
        if size > MAX_CHARS * 4:
            raise LimitError(f"{str(p)!r} has {size:,} bytes; the text format is limited to "
                             f"{MAX_CHARS:,} characters")
        with p.open("rb") as fh:
            raw = fh.read(MAX_CHARS * 4 + 1)
    except OSError as e:
        raise ParseError(f"cannot read {str(p)!r}: {e.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ParseError(f"{str(p)!r} is not UTF-8 text") from None
    return parse_graph(text, name=p.stem)
