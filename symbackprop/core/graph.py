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

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from .errors import (
    CycleError,
    DuplicateNameError,
    InputTypeError,
    InvalidValueError,
    LimitError,
    SymbackpropError,
    UnknownVariableError,
)
from .names import canonical_name, check_name
from .values import MAX_DIGITS, check_finite_real, float_value, has_too_many_digits, to_number

__all__ = ["LEAF_KINDS", "MAX_ARGS", "MAX_DEPTH", "MAX_EXPONENT", "MAX_FORM_DEPTH", "MAX_NODES",
           "Graph", "LatexRepr", "Node", "ProgramSymbol", "dag_postorder", "expression_depth",
           "require_graph", "use_latex_printer", "weighted_depth"]

LEAF_KINDS = ("input", "param", "target")

MAX_DEPTH = 60
"""Deepest nesting of one node's definition (SymPy recurses on depth; stage deeper ones)."""

MAX_FORM_DEPTH = 100
"""Deepest expression built by writing nodes out in the leaves: the expanded form, the chain
form's substituted factors, a gradient in the leaves, an exact value at a point. SymPy's
``diff``, its assumptions and its printers recurse once per level (a chain of 150 ``sin`` nodes
already exhausts Python's stack in ``diff``); the backprop program and float points have no
such limit."""

MAX_NODES = 100_000
"""Most symbols (leaves and nodes) one graph may have."""

MAX_EXPONENT = 1_000
"""Largest integer exponent of a symbolic base (after SymPy folds nested powers)."""

MAX_ARGS = 16
"""Most arguments of one Max or Min: SymPy's derivative of an n-ary Max costs about n² per
argument (backprop of a 32-argument Max takes 11 s, 64 arguments 96 s); nest larger ones."""

# unevaluated operations that have no derivative rule of their own here
_UNEVALUATED = (sp.Integral, sp.Sum, sp.Product, sp.Derivative, sp.Subs, sp.Limit, sp.Order)


_LATEX: list[Callable[[object], str]] = []  # the renderers' printer, once they are loaded


def use_latex_printer(latex: Callable[[object], str]) -> None:
    """Set the printer that ``_repr_latex_`` uses (the renderers call this when imported;
    the core never imports them). Until then SymPy's own ``latex`` is used."""
    _LATEX[:] = [latex]


class LatexRepr:
    """Shows an object rendered in Jupyter through symbackprop's LaTeX printer."""

    def _repr_latex_(self) -> str:
        latex = _LATEX[0] if _LATEX else sp.latex
        return f"$\\displaystyle {latex(self)}$"


@dataclass(frozen=True)
class Node:
    """One named intermediate, e.g. ``q = x + y``.

    ``op`` is a key for display rules (``"affine"`` for a weighted sum, ``"add"``, ``"mul"``,
    an activation's name, a loss's name, ...); ``inputs`` are the names of the symbols the
    local expression uses, in first-use order.
    """

    name: str
    op: str
    inputs: tuple[str, ...]
    expr: sp.Expr
    symbol: sp.Symbol = field(compare=False)

    def __str__(self) -> str:
        return f"{self.name} = {sp.sstr(self.expr)}"


class ProgramSymbol(sp.Symbol):
    """A variable the backprop program makes: a node's delta or a leaf's gradient.

    It is its own class, so it never equals a user's Symbol, even one with the same name (a
    node called ``delta_a`` stays distinct from the delta of ``a``). ``kind`` is ``"delta"`` or
    ``"grad"``, ``of`` the name of the graph symbol it belongs to and ``out`` the output's name.
    """

    __slots__ = ("kind", "of", "out")

    kind: str
    of: str
    out: str

    def __new__(cls, name: str, kind: str, of: str, out: str, **assumptions):
        assumptions.setdefault("real", True)
        cls._sanitize(assumptions, cls)
        obj = sp.Symbol.__xnew__(cls, name, **assumptions)
        obj.kind, obj.of, obj.out = kind, of, out
        return obj

    def __getnewargs_ex__(self):
        return ((self.name, self.kind, self.of, self.out), self._assumptions_orig)

    def _hashable_content(self):
        return (*sp.Symbol._hashable_content(self), self.kind, self.of, self.out)


