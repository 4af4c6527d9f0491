"""Graph: an ordered DAG of named intermediates, like a small straight-line program.

Leaves (inputs, parameters, targets) are real SymPy Symbols. Each node is a Symbol defined by a
local expression over earlier symbols. The last node added is the output unless set otherwise.

Examples
========
>>> import symbackprop as sb
>>> g = sb.Graph()
>>> x, y, z = g.inputs("x y z")
>>> q = g.node("q", x + y)
>>> f = g.node("f", q * z)
>>> print(g)
inputs: x, y, z
let q = x + y
    f = q*z
in  f
>>> g.evaluate({x: -2, y: 5, z: -4})[f]
-12
"""

from __future__ import annotations

import numbers
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import sympy as sp

from .errors import CycleError, DuplicateNameError, SymbackpropError, UnknownVariableError

__all__ = ["Graph", "Node", "ProgramSymbol", "canonical_name", "to_number"]

LEAF_KINDS = ("input", "param", "target")


@dataclass(frozen=True)
class Node:
    """One named intermediate, e.g. ``q = x + y``.

    ``op`` is a key for display rules ("add", "mul", "sigmoid", "affine", ...); ``inputs`` are the
    names of the symbols the local expression uses, in first-use order.
    """

    name: str
    op: str
    inputs: tuple[str, ...]
    expr: sp.Expr
    symbol: sp.Symbol = field(compare=False)

    def __str__(self) -> str:
        return f"{self.name} = {sp.sstr(self.expr)}"


def _op_of(expr: sp.Expr) -> str:
    if isinstance(expr, sp.Symbol):
        return "copy"
    if expr.is_Add:
        return "add"
    if expr.is_Mul:
        return "mul"
    if expr.is_Pow:
        return "pow"
    if isinstance(expr, sp.Function) or isinstance(expr, sp.core.function.AppliedUndef):
        return type(expr).__name__.lower()
    if expr.is_Number:
        return "const"
    return type(expr).__name__.lower()


def canonical_name(name: str) -> str:
    """A name as Python reads it: Unicode NFKC normal form (so ``ｘ`` and ``x`` are one name).

    >>> canonical_name("ｘ１") == "x1"
    True
    """
    return unicodedata.normalize("NFKC", name)


def to_number(value: Any) -> sp.Expr:
    """Turn a user-given value into an exact SymPy number when it is exact, else a Float.

    >>> to_number(3), to_number(0.5), to_number("1/3")
    (3, 0.500000000000000, 1/3)
    """
    if isinstance(value, sp.Basic):
        if not value.is_number:
            raise SymbackpropError(f"a value must be a number, not the expression {value}")
        return value
    if isinstance(value, bool):
        raise SymbackpropError(f"a value must be a number, not the boolean {value!r}")
    if isinstance(value, numbers.Integral):
        return sp.Integer(int(value))
    if isinstance(value, Fraction):
        return sp.Rational(value.numerator, value.denominator)
    if isinstance(value, numbers.Real):
        return sp.Float(float(value))
    if isinstance(value, str):
        text = value.strip()
        try:
            if "/" in text:
                num, den = text.split("/")
                return sp.Rational(int(num), int(den))
            if text.lstrip("+-").isdigit():
                return sp.Integer(int(text))
            return sp.Float(float(text))
        except (ValueError, ZeroDivisionError):
            raise SymbackpropError(f"{value!r} is not a number") from None
    raise SymbackpropError(f"{value!r} (a {type(value).__name__}) is not a number")


class ProgramSymbol(sp.Symbol):
    """A variable the backprop program makes: a node's delta or a leaf's gradient.

    It is its own class, so it never equals a user's Symbol, even one with the same name (a
    node called ``delta_a`` stays distinct from the delta of ``a``). ``kind`` is ``"delta"`` or
    ``"grad"``, ``of`` the name of the graph symbol it belongs to and ``out`` the output's name.
    """

    __slots__ = ("kind", "of", "out")

    def __new__(cls, name: str, kind: str, of: str, out: str, **assumptions):
        assumptions.setdefault("real", True)
        cls._sanitize(assumptions, cls)
        obj = sp.Symbol.__xnew__(cls, name, **assumptions)
        obj.kind, obj.of, obj.out = kind, of, out
        return obj

    def __getnewargs_ex__(self):
        return ((self.name, self.kind, self.of, self.out), self._assumptions_orig)

    def _hashable_content(self):
        return sp.Symbol._hashable_content(self) + (self.kind, self.of, self.out)