def _op_of(expr: sp.Expr) -> str:
    if isinstance(expr, sp.Symbol):
        return "copy"
    if expr.is_Add:
        return "add"
    if expr.is_Mul:
        return "mul"
    if expr.is_Pow:
        return "pow"
    if expr.is_Number:
        return "const"
    return type(expr).__name__.lower()


def expression_depth(expr: sp.Basic, limit: int | None = None) -> int:
    """Nesting depth of an expression tree (a symbol or number has depth 1), iteratively.

    With ``limit``, stops counting once the depth exceeds it.
    """
    best = 0
    stack = [(expr, 1)]
    seen: dict[sp.Basic, int] = {}
    while stack:
        e, d = stack.pop()
        if seen.get(e, 0) >= d:
            continue
        seen[e] = d
        best = max(best, d)
        if limit is not None and best > limit:
            return best
        stack.extend((a, d + 1) for a in e.args)
    return best


def weighted_depth(expr: sp.Basic, weights: Mapping[sp.Basic, int]) -> int:
    """Depth of ``expr`` where a subexpression in ``weights`` counts as its weight (the depth
    of what it stands for), iteratively and memoised on shared subexpressions."""
    memo: dict[sp.Basic, int] = {}
    for e in dag_postorder(expr, stop=weights):
        if e in weights:
            memo[e] = weights[e]
        else:
            memo[e] = 1 + max(memo[a] for a in e.args) if e.args else 1
    return memo[expr]


def dag_postorder(expr: sp.Basic, stop: Mapping | frozenset = frozenset()):
    """Every distinct subexpression of ``expr`` once, each after its arguments, iteratively.

    A subexpression in ``stop`` is yielded without visiting its arguments. The walk every
    measure, estimate and evaluation over a shared expression needs: a tree of 2^60 nodes
    that shares its subtrees is walked in as many steps as it has distinct ones.

    >>> import sympy as sp
    >>> x = sp.Symbol("x")
    >>> [str(e) for e in dag_postorder(sp.sin(x) * sp.sin(x) + x)]
    ['2', 'x', 'sin(x)', 'sin(x)**2', 'x + sin(x)**2']
    """
    done: set = set()
    stack = [(expr, False)]
    while stack:
        e, ready = stack.pop()
        if e in done:
            continue
        if ready or not e.args or e in stop:
            done.add(e)
            yield e
            continue
        stack.append((e, True))
        stack.extend((a, False) for a in e.args if a not in done)


def _check_depth(name: str, expr: sp.Expr) -> None:
    """Refuse a definition nested too deeply, before any of SymPy's recursive code sees it."""
    depth = expression_depth(expr, limit=MAX_DEPTH)
    if depth > MAX_DEPTH:
        raise LimitError(
            f"the definition of {name!r} is nested more than {MAX_DEPTH} levels deep; split it "
            "into nodes of its own (sb.stage(expr) does this)")


def _check_definition(name: str, expr: sp.Expr) -> None:
    """Refuse what no derivation or code generator can handle, with the way out."""
    if not expr.is_commutative or isinstance(expr, sp.MatrixExpr):
        raise InvalidValueError(f"the definition of {name!r} is not a scalar expression")
    if expr.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        raise InvalidValueError(
            f"the definition of {name!r} is not finite ({_short(expr)}); is there a division "
            "by zero, such as x/0.0, or a log of 0?")
    bad = [a for a in sp.preorder_traversal(expr) if isinstance(a, _UNEVALUATED)]
    if bad:
        kind = type(bad[0]).__name__
        raise InvalidValueError(
            f"the definition of {name!r} holds an unevaluated {kind}; call .doit() on it "
            "first, or stage it as a node of its own")
    for sub in sp.preorder_traversal(expr):
        if sub.is_Pow and sub.exp.is_Integer and not sub.base.is_Number \
                and abs(int(sub.exp)) > MAX_EXPONENT:
            raise LimitError(f"the exponent {sub.exp} in the definition of {name!r} is too "
                             f"large (the limit is {MAX_EXPONENT:,})")
        if isinstance(sub, (sp.Max, sp.Min)) and len(sub.args) > MAX_ARGS:
            raise LimitError(
                f"{type(sub).__name__} in the definition of {name!r} has {len(sub.args)} "
                f"arguments; the limit is {MAX_ARGS} (nest them: Max(Max(a, b, ...), Max(...)), "
                "or stage each as a node of its own)")
        if sub.is_Rational and has_too_many_digits(sub):
            raise LimitError(f"a constant in the definition of {name!r} has more than "
                             f"{MAX_DIGITS:,} digits")
    constants = [s for s in sp.preorder_traversal(expr)
                 if isinstance(s, sp.Expr) and not s.free_symbols and not s.is_Atom]
    constants += expr.atoms(sp.Number, sp.NumberSymbol, type(sp.I))
    for c in constants:
        check_finite_real(c, f"a constant in the definition of {name!r}")


class Graph(LatexRepr):
    """An ordered DAG of named SymPy intermediates with one output (usually a loss).

    ``meta`` maps a name to facts that printers read: ``role`` ("weight", "bias",
    "preactivation", "activation", "prediction", "loss", ...), layer and neuron indices, and
    ``latex`` (how to typeset the symbol). :func:`symbackprop.mlp` fills it in; a Graph built
    by hand may leave it empty, and its symbols then print as SymPy prints them.
    """

    def __init__(self, name: str | None = None):
        self.name = name
        self._symbols: dict[str, sp.Symbol] = {}
        self._kinds: dict[str, str] = {}
        self._nodes: dict[str, Node] = {}
        self._output: sp.Symbol | None = None
        self.meta: dict[str, dict[str, Any]] = {}
        # a node's sum as the text format wrote it, term by term (printed in that order)
        self.source_terms: dict[str, tuple[sp.Expr, ...]] = {}
        self._version = 0
        self._structure: dict[str, Any] = {}

    @property
    def version(self) -> int:
        """Grows by one with every change; derivations made earlier then refuse to be used."""
        return self._version

    def _changed(self) -> None:
        self._version += 1
        self._structure = {}

    # ---- building -------------------------------------------------------------------------
    def _leaves(self, names: str | Iterable[str], kind: str):
        if isinstance(names, str):
            split = names.replace(",", " ").split()
        elif isinstance(names, Iterable):
            split = list(names)
        else:
            raise InputTypeError(f"the {kind} names must be a str or a list of str, not "
                                 f"{type(names).__name__}")
        if not split:
            raise InvalidValueError(f"no names given for the {kind}s")
        canon = [self._check_new_name(n) for n in split]
        if len(set(canon)) != len(canon):
            dup = next(n for n in canon if canon.count(n) > 1)
            raise DuplicateNameError(f"{dup!r} is given twice")
        out = []
        for n in canon:
            s = sp.Symbol(n, real=True)
            self._symbols[n] = s
            self._kinds[n] = kind
            out.append(s)
        self._changed()
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

    def _check_new_name(self, name: object) -> str:
        canon = check_name(name)
        if canon in self._symbols:
            same = "" if canon == name else f" ({name!r} and {canon!r} are the same name)"
            raise DuplicateNameError(
                f"{canon!r} is already defined in this graph (as "
                f"{_article(self._kinds[canon])}){same}")
        if len(self._symbols) >= MAX_NODES:
            raise LimitError(f"a graph holds at most {MAX_NODES:,} symbols")
        return canon

    def node(self, name: str, expr: Any, op: str | None = None) -> sp.Symbol:
        """Add the intermediate ``name := expr`` and make it the output; returns its Symbol.

        ``expr`` may use only symbols already in the graph. Symbols made elsewhere with the same
        name (``sympy.Symbol("x")``) are taken to mean the graph's own.
        """
        name = self._check_new_name(name)
        if isinstance(expr, str):
            raise InputTypeError(f"the definition of {name!r} is a str; pass a SymPy "
                                 "expression, or use parse_graph for text")
        try:
            expr = sp.sympify(expr, strict=True)
        except sp.SympifyError:
            raise InputTypeError(
                f"the definition of {name!r} must be a SymPy expression or a number, "
                f"not {type(expr).__name__}") from None
        if not isinstance(expr, sp.Expr):
            raise InputTypeError(f"the definition of {name!r} is not an expression: {expr!r}")
        _check_depth(name, expr)
        expr = self._adopt(expr, name)
        _check_definition(name, expr)
        node_inputs = tuple(dict.fromkeys(
            s.name for s in sp.preorder_traversal(expr) if isinstance(s, sp.Symbol)))
        sym = sp.Symbol(name, real=True)
        self._symbols[name] = sym
        self._kinds[name] = "node"
        self._nodes[name] = Node(name, op or _op_of(expr), node_inputs, expr, sym)
        self._output = sym
        self._changed()
        return sym

    def _adopt(self, expr: sp.Expr, defining: str) -> sp.Expr:
        swap = {}
        for s in expr.free_symbols:
            if isinstance(s, ProgramSymbol):
                raise InvalidValueError(
                    f"the definition of {defining!r} uses {s.name!r}, a variable of a backprop "
                    "program; a graph is built from its own symbols only")
            if not isinstance(s, sp.Symbol):
                raise InvalidValueError(f"the definition of {defining!r} uses {s}, which is not "
                                        "a plain Symbol")
            key = canonical_name(s.name)
            own = self._symbols.get(key)
            if own is None:
                if key == defining:
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
            raise InvalidValueError("the graph has no nodes yet, so it has no output")
        return self._output

    @output.setter
    def output(self, value) -> None:
        sym = self.symbol(value)
        if sym.name not in self._nodes:
            raise InvalidValueError(
                f"the output must be a node, and {sym.name!r} is {_article(self.kind(sym))}")
        self._output = sym
        self._changed()

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

    def __len__(self) -> int:
        return len(self._symbols)

    def kind(self, name) -> str:
        """``"input"``, ``"param"``, ``"target"`` or ``"node"``."""
        return self._kinds[self.symbol(name).name]

    def is_leaf(self, name) -> bool:
        """Whether ``name`` is a leaf (input, parameter or target), not a node."""
        return self.kind(name) != "node"

    def _of_kind(self, kind: str) -> tuple[sp.Symbol, ...]:
        return tuple(self._symbols[n] for n, k in self._kinds.items() if k == kind)

    @property
    def input_symbols(self) -> tuple[sp.Symbol, ...]:
        """The inputs, in declaration order (the columns of X in compiled code)."""
        return self._of_kind("input")

    @property
    def param_symbols(self) -> tuple[sp.Symbol, ...]:
        """The parameters, in declaration order (the entries of theta in compiled code)."""
        return self._of_kind("param")

    @property
    def target_symbols(self) -> tuple[sp.Symbol, ...]:
        """The targets, in declaration order (the columns of T in compiled code)."""
        return self._of_kind("target")

    @property
    def leaf_symbols(self) -> tuple[sp.Symbol, ...]:
        """Every leaf, in declaration order."""
        return tuple(self._symbols[n] for n, k in self._kinds.items() if k != "node")

    @property
    def node_symbols(self) -> tuple[sp.Symbol, ...]:
        """Every node, in definition order."""
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
        """The :class:`Node` that defines a node symbol."""
        sym = self.symbol(name)
        if sym.name not in self._nodes:
            raise InvalidValueError(
                f"{sym.name!r} is {_article(self.kind(sym))} leaf and has no definition")
        return self._nodes[sym.name]

    def parents(self, name) -> tuple[sp.Symbol, ...]:
        """Symbols the node's local expression uses (empty for a leaf)."""
        sym = self.symbol(name)
        node = self._nodes.get(sym.name)
        return () if node is None else tuple(self._symbols[n] for n in node.inputs)

    def children(self, name) -> tuple[sp.Symbol, ...]:
        """Nodes whose local expressions use this symbol, in order."""
        kids = self._structure.get("children")
        if kids is None:  # built once per version of the graph
            lists: dict[str, list[sp.Symbol]] = {}
            for n in self._nodes.values():
                for p in n.inputs:
                    lists.setdefault(p, []).append(n.symbol)
            kids = self._structure["children"] = {k: tuple(v) for k, v in lists.items()}
        return kids.get(self.symbol(name).name, ())

    def resolve(self, variables) -> list[sp.Symbol]:
        """Symbols for names or Symbols; ``None`` means every parameter."""
        if variables is None:
            return list(self.param_symbols)
        if isinstance(variables, (str, sp.Symbol)):
            variables = [variables]
        if not isinstance(variables, Iterable):
            raise InputTypeError(f"variables must be names or Symbols, not "
                                 f"{type(variables).__name__}")
        return [self.symbol(v) for v in variables]

    def ancestors(self, name) -> frozenset[sp.Symbol]:
        """Every symbol the given one depends on (not itself)."""
        return self._closure(name, self.parents, "ancestors")

    def descendants(self, name) -> frozenset[sp.Symbol]:
        """Every node that depends on the given symbol (not itself)."""
        return self._closure(name, self.children, "descendants")

    def _closure(self, name, step, key: str) -> frozenset[sp.Symbol]:
        sym = self.symbol(name)
        cache = self._structure.setdefault(key, {})
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

    def reaches_output(self, name) -> bool:
        """Whether the output depends on this symbol (or is it)."""
        sym = self.symbol(name)
        return sym == self.output or sym in self.ancestors(self.output)

    # ---- values ------------------------------------------------------------------------------
    def point(self, at: Mapping | None) -> dict[sp.Symbol, sp.Expr]:
        """Check and convert a point (leaf name or Symbol -> number) to exact SymPy numbers."""
        if at is not None and not isinstance(at, Mapping):
            raise InputTypeError(f"a point must be a dict of leaf -> number, not "
                                 f"{type(at).__name__}")
        out: dict[sp.Symbol, sp.Expr] = {}
        for k, v in (at or {}).items():
            sym = self.symbol(k)
            if not self.is_leaf(sym):
                raise InvalidValueError(
                    f"{sym.name!r} is a node (defined as {self.definition(sym).expr}); "
                    "give values for leaves only")
            try:
                out[sym] = to_number(v)
            except SymbackpropError as e:
                raise type(e)(f"{sym.name}: {e}") from None
        return out

    def full_point(self, at: Mapping | None, what: str = "the point") -> dict[sp.Symbol, sp.Expr]:
        """Like :meth:`point`, and every leaf must have a value."""
        point = self.point(at)
        missing = [s.name for s in self.leaf_symbols if s not in point]
        if missing:
            raise InvalidValueError(
                f"{what} gives no value for {', '.join(missing)}; every leaf needs one "
                f"({', '.join(s.name for s in self.leaf_symbols)})")
        return point

    def evaluate(self, at: Mapping) -> dict[sp.Symbol, sp.Expr]:
        """Every leaf and node Symbol -> its value at a point of the leaves.

        Exact inputs give exact values (integers and rationals stay rational); floats give
        floats. A value that is not finite or not real (``log(0)``, ``sqrt(-1)``) is an error
        that names the node.
        """
        values = self.point(at)
        missing = [s.name for s in self.leaf_symbols if s not in values and self._used(s)]
        if missing:
            raise InvalidValueError(f"no value given for {', '.join(missing)}")
        # beside each exact value, its float approximation, computed step by step: a value too
        # large for a float is refused before anything tries to evaluate it exactly
        approx = {s: v if v.is_Float else sp.Float(v, 15) for s, v in values.items()}
        # exact values that stay expressions (sin(sin(1/3))) grow one level a node: their depth
        # is counted before each is built, and refused past the limit SymPy's recursion allows
        deep: dict[sp.Basic, int] = {}  # such a value (and its node's symbol) -> its depth
        for node in self._nodes.values():
            if deep and weighted_depth(node.expr, deep) > MAX_FORM_DEPTH:
                raise LimitError(
                    f"the exact value of {node.name!r} at this point would be nested more than "
                    f"{MAX_FORM_DEPTH} levels deep (such as sin(sin(...(1/3)))); give the point "
                    "as floats (0.5 rather than 1/2)")
            v = node.expr.xreplace(values)
            if v.is_Float:
                _check_value(v, node.name)
                approx[node.symbol] = v
            elif v.is_number and not v.is_Rational:
                # its float, step by step from the children's, is checked to be finite and
                # real as it is computed; SymPy's assumptions (slow on a deep exact value) are
                # asked only when it cannot be had, or when the value shows its problem itself
                obvious = v.has(sp.zoo, sp.nan, sp.oo, -sp.oo, sp.I)
                if obvious:
                    _check_value(v, node.name)
                f = float_value(node.expr, approx, f"the value of {node.name!r} at this point")
                if f is not None:
                    approx[node.symbol] = f
                elif not obvious:
                    _check_value(v, node.name)
            elif v.is_Rational:
                _check_value(v, node.name)
                approx[node.symbol] = sp.Float(v, 15)
            values[node.symbol] = v
            if v.args:
                deep[v] = deep[node.symbol] = weighted_depth(v, deep)
        return values

    def _used(self, leaf: sp.Symbol) -> bool:
        return bool(self.children(leaf))

    # ---- display -----------------------------------------------------------------------------
    def _sympystr(self, printer) -> str:
        lines = []
        for kind in LEAF_KINDS:
            syms = self._of_kind(kind)
            if syms:
                lines.append(f"{kind}s: {', '.join(s.name for s in syms)}")
        nodes = list(self._nodes.values())
        for i, n in enumerate(nodes):
            lines.append(("let " if i == 0 else "    ")
                         + f"{printer._print(n.symbol)} = {print_expr(printer, n.expr)}")
        if self._output is not None:
            lines.append(f"in  {printer._print(self._output)}")
        return "\n".join(lines)

    def _latex(self, printer) -> str:
        with in_graph(printer, self):
            pairs = [(printer._print(n.symbol), print_expr(printer, n.expr)) for n in self.nodes]
        # a node typeset as its own definition (seed 004's a(h_1) = a(h_1)) says nothing
        rows = [f"{lhs} &= {rhs}" for lhs, rhs in pairs if lhs != rhs]
        return "\\begin{aligned}" + " \\\\ ".join(rows) + "\\end{aligned}"

    def __str__(self) -> str:
        return sp.sstr(self)

    def __repr__(self) -> str:
        out = self._output.name if self._output is not None else "none yet"
        return (f"<Graph{' ' + self.name if self.name else ''}: {len(self.leaf_symbols)} leaves, "
                f"{len(self._nodes)} nodes, output {out}>")