class Graph:
    """An ordered DAG of named SymPy intermediates with one output (usually a loss)."""

    def __init__(self, name: str | None = None):
        self.name = name
        self._symbols: dict[str, sp.Symbol] = {}
        self._kinds: dict[str, str] = {}
        self._nodes: dict[str, Node] = {}
        self._output: sp.Symbol | None = None
        self.meta: dict[str, dict] = {}  # per name: layer, indices, role (for printers)
        self._cache: dict = {}

    # ---- building -------------------------------------------------------------------------
    def _leaves(self, names: str | Iterable[str], kind: str):
        if isinstance(names, str):
            split = names.replace(",", " ").split()
        else:
            split = list(names)
        if not split:
            raise SymbackpropError(f"no names given for the {kind}s")
        out = []
        for n in split:
            n = self._check_new_name(n)
            s = sp.Symbol(n, real=True)
            self._symbols[n] = s
            self._kinds[n] = kind
            out.append(s)
        self._cache.clear()
        if isinstance(names, str) and len(split) == 1 and "," not in names:
            return out[0]
        return tuple(out)

    def inputs(self, names: str | Iterable[str]):
        """Declare input leaves; returns their Symbols (one Symbol for one name, like sympy.symbols)."""
        return self._leaves(names, "input")

    def params(self, names: str | Iterable[str]):
        """Declare trainable parameter leaves; returns their Symbols."""
        return self._leaves(names, "param")

    def targets(self, names: str | Iterable[str]):
        """Declare target leaves (the labels t); returns their Symbols."""
        return self._leaves(names, "target")

    def _check_new_name(self, name: str) -> str:
        """The canonical form of a new name; refuses invalid names and duplicates."""
        if not isinstance(name, str):
            raise SymbackpropError(f"a name must be a str, not {type(name).__name__}")
        canon = canonical_name(name)
        if not canon.isidentifier() or canon.startswith("_"):
            raise SymbackpropError(
                f"{name!r} is not a valid name: use letters, digits and _, starting with a "
                "letter (names starting with _ are kept for generated code)"
            )
        if canon in self._symbols:
            same = "" if canon == name else f" ({name!r} and {canon!r} are the same name)"
            raise DuplicateNameError(
                f"{canon!r} is already defined in this graph (as {_article(self._kinds[canon])}){same}"
            )
        return canon

    def node(self, name: str, expr: Any, op: str | None = None) -> sp.Symbol:
        """Add the intermediate ``name := expr`` and make it the output; returns its Symbol.

        ``expr`` may use only symbols already in the graph. Symbols made elsewhere with the same
        name (``sympy.Symbol("x")``) are taken to mean the graph's own.
        """
        name = self._check_new_name(name)
        try:
            expr = sp.sympify(expr, strict=True)
        except sp.SympifyError:
            raise SymbackpropError(
                f"the definition of {name!r} must be a SymPy expression or a number, "
                f"not {type(expr).__name__}; use parse_graph for text"
            ) from None
        if not isinstance(expr, sp.Expr):
            raise SymbackpropError(f"the definition of {name!r} is not an expression: {expr!r}")
        expr = self._adopt(expr, name)
        node_inputs = tuple(dict.fromkeys(
            s.name for s in sp.preorder_traversal(expr) if isinstance(s, sp.Symbol)))
        sym = sp.Symbol(name, real=True)
        self._symbols[name] = sym
        self._kinds[name] = "node"
        self._nodes[name] = Node(name, op or _op_of(expr), node_inputs, expr, sym)
        self._output = sym
        self._cache.clear()
        return sym

    def _adopt(self, expr: sp.Expr, defining: str) -> sp.Expr:
        swap = {}
        for s in expr.free_symbols:
            if isinstance(s, ProgramSymbol):
                raise SymbackpropError(
                    f"the definition of {defining!r} uses {s.name!r}, a variable of a backprop "
                    "program; a graph is built from its own symbols only")
            own = self._symbols.get(canonical_name(s.name))
            if own is None:
                if canonical_name(s.name) == defining:
                    raise CycleError(f"{defining!r} is defined in terms of itself")
                raise UnknownVariableError(
                    s.name, self._symbols,
                    where=f"the graph (used in the definition of {defining!r}; declare leaves "
                          "first with g.inputs, g.params or g.targets)")
            if own is not s:
                swap[s] = own
        return expr.xreplace(swap) if swap else expr

    # ---- looking things up -----------------------------------------------------------------
    @property
    def output(self) -> sp.Symbol:
        """The output Symbol (the loss). Settable to any node."""
        if self._output is None:
            raise SymbackpropError("the graph has no nodes yet, so it has no output")
        return self._output

    @output.setter
    def output(self, value) -> None:
        sym = self.symbol(value)
        if sym.name not in self._nodes:
            raise SymbackpropError(f"the output must be a node, and {sym.name!r} is a {self.kind(sym)}")
        self._output = sym
        self._cache.clear()

    def symbol(self, name: str | sp.Symbol) -> sp.Symbol:
        """The graph's Symbol for a name (or for a Symbol of the same name)."""
        key = name.name if isinstance(name, sp.Symbol) else name
        if isinstance(key, str):
            key = canonical_name(key)
        if not isinstance(key, str) or key not in self._symbols:
            raise UnknownVariableError(key, self._symbols)
        return self._symbols[key]

    def __contains__(self, name) -> bool:
        key = name.name if isinstance(name, sp.Symbol) else name
        return isinstance(key, str) and canonical_name(key) in self._symbols

    def kind(self, name) -> str:
        """``"input"``, ``"param"``, ``"target"`` or ``"node"``."""
        return self._kinds[self.symbol(name).name]

    def is_leaf(self, name) -> bool:
        return self.kind(name) != "node"

    def _of_kind(self, kind: str) -> tuple[sp.Symbol, ...]:
        return tuple(self._symbols[n] for n, k in self._kinds.items() if k == kind)

    @property
    def input_symbols(self) -> tuple[sp.Symbol, ...]:
        return self._of_kind("input")

    @property
    def param_symbols(self) -> tuple[sp.Symbol, ...]:
        return self._of_kind("param")

    @property
    def target_symbols(self) -> tuple[sp.Symbol, ...]:
        return self._of_kind("target")

    @property
    def leaf_symbols(self) -> tuple[sp.Symbol, ...]:
        return tuple(self._symbols[n] for n, k in self._kinds.items() if k != "node")

    @property
    def node_symbols(self) -> tuple[sp.Symbol, ...]:
        return tuple(n.symbol for n in self._nodes.values())

    @property
    def nodes(self) -> tuple[Node, ...]:
        """The nodes in definition (topological) order."""
        return tuple(self._nodes.values())

    @property
    def symbols(self) -> tuple[sp.Symbol, ...]:
        """Every symbol: leaves then nodes, each in declaration order."""
        return self.leaf_symbols + self.node_symbols

    def definition(self, name) -> Node:
        sym = self.symbol(name)
        if sym.name not in self._nodes:
            raise SymbackpropError(f"{sym.name!r} is a {self.kind(sym)} leaf and has no definition")
        return self._nodes[sym.name]

    def parents(self, name) -> tuple[sp.Symbol, ...]:
        """Symbols the node's local expression uses (empty for a leaf)."""
        sym = self.symbol(name)
        node = self._nodes.get(sym.name)
        return () if node is None else tuple(self._symbols[n] for n in node.inputs)

    def children(self, name) -> tuple[sp.Symbol, ...]:
        """Nodes whose local expressions use this symbol, in order."""
        if "children" not in self._cache:  # built once per version of the graph
            kids: dict[str, list[sp.Symbol]] = {}
            for n in self._nodes.values():
                for p in n.inputs:
                    kids.setdefault(p, []).append(n.symbol)
            self._cache["children"] = {k: tuple(v) for k, v in kids.items()}
        return self._cache["children"].get(self.symbol(name).name, ())

    def resolve(self, variables) -> list[sp.Symbol]:
        """Symbols for names or Symbols; ``None`` means every parameter."""
        if variables is None:
            return list(self.param_symbols)
        if isinstance(variables, (str, sp.Symbol)):
            variables = [variables]
        return [self.symbol(v) for v in variables]

    def ancestors(self, name) -> frozenset[sp.Symbol]:
        """Every symbol the given one depends on (not itself)."""
        return self._closure(name, self.parents, "ancestors")

    def descendants(self, name) -> frozenset[sp.Symbol]:
        """Every node that depends on the given symbol (not itself)."""
        return self._closure(name, self.children, "descendants")

    def _closure(self, name, step, key: str) -> frozenset[sp.Symbol]:
        sym = self.symbol(name)
        cache = self._cache.setdefault(key, {})
        if sym not in cache:
            seen: set[sp.Symbol] = set()
            todo = list(step(sym))
            while todo:
                s = todo.pop()
                if s not in seen:
                    seen.add(s)
                    todo.extend(step(s))
            cache[sym] = frozenset(seen)
        return cache[sym]

    # ---- values ------------------------------------------------------------------------------
    def point(self, at: Mapping | None) -> dict[sp.Symbol, sp.Expr]:
        """Check and convert a point (leaf name or Symbol -> number) to exact SymPy numbers."""
        out: dict[sp.Symbol, sp.Expr] = {}
        for k, v in (at or {}).items():
            sym = self.symbol(k)
            if not self.is_leaf(sym):
                raise SymbackpropError(
                    f"{sym.name!r} is a node (defined as {self.definition(sym).expr}); "
                    "give values for leaves only")
            out[sym] = to_number(v)
        return out

    def full_point(self, at: Mapping | None, what: str = "the point") -> dict[sp.Symbol, sp.Expr]:
        """Like :meth:`point`, and every leaf must have a value."""
        point = self.point(at)
        missing = [s.name for s in self.leaf_symbols if s not in point]
        if missing:
            raise SymbackpropError(
                f"{what} gives no value for {', '.join(missing)}; every leaf needs one "
                f"({', '.join(s.name for s in self.leaf_symbols)})")
        return point

    def evaluate(self, at: Mapping) -> dict[sp.Symbol, sp.Expr]:
        """Every leaf and node Symbol -> its value at a point of the leaves.

        Exact inputs give exact values (integers and rationals stay rational); floats give floats.
        """
        values = self.point(at)
        missing = [s.name for s in self.leaf_symbols if s not in values and self._used(s)]
        if missing:
            raise SymbackpropError(f"no value given for {', '.join(missing)}")
        for node in self._nodes.values():
            values[node.symbol] = node.expr.xreplace(values)
        return values

    def _used(self, leaf: sp.Symbol) -> bool:
        return any(leaf.name in n.inputs for n in self._nodes.values())

    # ---- display -----------------------------------------------------------------------------
    def __str__(self) -> str:
        lines = []
        for kind in LEAF_KINDS:
            syms = self._of_kind(kind)
            if syms:
                lines.append(f"{kind}s: {', '.join(s.name for s in syms)}")
        nodes = list(self._nodes.values())
        for i, n in enumerate(nodes):
            lines.append(("let " if i == 0 else "    ") + str(n))
        if self._output is not None:
            lines.append(f"in  {self._output.name}")
        return "\n".join(lines)

    def _repr_latex_(self) -> str:
        from .latex import latex
        return f"$\\displaystyle {latex(self)}$"

    def __repr__(self) -> str:
        return (f"<Graph{' ' + self.name if self.name else ''}: {len(self.leaf_symbols)} leaves, "
                f"{len(self._nodes)} nodes, output {self._output}>")


def _article(kind: str) -> str:
    return f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"