SORT_LIMIT = 100
"""A sum with more terms than this prints in its stored order: SymPy's sort is too slow."""


def print_expr(printer, expr: sp.Basic) -> str:
    """``printer._print(expr)``, without sorting the terms of a very long sum."""
    if isinstance(expr, sp.Add) and len(expr.args) > SORT_LIMIT and hasattr(printer, "_print_Add"):
        return printer._print_Add(expr, order="none")
    return printer._print(expr)


def in_graph(printer, graph: Graph):
    """Context in which a printer that knows graphs (``printer.in_graph``) types this graph's
    symbols by their roles; any other printer is left as it is."""
    from contextlib import nullcontext
    use = getattr(printer, "in_graph", None)
    return use(graph) if use is not None else nullcontext()


def _check_value(v: sp.Expr, name: str) -> None:
    if v.is_Rational:
        if has_too_many_digits(v):
            raise LimitError(f"the exact value of {name!r} at this point has more than "
                             f"{MAX_DIGITS:,} digits; give the point as floats")
        return
    if v.is_number:
        check_finite_real(v, f"the value of {name!r} at this point", thorough=False)


def _short(expr: sp.Basic) -> str:
    text = sp.sstr(expr)
    return text if len(text) <= 60 else text[:57] + "..."


def _article(kind: str) -> str:
    return f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"


def require_graph(g: object, what: str) -> Graph:
    """``g`` if it is a Graph; else an error naming the function and how to make one."""
    if not isinstance(g, Graph):
        hint = " (sb.parse_graph(text) reads the text format)" if isinstance(g, str) else ""
        raise InputTypeError(f"{what} needs a Graph or a network as its first argument, not "
                             f"{type(g).__name__}{hint}")
    return g
