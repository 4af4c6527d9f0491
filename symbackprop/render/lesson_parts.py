"""The building blocks of the notes: the evaluation context, the layout helper and one
small builder per section, which :class:`~symbackprop.render.lesson.LessonWriter` puts
together (it keeps the state they share: the graph, the printers, the point)."""

from __future__ import annotations

import re

import sympy as sp

from ..core.convert import as_sympy
from ..core.errors import (
    ExpressionTooLargeError,
    InvalidValueError,
)
from ..core.graph import Graph, ProgramSymbol
from ..core.network import Network
from ..derive import (
    chain,
    count_paths,
    delta_symbol,
    estimate_expanded_size,
    expanded,
    local_partial,
    matrix_form,
)
from ..derive.matrix import reads_beyond
from ..derive.program import Program
from .document import Figure, Math, Part, Table, Text, tex_text
from .figure import circuit_tikz, network_tikz
from .layout import Breaker, width
from .phrases import phrase
from .plain import format_number
from .printer import SymbackpropLatexPrinter
from .sizes import size

__all__ = ["CircuitSection", "DeltasSection", "Evaluation", "ForwardSection", "GradientsSection",
           "Layout", "MatrixSection", "NetworkSection", "NotationSection", "Shared", "StepSection",
           "ValuesSection"]

MAX_EXPANDED_LINES = 6  # a substituted derivative longer than this is left out
MAX_SLIDE_LINES = 4  # the same on a slide
MAX_PATHS = 12      # paths written out one by one; more are summarised
MAX_EXPLICIT = 4    # widest layer whose matrices are written out entry by entry
MAX_TABLE = 80      # most rows in the table of values
MAX_PRINTED_TREE = 3_000  # an expanded derivative past this tree size is never a page or less


class Shared:
    """The state every builder reads, set by :class:`~symbackprop.render.lesson.LessonWriter`."""

    g: Graph
    net: Network | None
    lang: str
    digits: int
    budget: float
    lr: sp.Expr
    slides: bool
    limit: int
    p: SymbackpropLatexPrinter
    pn: SymbackpropLatexPrinter
    br: Breaker
    bdot: Breaker
    brn: Breaker
    E: sp.Symbol
    Etex: str
    prog: Program
    explained: set[str]
    remarks: list[str]
    eqno: int
    point: dict | None
    values: dict
    grads: dict
    num: dict[sp.Symbol, str]


class Layout(Shared):
    """How the notes are laid out: the printers, line breaking, equation numbers, phrases."""

    @property
    def network(self) -> Network:
        """The network; only the network's sections ask for it."""
        if self.net is None:
            raise InvalidValueError("this part of the notes is written for networks only")
        return self.net

    def t(self, key: str, **kw) -> str:
        return phrase(self.lang, key, **kw)

    def tex(self, e) -> str:
        return self.p._print(e)

    def frac(self, a, b) -> str:
        return self.p._print(sp.Derivative(a, b, evaluate=False))

    def tag(self) -> str:
        """The next equation number (with a label to refer to it, in the article)."""
        self.eqno += 1
        if self.slides:  # Beamer typesets a frame once per overlay: no labels there
            return f" \\tag{{{self.eqno}}}"
        return f" \\tag{{{self.eqno}}}\\label{{sb:eq{self.eqno}}}"

    def ref(self, n: int) -> str:
        return f"({n})" if self.slides else f"\\eqref{{sb:eq{n}}}"

    def rows(self, lhs: str, expr: sp.Expr, extra: list | None = None,
             br: Breaker | None = None) -> list[str]:
        """``lhs &= expr`` broken into lines, then ``= extra`` pieces: an expression printed
        with its numbers (broken like the first), or a number; each placed on the last line
        if it fits, else on lines of its own. A piece that prints as the one before it (an
        expression that is already a number) is left out: no ``x = x``."""
        limit = self.limit - width(lhs) - 2
        lines = (br or self.br).lines(expr, limit)
        out = [f"{lhs} &= {lines[0]}"] + [_continued(ln) for ln in lines[1:]]
        before = " ".join(lines)
        for piece in extra or []:
            pieces = [_tidy(x, i > 0) for i, x in
                      enumerate(self.brn.lines(piece, self.limit - 6))] \
                if isinstance(piece, sp.Basic) else [piece]
            if " ".join(pieces) == before:
                continue
            before = " ".join(pieces)
            last = out[-1]
            body = last.split("&", 1)[1]
            if len(pieces) == 1 and width(body + " = " + pieces[0]) <= self.limit - 2:
                out[-1] = f"{last} = {pieces[0]}"
            else:
                out.append(f"&= {pieces[0]}")
                out += [_continued(ln) for ln in pieces[1:]]
        return out

    def span(self, syms) -> str:
        """Symbols as a short list: ``x_1, x_2`` or ``w_1, \\dots, w_8``."""
        syms = list(syms)
        if len(syms) > 3:
            return f"{self.tex(syms[0])}, \\dots, {self.tex(syms[-1])}"
        return ", ".join(self.tex(s) for s in syms)


class Evaluation(Shared):
    """The numbers at the point: values, deltas and gradients, formatted."""

    def fmt(self, v) -> str:
        return format_number(v, digits=self.digits, latex=True)

    def numbers(self, expr: sp.Expr) -> str | None:
        """The expression with every symbol replaced by its number (None without a point)."""
        if self.point is None:
            return None
        return _tidy(self.pn._print(expr))

    def value(self, expr: sp.Expr) -> str | None:
        if self.point is None:
            return None
        env = {**self.values, **self._program_values(), delta_symbol(self.g, self.E): 1}
        return self.fmt(expr.xreplace(env))

    def _program_values(self) -> dict[sp.Symbol, sp.Expr]:
        if not hasattr(self, "_pv"):
            self._pv = {st.target: self.grads[st.of] for st in self.prog.steps
                        if st.kind != "forward"}
        return self._pv

    def steps_with_numbers(self, expr: sp.Expr) -> list:
        """``[expression with its numbers, value]`` at the point, dropping repeats."""
        if self.point is None:
            return []
        out: list = []
        n = None if expr.is_Atom else self.numbers(expr)
        v = self.value(expr)
        if n is not None and n != self.tex(expr) and n != v:
            out.append(expr)
        if v is not None and v != self.tex(expr):
            out.append(v)
        return out


class NotationSection(Shared):
    """The table of notation that opens a network's notes."""

    def notation_part(self) -> Part:
        """One name per quantity, first: the table a lecturer puts on the board."""
        net, rows = self.net, []
        if net is not None:
            zs = [z for layer in net.preactivations for z in layer]
            rows.append([f"${self.span(net.input_symbols)}$", self.t("n_inputs")])
            ws = [w for W in net.weights for w in W]
            bs = [b for B in net.biases for b in B]
            rows.append([f"${self.span(ws)}$", self.t("n_weights")])
            rows.append([f"${self.span(bs)}$", self.t("n_biases")])
            rows.append([f"${self.span(zs)}$", self.t("n_pre")])
            acts = [h for layer in net.activations[:-1] for h in layer]
            if acts and acts[0] not in zs:
                rows.append([f"${self.span(acts)}$", self.t("n_act")])
            z = sp.Symbol("z", real=True)
            if not net.activation_entry.is_identity:
                fn = self.tex(net.activation_entry(z))
                if net.naming != "textbook" and not fn.startswith("a("):  # one function, a = sigma
                    fn = f"a(z) = {fn}"
                rows.append([f"${fn}$", self.t("n_fn")])
            rows.append([f"${self.span(net.predictions)}$", self.t("n_pred")])
            ts = net.target_symbols
            rows.append([f"${self.span(ts)}$", self.t("n_target" if len(ts) == 1
                                                      else "n_targets")])
            rows.append([f"${self.Etex}$", self.t("n_loss")])
            rows.append([f"${self.tex(delta_symbol(self.g, zs[0]))}$",
                         self.t("n_delta", E=self.Etex, z=self.tex(zs[0]))])
        else:
            leaves = [s for s in self.g.leaf_symbols if self.g.reaches_output(s)]
            rows.append([f"${self.span(leaves)}$", self.t("n_leaves")])
            inner = [n.symbol for n in self.g.nodes if n.symbol != self.E]
            if inner:
                rows.append([f"${self.span(inner)}$", self.t("n_nodes")])
            rows.append([f"${self.Etex}$", self.t("n_output")])
            rows.append(["$\\delta_v$", self.t("n_delta_graph", E=self.Etex)])
        if self.point is not None and self.g.param_symbols:
            rows.append(["$\\eta$", self.t("n_lr")])
        return Part(self.t("notation"), 1, [Table([self.t("col_symbol"), self.t("col_meaning")],
                                                  rows, align="ll")])


class NetworkSection(Shared):
    """The network: its layers, activations, loss and figure."""

    def activation_rows(self, entry) -> list[str]:
        """Display rows defining an activation and its textbook derivative (none for the
        identity or the generic a)."""
        z = sp.Symbol("z", real=True)
        f = entry(z)
        if entry.is_identity or getattr(type(f), "is_generic_activation", False):
            return []
        name = self.tex(f)
        plain = as_sympy(f)
        d = entry.derivative(z)
        rows = [f"{name} &= {self.tex(plain)}"] if plain != f else []
        rows.append(f"{_prime(name)} &= {self.tex(d)}")
        return rows

    def activation_words(self, entry) -> str:
        """What an activation is, in words or inline math."""
        z = sp.Symbol("z", real=True)
        f = entry(z)
        if entry.is_identity:
            return self.t("identity")
        if getattr(type(f), "is_generic_activation", False):
            return self.t("generic")
        return f"${self.tex(f)}$"

    def figure(self, highlight=(), compact: bool = False) -> Figure | None:
        def short(v) -> str:  # a figure holds a few digits; the text has them all
            return format_number(v, digits=min(self.digits, 4), latex=True)

        values = grads = None
        if self.point is not None:
            values = {s: short(v) for s, v in self.values.items()}
            grads = {s: short(self.grads[s]) for s in self.g.symbols if s in self.grads}
        if self.net is not None:
            made = network_tikz(self.net, self.tex, values, grads, highlight, self.slides,
                                compact)
        else:
            made = circuit_tikz(self.g, self.tex, values, grads, self.slides)
        if made is None:
            self.remarks.append("the network is too wide for a legible figure; it is left out "
                                "of the notes")
            return None
        return Figure(*made)

    def network_part(self, highlight=()) -> Part | None:
        net = self.net
        if net is None:
            return None
        inputs = "$" + ", ".join(self.tex(s) for s in net.input_symbols) + "$"
        targets = "$" + ", ".join(self.tex(s) for s in net.target_symbols) + "$"
        one_target = len(net.target_symbols) == 1
        blocks: list = [Text(self.t("network_intro_1" if one_target else "network_intro",
                              inputs=inputs, targets=targets,
                              layers=net.depth, s="" if net.depth == 1 else "s"))]
        fig = self.figure(highlight)
        if fig is not None:
            fig.caption = self.t("figure_caption_at" if self.point is not None
                                 else "figure_caption")
            blocks.append(fig)
        out_e = net.output_entry
        hidden = net.activation_entry
        same = out_e is not None and out_e.name == hidden.name and net.depth > 1
        rows: list[str] = []
        words = []
        if net.depth > 1:
            key = "activation_both" if same else "hidden_activation"
            words.append(self.t(key, what=self.activation_words(hidden)))
            rows += self.activation_rows(hidden)
            self.explained.add(hidden.name)
        if not same:
            if out_e is not None:
                words.append(self.t("output_activation", what=self.activation_words(out_e)))
                rows += self.activation_rows(out_e)
                self.explained.add(out_e.name)
            else:  # a loss on the logits: the prediction it implies
                p0 = net.predictions[0]
                soft = net.loss_entry.output == "softmax"
                name = self.t("name_softmax") if soft else tex_text(str(net.loss_entry.output))
                words.append(self.t("output_softmax" if soft else "output_activation",
                                    what=f"${self.span(net.predictions)}$ ({name})"))
                rows.append(f"{self.tex(p0)} &= {self.tex(net.definition(p0).expr)}")
        blocks.append(Text(" ".join(words)))
        if rows:
            blocks.append(Math(rows))
        return Part(self.t("network"), 1, blocks)


class ForwardSection(Shared):
    """The forward pass."""

    def loss_display(self) -> sp.Expr:
        """The loss as a textbook writes it (in the predictions, for a loss on the logits)."""
        net = self.net
        expr = self.g.definition(self.E).expr
        if net is not None and net.loss_entry.display is not None:
            return net.loss_entry.textbook(net.predictions, net.target_symbols)
        return expr

    def forward_part(self, figure: bool = False) -> Part:
        rows = []
        for n in self.g.nodes:
            lhs = self.tex(n.symbol)
            expr = self.loss_display() if n.symbol == self.E else n.expr
            rhs = self.tex(expr)
            if lhs.replace(" ", "") == rhs.replace(" ", ""):  # a(h_1) := a(h_1): no news
                continue
            rows += self.rows(lhs, expr, self.steps_with_numbers(expr))
        key = "forward_intro_at" if self.point is not None else "forward_intro"
        if self.net is None:
            key = key.replace("forward_intro", "forward_graph")
        blocks: list = []
        if figure and len(self.g.nodes) > 1:  # a function of one node needs no circuit
            fig = self.figure()
            if fig is not None:
                fig.caption = self.t("circuit_caption_at" if self.point is not None
                                     else "circuit_caption")
                blocks.append(fig)
        blocks += [Text(self.t(key, E=self.Etex)), Math(rows)]
        return Part(self.t("forward"), 1, blocks)


class DeltasSection(Shared):
    """The deltas, layer by layer from the output down."""

    def needed(self, variables) -> set:
        """Pre-activations whose deltas the asked gradients use (directly or through others)."""
        need: set = set()
        todo = [self.delta_display(v) for v in variables
                if v != self.E and self.g.reaches_output(v)]
        while todo:
            e = todo.pop()
            for d in e.atoms(ProgramSymbol):
                node = self.g.symbol(d.of)
                if node not in need and node != self.E:
                    need.add(node)
                    todo.append(self.delta_display(node))
        return need

    def deltas_part(self, variables) -> list[Part]:
        net, E = self.network, self.Etex
        need = self.needed(variables)
        zL = net.preactivations[-1][0]
        self.delta_eq = self.eqno + 1
        define = [f"{self.tex(delta_symbol(self.g, zL))} &= {self.frac(self.E, zL)}"
                  + self.tag()]
        blocks: list = [Text(self.t("delta_net", E=E)), Math(define),
                  Text(self.t("delta_net_after"))]
        self.layer_eq: dict[int, int] = {}
        for l in range(net.depth, 0, -1):
            zs = [z for z in net.preactivations[l - 1] if z in need]
            if not zs:
                continue
            rows = []
            for z in zs:
                e = self.delta_display(z)
                r = self.rows(self.tex(delta_symbol(self.g, z)), e, self.steps_with_numbers(e))
                if z == zs[0]:
                    r[0] += self.tag()
                    self.layer_eq[l] = self.eqno
                rows += r
            if l == net.depth:
                key = ("delta_output_logits" if net.loss_entry.from_logits else
                       "delta_output_linear" if net.output_entry is None
                       or net.output_entry.is_identity else "delta_output")
                intro = self.t(key, E=E)
            else:
                intro = self.t("delta_hidden", l=l, up=self.ref(self.layer_eq.get(l + 1,
                                                                                  self.delta_eq)))
            title = self.t("output_layer") if l == net.depth else self.t("hidden_layer", l=l)
            blocks.append(Part(title, 2, [Text(intro), Math(rows)]))
        return _sections(self.t("deltas"), blocks)


class GradientsSection(Shared):
    """Each gradient as delta times input, the chain rule in full once per layer."""

    def layer_of(self, v) -> int | None:
        """The layer of a weight or bias (None for anything else)."""
        meta = self.g.meta.get(v.name, {})
        return meta.get("layer") if meta.get("role") in ("weight", "bias") else None

    def gradients_part(self, variables) -> list[Part]:
        net = self.network
        blocks: list = [Text(self.t("gradients_intro", E=self.Etex))]
        for l in range(net.depth, 0, -1):
            vs = [v for v in variables if self.layer_of(v) == l]
            if not vs:
                continue
            title = self.t("output_layer") if l == net.depth else self.t("hidden_layer", l=l)
            sub: list = []
            rep = next((v for v in vs if self.g.meta[v.name].get("role") == "weight"), vs[0])
            chain_blocks, n = self.chain_blocks(rep)
            sub += chain_blocks
            rows = []
            for v in vs:
                e = self.delta_display(v)
                rows += self.rows(self.frac(self.E, v), e, self.steps_with_numbers(e))
            key = "with_delta_one" if len(vs) == 1 else "with_delta_intro"
            sub.append(Text(self.t(key, eq=self.ref(self.layer_eq.get(l, self.delta_eq)),
                                   n=n)))
            sub.append(Math(rows))
            blocks.append(Part(title, 2, sub))
        others = [v for v in variables if self.layer_of(v) is None]
        for v in others:  # an input, a hidden node or the loss itself: its own chain rule
            title = f"${self.frac(self.E, v)}$"
            if v == self.E:
                sub = [Text(self.t("chain_self", v=self.tex(v),
                                   d=self.frac(self.E, v)))]
            else:
                sub, _ = self.chain_blocks(v)
                e = self.delta_display(v)
                sub = [*sub, Math(self.rows(self.frac(self.E, v), e,
                                            self.steps_with_numbers(e)))]
            blocks.append(Part(title, 2, sub))
        return _sections(self.t("gradients"), blocks)

    def chain_blocks(self, v: sp.Symbol) -> tuple[list, int]:
        """The chain rule in full for one variable: Leibniz form, local derivatives with
        their values, the product along each path with its numbers, and the substituted form
        where it fits; the number of its first equation."""
        d = self.frac(self.E, v)
        n = count_paths(self.g, v)
        vt = self.tex(v)
        if n == 0:
            return [Text(self.t("chain_none", v=vt, E=self.Etex, d=d))], self.eqno
        c = None
        if n <= MAX_PATHS:
            try:
                c = chain(self.g, v, budget=self.budget)
            except ExpressionTooLargeError:
                c = None
        if c is None:
            self.remarks.append(f"{v.name}: {n:,} paths to the loss, too many to write the "
                                "chain rule out; the deltas give the gradient")
            return [Text(self.t("chain_too_many", n=f"{n:,}", v=vt, E=self.Etex))], self.eqno
        blocks: list = []
        rows = []
        for i, path in enumerate(c.paths):
            items = [self.frac(f.child, f.parent) for f in path.factors]
            lines = _pack(items, " ", self.limit - width(d) - 4)
            first = ("" if i == 0 else "{}+ ") + lines[0]
            rows.append(f"{d} &= {first}" if i == 0 else f"&\\quad {first}")
            rows += [f"&\\qquad {{}}\\cdot {ln}" for ln in lines[1:]]
        rows[0] += self.tag()
        first_eq = self.eqno
        key = "chain_one" if len(c.paths) == 1 else "chain_many"
        blocks += [Text(self.t("chain_full", v=vt) + " " + self.t(key, n=len(c.paths), v=vt,
                                                                 E=self.Etex)), Math(rows)]
        # the local derivatives, each with its value (the ones the deltas above hold are
        # still written: this is the one place the whole chain is shown)
        notes: list[Text] = []
        lrows = []
        for f in c.factors:
            op = self.g.definition(f.child).op
            note = self.first_use_note(op)
            if note:
                notes.append(Text(note))
            lrows += self.rows(self.frac(f.child, f.parent), f.local,
                               self.steps_with_numbers(f.local))
        intro = self.t("local_intro_at" if self.point is not None else "local_intro")
        blocks += [Text(intro), *notes, Math(lrows)]
        # multiplied along each path (with the numbers: Mazur's line)
        shown = [[f for f in path.factors if self.net is None or f.local != 1] or
                 list(path.factors[:1]) for path in c.paths]
        prows = []
        for i, factors in enumerate(shown):
            items = [self.p.parenthesize(f.local, 50) for f in factors]
            lines = _pack(items, " \\cdot ", self.limit - width(d) - 6)
            lead = "" if i == 0 else "{}+ "
            prows.append((f"{d} &= " if i == 0 else "&\\quad ") + lead + lines[0])
            prows += [f"&\\qquad {{}}\\cdot {ln}" for ln in lines[1:]]
        if self.point is not None:
            nums = []
            for factors in shown:
                vals = [self._paren(self.value(f.local) or "") for f in factors]
                nums.append(" \\cdot ".join(vals))
            joined = _tidy(" + ".join(nums) if len(nums) > 1 else nums[0])
            total = self.fmt(self.grads[v])
            last = prows[-1].split("&", 1)[1]
            tail = f" = {total}" if joined != total else ""
            if width(f"{last} = {joined}{tail}") <= self.limit - 2:
                prows[-1] += f" = {joined}{tail}"
            elif width(joined) <= self.limit - 8:
                prows.append(f"&= {joined}{tail}")
            else:
                for i, pn in enumerate(nums):
                    for j, ln in enumerate(_pack(pn.split(" \\cdot "), " \\cdot ",
                                                 self.limit - 10)):
                        lead = ("&= " if i == 0 and j == 0 else
                                "&\\quad {}+ " if j == 0 else "&\\qquad {}\\cdot ")
                        neg = re.match(rf"\((-)({_NUM})\)(?!\^)", ln)
                        if i and j == 0 and neg:  # a new path with a negative first factor
                            lead, ln = "&\\quad {}- ", neg.group(2) + ln[neg.end():]
                        prows.append(lead + ln)
                prows.append(f"&= {total}")
        key = "product_intro" if len(c.paths) == 1 else "product_intro_many"
        if self.point is not None:
            key += "_at"
        blocks += [Text(self.t(key)), Math(prows)]
        blocks += self.expanded_blocks(v)
        return blocks, first_eq

    def _paren(self, s: str) -> str:
        return f"({s})" if s.startswith("-") else s

    def first_use_note(self, op: str) -> str | None:
        """The textbook derivative of an activation, the first time the notes use it."""
        from ..core.registry import ACTIVATIONS
        if op in self.explained or op not in ACTIVATIONS:
            return None
        self.explained.add(op)
        entry = ACTIVATIONS[op]
        if entry.is_identity:
            return None
        z = sp.Symbol("z", real=True)
        f = entry(z)
        if getattr(type(f), "is_generic_activation", False):
            return None
        rows = self.activation_rows(entry)
        formula = ", ".join(f"${r.replace('&', '')}$" for r in rows)
        return self.t("activation_note", what=f"${self.tex(f)}$", formula=formula)

    def expanded_blocks(self, v: sp.Symbol) -> list:
        """The derivative written out in the leaves, where it fits a few lines (else left
        out, with the reason told to the user, not to the students)."""
        d = self.frac(self.E, v)
        est = estimate_expanded_size(self.g, v)
        max_lines = MAX_SLIDE_LINES if self.slides else MAX_EXPANDED_LINES
        why = None
        rows = None
        if est > min(self.budget, MAX_PRINTED_TREE * 1.15):
            why = f"about {est:,} nodes"
        else:
            try:
                e = expanded(self.g, v, budget=self.budget)
            except (ExpressionTooLargeError, InvalidValueError):
                e = None
                why = f"about {est:,} nodes"
            if e is not None:
                s = size(e)
                if s.tree > MAX_PRINTED_TREE:
                    why = f"{s.tree:,} nodes"
                else:
                    rows = self.rows(d, e)
                    if len(rows) > max_lines or any(
                            width(r.split("&", 1)[-1]) > self.limit + 2 for r in rows):
                        why = f"{s.tree:,} nodes, {len(rows)} lines"
                        rows = None
                    elif self.net is None and len(self.g.nodes) == 1:
                        rows = None  # a function of one node: the same as above
        if rows is None:
            if why is not None:
                self.remarks.append(f"{v.name}: the fully substituted derivative ({why}) is "
                                    "too long for the page and is left out")
            return []
        return [Text(self.t("expanded_intro")), Math(rows)]

    def kept(self, node: sp.Symbol) -> bool:
        """Whether a node's delta is shown by name (every node of a graph; the neurons' of a
        network, whose other deltas are written into them)."""
        if node == self.E or self.net is None:
            return True
        return self.g.meta.get(node.name, {}).get("role") == "preactivation"

    def delta_display(self, node: sp.Symbol) -> sp.Expr:
        """∂E/∂node as backpropagation sums it: Σ over the node's children of (the child's
        delta, or its own sum when the child is not a neuron) × (the local derivative), kept
        in that order for printing. In a circuit every factor is shown, δ_f and 1 included
        (the gate's rule is the lesson)."""
        terms = []
        for c in self.g.children(node):
            if not self.g.reaches_output(c):
                continue
            if c == self.E and self.net is not None:
                A = sp.S.One
            elif self.kept(c):
                A = delta_symbol(self.g, c)
            else:
                A = self.delta_display(c)
            B = local_partial(self.g, c, node)
            if self.net is None:
                terms.append(sp.Mul(A, B, evaluate=False))
            elif A == 1:
                terms.append(B)
            elif B == 1:
                terms.append(A)
            else:
                terms.append(sp.Mul(A, B, evaluate=False))
        if not terms:
            return sp.S.Zero
        return terms[0] if len(terms) == 1 else sp.Add(*terms, evaluate=False)


class CircuitSection(Shared):
    """Circuits and functions: gates passing gradients back, partial derivatives, a check."""

    def gate_rule(self, child: sp.Symbol) -> str | None:
        """The rule by which the gate ``child`` sends its gradient back to its inputs."""
        c = self.g.definition(child)
        ins = list(c.expr.free_symbols)
        if c.op == "add" and c.expr == sp.Add(*ins):
            return self.t("rule_add")
        if c.op == "mul" and c.expr == sp.Mul(*ins) and len(ins) == 2:
            return self.t("rule_mul")
        if c.op in ("max", "min"):
            return self.t("rule_max")
        return None

    def backward_part(self, variables) -> Part:
        """A circuit's backward pass: each node's delta once, from the output down, with the
        rule of the gate it passes through; then every asked gradient."""
        E = self.Etex
        blocks: list = [Text(self.t("backward_intro", E=E)),
                        Math([f"\\delta_{{{E}}} &= \\frac{{\\partial {E}}}{{\\partial {E}}} = 1"
                              + self.tag()])]
        nodes = [n.symbol for n in reversed(self.g.nodes)
                 if n.symbol != self.E and self.g.reaches_output(n.symbol)]
        said: set[str] = set()
        for s in [*nodes, *variables]:
            rules = []
            for c in self.g.children(s):
                r = self.gate_rule(c)
                if r and r not in rules and r not in said:  # each rule where first used
                    rules.append(r)
                    said.add(r)
            e = self.delta_display(s)
            lhs = self.frac(self.E, s) if s in variables else self.tex(delta_symbol(self.g, s))
            rows = self.rows(lhs, e, self.steps_with_numbers(e), br=self.bdot)
            if rules:
                blocks.append(Text(" ".join(rules)))
            blocks.append(Math(rows))
        return Part(self.t("backward"), 1, _merge_math(blocks))

    def partials_part(self, variables) -> Part:
        """A function of a few variables: each partial derivative term by term, holding the
        others fixed."""
        node = self.g.definition(self.E)
        terms = self.g.source_terms.get(self.E.name)
        blocks: list = []
        for v in variables:
            others = [s for s in self.g.leaf_symbols if s != v and self.g.reaches_output(s)]
            d = self.frac(self.E, v)
            e = local_partial(self.g, self.E, v)
            blocks.append(Text(self.t("partial_intro", v=self.tex(v), others=", ".join(
                f"${self.tex(s)}$" for s in others) or "---")))
            rows = []
            if terms and len(terms) > 1:
                each = [f"\\frac{{\\partial}}{{\\partial {self.tex(v)}}}"
                        f"\\left({self.tex(t)}\\right)" for t in terms]
                rows.append(f"{d} &= " + " + ".join(each))
                parts = [sp.diff(t, v) for t in terms]
                shown = " + ".join(self.tex(p) for p in parts).replace("+ -", "- ")
                rows.append(f"&= {shown}")
                kept = [p for p in parts if p != 0]
                rest = sp.Add(*kept, evaluate=False) if len(kept) > 1 else \
                    (kept[0] if kept else sp.S.Zero)
                if 0 in parts:
                    rows += [r.replace(f"{d} &=", "&=", 1) if i == 0 else r
                             for i, r in enumerate(self.rows(d, rest,
                                                             self.steps_with_numbers(rest)))]
                else:
                    rows[-1:] = [r.replace(f"{d} &=", "&=", 1) if i == 0 else r
                                 for i, r in enumerate(self.rows(d, rest,
                                                                 self.steps_with_numbers(rest)))]
            else:
                rows += self.rows(d, e, self.steps_with_numbers(e))
            rows[0] += self.tag()
            blocks.append(Math(rows))
        del node
        return Part(self.t("partials"), 1, _merge_math(blocks))

    def check_part(self, variables) -> Part | None:
        """Each gradient against central differences with h = 1e-4 (no calculus needed)."""
        if self.point is None:
            return None
        h = 1e-4
        E = self.Etex
        rows = []
        for v in variables:
            if self.g.kind(v) == "node":
                continue
            plus = self.g.evaluate({**self.point, v: self.point[v] + h})[self.E]
            minus = self.g.evaluate({**self.point, v: self.point[v] - h})[self.E]
            cd = (float(plus) - float(minus)) / (2 * h)
            long = max(self.digits + 4, 10)
            fp = format_number(float(plus), digits=long, latex=True)
            fm = format_number(float(minus), digits=long, latex=True)
            vt = self.tex(v)
            args = [s for s in self.g.leaf_symbols if self.g.reaches_output(s)]
            if len(args) <= 3:  # f(x + h, y): every argument, the moved one moved
                plus_args = ", ".join(f"{vt} + h" if s == v else self.tex(s) for s in args)
                minus_args = ", ".join(f"{vt} - h" if s == v else self.tex(s) for s in args)
            else:  # E(w + h): the others stay as they are
                plus_args, minus_args = f"{vt} + h", f"{vt} - h"
            lhs = f"\\frac{{{E}({plus_args}) - {E}({minus_args})}}{{2h}}"
            rows.append(f"{lhs} &= \\frac{{{fp} - {_paren_num(fm)}}}{{2 \\cdot 10^{{-4}}}} "
                        f"= {self.fmt(cd)}")
            if width(rows[-1]) > self.limit:
                rows[-1:] = [f"{lhs} &= \\frac{{{fp} - {_paren_num(fm)}}}{{2 \\cdot 10^{{-4}}}}",
                             f"&= {self.fmt(cd)}"]
        if not rows:
            return None
        return Part(self.t("check"), 1, [Text(self.t("check_intro", E=E)), Math(rows)])


class ValuesSection(Shared):
    """The table of values and gradients at the point."""

    def values_part(self) -> Part | None:
        if self.point is None:
            return None
        syms = self.g.symbols
        if len(syms) > MAX_TABLE:
            self.remarks.append(f"the table of all {len(syms):,} values is left out (more "
                                f"than {MAX_TABLE} rows); sb.backprop(g).evaluate(point) "
                                "gives them")
            return None
        reach = set(self.g.ancestors(self.E)) | {self.E}
        shown = self.loss_display()
        rows = []
        for s in syms:
            if s in reach or self.g.is_leaf(s):
                g_cell = f"${self.fmt(self.grads[s])}$"
            elif s in shown.free_symbols:  # dE/d(yhat) of the loss as displayed
                g_cell = f"${self.fmt(sp.diff(shown, s).xreplace(self.values))}$"
            else:
                g_cell = "---"
            rows.append([f"${self.tex(s)}$", f"${self.num[s]}$", g_cell])
        head = [self.t("col_symbol"), self.t("col_value"),
                f"$\\partial {self.Etex}/\\partial(\\cdot)$"]
        return Part(self.t("values"), 1, [Text(self.t("values_intro", E=self.Etex)),
                                          Table(head, rows)])


class StepSection(Shared):
    """One step of gradient descent."""

    def step_part(self) -> Part | None:
        params = list(self.g.param_symbols)
        if self.point is None or not params:
            return None
        E, eta = self.Etex, self.fmt(self.lr)
        new = {p: sp.N(self.point[p] - self.lr * self.grads[p], 30) for p in params}
        rule = (f"\\theta &\\leftarrow \\theta - \\eta \\frac{{\\partial {E}}}"
                f"{{\\partial \\theta}}" + self.tag())
        rows = [[f"${self.tex(p)}$", f"${self.fmt(self.point[p])}$",
                 f"${self.fmt(self.grads[p])}$", f"${self.fmt(new[p])}$"] for p in params]
        head = [self.t("col_param"), self.t("col_value"),
                f"$\\partial {E}/\\partial\\theta$", self.t("col_new")]
        before = self.values[self.E]
        after = self.g.evaluate({**self.point, **new})[self.E]
        blocks: list = [Text(self.t("step_intro", lr=eta)), Math([rule]),
                  Text(self.t("step_all", eq=self.ref(self.eqno))), Table(head, rows)]
        text = self.t("step_after", E=E, before=self.fmt(before), after=self.fmt(after))
        if self.net is not None:
            weights = {p: v for p, v in new.items()
                       if self.g.meta.get(p.name, {}).get("role") == "weight"}
            if len(weights) < len(new):
                w_only = self.g.evaluate({**self.point, **weights})[self.E]
                text += " " + self.t("step_weights_only", E=E, after=self.fmt(w_only))
        blocks.append(Text(text))
        return Part(self.t("step"), 1, blocks)


class MatrixSection(Shared):
    """The matrix form, from the matrix derivation."""

    def vz(self, l) -> str:
        """Pre-activations of layer l: z^(l) (textbook) or h^(l), y (seed 004's names)."""
        if self.network.naming == "textbook":
            return f"\\boldsymbol{{z}}^{{({l})}}"
        return "\\boldsymbol{y}" if l == self.network.depth else f"\\boldsymbol{{h}}^{{({l})}}"

    def vh(self, l) -> str:
        """Activations of layer l: h^(l) (textbook) or a(h^(l)); the inputs for l = 0."""
        if self.network.naming == "textbook":
            return f"\\boldsymbol{{h}}^{{({l})}}"
        return "\\boldsymbol{x}" if l == 0 else f"a({self.vz(l)})"

    @staticmethod
    def vdelta(l) -> str:
        return f"\\boldsymbol{{\\delta}}^{{({l})}}"

    def matrix_part(self) -> Part | None:
        """The matrix form, from the matrix derivation (:func:`~symbackprop.matrix_form`): the
        four equations with the network's own output delta (BP1 as derived: ŷ − t for a loss
        on the logits or an identity output), every matrix with its dimensions, each layer's
        equations, ∂E/∂W⁽¹⁾ with every delta substituted where it fits, and, at a point, the
        deltas and gradients as numbers."""
        net = self.net
        if net is None:
            return None
        L, E, b = net.depth, self.Etex, "\\boldsymbol{b}"
        z, h, d = self.vz, self.vh, self.vdelta
        if net.naming == "textbook":
            forward = f"{z('l')} &= W^{{(l)}} {h('l-1')} + {b}^{{(l)}}, \\quad {h('l')} = a({z('l')})"
            zl, hl1 = z("l"), h("l-1")
        else:
            forward = (f"\\boldsymbol{{h}}^{{(l)}} &= W^{{(l)}}\\, a(\\boldsymbol{{h}}^{{(l-1)}}) "
                       f"+ {b}^{{(l)}}")
            zl, hl1 = "\\boldsymbol{h}^{(l)}", "a(\\boldsymbol{h}^{(l-1)})"
        rows = [forward]
        found = reads_beyond(net)
        if found:  # the four equations do not hold as they stand: say why, write none
            _, node, extra = found
            reads = ", ".join(f"${self.tex(s)}$" for s in sorted(extra, key=lambda s: s.name))
            return Part(self.t("matrix"), 1, [Text(self.t("matrix_none", node=f"${self.tex(node)}$",
                                                            reads=reads))])
        mf = matrix_form(net)
        extra_text = []
        if net.loss_entry.name == "softmax_ce":
            yhat = "\\hat{y}" if net.n_outputs == 1 else "\\hat{\\boldsymbol{y}}"
            t = "t" if net.n_outputs == 1 else "\\boldsymbol{t}"
            extra_text.append(Text(self.t("matrix_sum_t", yhat=f"${yhat} - {t}$")))
        # BP1 as the derivation gives it for this network's loss and output
        bp1 = mf.tex(mf.delta(L), self.p)
        rows.append(f"{mf.tex(mf.delta_matrices[-1], self.p)} &= {bp1} \\tag{{BP1}}")
        rows.append(f"{d('l')} &= \\bigl((W^{{(l+1)}})^{{\\top}} {d('l+1')}\\bigr) \\odot a'({zl}) "
                    "\\tag{BP2}")
        rows.append(f"\\frac{{\\partial {E}}}{{\\partial {b}^{{(l)}}}} &= {d('l')} \\tag{{BP3}}")
        rows.append(f"\\frac{{\\partial {E}}}{{\\partial W^{{(l)}}}} &= {d('l')} "
                    f"\\bigl({hl1}\\bigr)^{{\\top}} \\tag{{BP4}}")
        blocks: list = [Text(self.t("matrix_intro", shape="-".join(map(str, net.layers)))),
                  Math(rows), *extra_text,
                  Text(self.t("matrix_vectors", vectors=self.matrix_vectors())),
                  Text(self.t("matrix_dimensions", dims=self.matrix_dimensions(mf)))]
        blocks += self.matrix_layers(mf)
        blocks += self.matrix_direct()
        if self.point is not None and max(net.layers) <= MAX_EXPLICIT:
            blocks += self.matrix_numbers(mf)
        elif max(net.layers) <= MAX_EXPLICIT:
            blocks += self.matrix_entries()
        return Part(self.t("matrix"), 1, blocks)

    def matrix_dimensions(self, mf) -> str:
        """Every weight matrix and delta with its dimensions, as the derivation has them."""
        out = []
        for l in range(1, self.network.depth + 1):
            n_out, n_in = (int(k) for k in mf.symbols.W[l - 1].shape)
            delta = mf.tex(mf.delta_matrices[l - 1], self.p)
            out.append(f"$W^{{({l})}} \\in \\mathbb{{R}}^{{{n_out}\\times {n_in}}}$, "
                       f"${delta} \\in \\mathbb{{R}}^{{{n_out}}}$")
        return "; ".join(out)

    def matrix_layers(self, mf) -> list:
        """Each layer's delta and weight gradient as the derivation writes them, from the
        output down, and ∂E/∂W⁽¹⁾ with every delta and layer substituted where it fits."""
        E = self.Etex
        rows = []
        for l in range(self.network.depth, 0, -1):
            delta = mf.tex(mf.delta_matrices[l - 1], self.p)
            if l < self.network.depth:
                rows.append(f"{delta} &= {mf.tex(mf.delta(l), self.p)}")
            rows.append(f"\\frac{{\\partial {E}}}{{\\partial W^{{({l})}}}} &= "
                        f"{mf.tex(mf.grad(l), self.p)}")
        blocks: list = [Text(self.t("matrix_layers")), Math(rows)]
        full = mf.tex(mf.grad(1, expanded=True), self.p, breakable=True)
        lhs = f"\\frac{{\\partial {E}}}{{\\partial W^{{(1)}}}}"
        lines = _break_at_odot(full, self.limit - width(lhs) - 4)
        if lines is not None and len(lines) <= MATRIX_LINES:
            rows = [f"{lhs} &= {lines[0]}", *(f"&\\qquad {ln}" for ln in lines[1:])]
            blocks += [Text(self.t("matrix_expanded")), Math(rows)]
        else:
            self.remarks.append(f"the expanded matrix form of ∂{self.E.name}/∂W(1) does not "
                                f"fit {MATRIX_LINES} lines, so the notes leave it out")
        return blocks

    def matrix_numbers(self, mf) -> list:
        """The deltas and weight gradients at the point, as vectors and matrices of numbers."""
        at = mf.at(self.point)
        E = self.Etex
        rows = []
        for l in range(self.network.depth, 0, -1):
            delta = mf.tex(mf.delta_matrices[l - 1], self.p)
            dv = at[mf.delta_matrices[l - 1]]
            col = (_pmatrix([[self.fmt(v)] for v in dv]) if len(dv) > 1 else self.fmt(dv[0]))
            rows.append(f"{delta} &= {col}")
            gw = at[("grad", l)]
            mat = _pmatrix([[self.fmt(gw[r, c]) for c in range(gw.cols)]
                            for r in range(gw.rows)])
            rows.append(f"\\frac{{\\partial {E}}}{{\\partial W^{{({l})}}}} &= {mat}")
        return [Text(self.t("matrix_at")), Math(rows)]

    def matrix_direct(self) -> list:
        """Where the loss reads a parameter or hidden node itself (an L2 term), the equations
        gain its partial derivative: each such entry written out in full."""
        mf = matrix_form(self.network)
        if not mf.direct:
            return []
        names = ", ".join(f"${self.tex(s)}$" for s in mf.direct)
        E = self.Etex
        rows = []
        for s, d in mf.direct.items():
            entry = mf.gradient(s) if s in self.network.param_symbols else None
            lhs = f"\\frac{{\\partial {E}}}{{\\partial {self.tex(s)}}}"
            if entry is not None:
                rows.append(f"{lhs} &= {self.tex(entry)}")
            else:  # a hidden node: its partial joins that neuron's delta
                rows.append(f"{lhs} &= {self.tex(d)}")
        return [Text(self.t("matrix_direct", names=names)), Math(rows)]

    def matrix_vectors(self) -> str:
        net = self.network
        items = []
        for l in range(1, net.depth + 1):
            zs = ", ".join(self.tex(s) for s in net.preactivations[l - 1])
            if len(net.preactivations[l - 1]) > 1:
                items.append(f"${self.vz(l)} = ({zs})^{{\\top}}$")
            elif self.vz(l).replace("\\boldsymbol{y}", "y") != zs:  # never "y = y"
                items.append(f"${self.vz(l)} = {zs}$")
        xs = ", ".join(self.tex(s) for s in net.input_symbols)
        # the first layer reads the inputs where the formulas say h^(0) (or a(h^(0)))
        first = ("\\boldsymbol{h}^{(0)}" if net.naming == "textbook"
                 else "a(\\boldsymbol{h}^{(0)})")
        x = f"{first} = \\boldsymbol{{x}}"
        items.append(f"${x} = ({xs})^{{\\top}}$" if net.n_inputs > 1 else f"${x} = {xs}$")
        return ", ".join(items)

    def matrix_entries(self) -> list:
        mf = matrix_form(self.network)
        E = self.Etex
        blocks: list = [Text(self.t("matrix_explicit"))]
        for l in range(self.network.depth, 0, -1):
            i = l - 1
            d_entries = [self.tex(e) for e in mf.deltas[i]]
            w_entries = [[self.tex(mf.dW[i][r, c]) for c in range(mf.dW[i].cols)]
                         for r in range(mf.dW[i].rows)]
            dmat = _pmatrix([[e] for e in d_entries])
            wmat = _pmatrix(w_entries)
            rows = []
            if width(dmat) + 6 <= self.limit:
                rows.append(f"{self.vdelta(l)} &= {dmat}")
            else:
                for ds, e in zip(mf.delta_symbols[i], mf.deltas[i], strict=True):
                    rows += self.rows(self.tex(ds), e)
            dW = f"\\frac{{\\partial {E}}}{{\\partial W^{{({l})}}}}"
            outer = (_pmatrix([[self.tex(ds)] for ds in mf.delta_symbols[i]])
                     + _pmatrix([[self.tex(h) for h in mf.h[i]]]))
            if width(wmat) + 8 <= self.limit:
                rows.append(f"{dW} &= {wmat}")
            elif width(outer) + 8 <= self.limit:  # BP4 as it stands: delta times h^T
                rows.append(f"{dW} &= {outer}")
            else:  # entry by entry
                rows += [f"\\frac{{\\partial {E}}}{{\\partial {self.tex(mf.W[i][r, c])}}} &= "
                         f"{w_entries[r][c]}" for r in range(mf.dW[i].rows)
                         for c in range(mf.dW[i].cols)]
            blocks.append(Math(rows))
        return blocks


def _sections(title: str, blocks: list) -> list[Part]:
    """A section: its opening blocks, then its subsections (Parts among the blocks)."""
    head = [b for b in blocks if not isinstance(b, Part)]
    return [Part(title, 1, head), *[b for b in blocks if isinstance(b, Part)]]


def _merge_math(blocks: list) -> list:
    """Consecutive displays as one (one ``align*``, no gap between equations)."""
    out: list = []
    for b in blocks:
        if isinstance(b, Math) and out and isinstance(out[-1], Math):
            out[-1] = Math(out[-1].rows + b.rows)
        else:
            out.append(b)
    return out


_NUM = r"\d+(?:\.\d+)?(?: \\times 10\^\{-?\d+\})?"


def _tidy(tex: str, continued: bool = False) -> str:
    r"""A form with its numbers as a lecturer writes it: ``\tanh(-0.55)``, not
    ``\tanh((-0.55))``; ``e^{-0.07}``; ``- 0.1`` for ``+ (-0.1)`` in a sum.

    >>> _tidy(r"\tanh((-0.55)) + (-0.1) - (-0.2) \cdot 3 + e^{(-0.07)}")
    '\\tanh(-0.55) - 0.1 + 0.2 \\cdot 3 + e^{-0.07}'
    """
    tex = re.sub(rf"\(\((-{_NUM})\)\)", r"(\1)", tex)
    tex = re.sub(rf"\\left\(\((-{_NUM})\)\\right\)", r"(\1)", tex)
    tex = re.sub(rf"\^\{{\((-{_NUM})\)\}}", r"^{\1}", tex)
    tex = re.sub(rf"\\left\(({_NUM})\\right\)(?!\^)", r"\1", tex)  # (1) \cdot y: 1 \cdot y

    def flip(m: re.Match) -> str:
        return (" - " if m.group(1) == "+" else " + ") + m.group(2)
    tex = re.sub(rf"(?<=\S) ([+-]) \(-({_NUM})\)(?!\^)", flip, tex)
    # a continuation line's first term: its sign is binary too (``continued``)
    start = r"^([+-]) " if continued else r"^(\+) "
    return re.sub(rf"{start}\(-({_NUM})\)(?!\^)", lambda m: flip(m).lstrip(), tex)


def _paren_num(s: str) -> str:
    return f"({s})" if s.startswith("-") else s


def term_hints(g: Graph) -> list[list[sp.Expr]]:
    """Orders of sums as the user wrote them: each node's terms, and the terms of its partial
    derivatives (2x + 3xy + y^3 gives 2 + 3y for x)."""
    hints = []
    for name, terms in g.source_terms.items():
        if name not in g:
            continue
        hints.append(list(terms))
        for s in sorted({a for t in terms for a in t.free_symbols}, key=lambda a: a.name):
            ds = [sp.diff(t, s) for t in terms]
            hints.append([d for d in ds if d != 0])
    return hints


def is_real_number(v: sp.Expr) -> bool:
    try:
        float(v)
    except (TypeError, ValueError, OverflowError):
        return False
    return True


def _prime(name: str) -> str:
    """``\\sigma(z)`` -> ``\\sigma'(z)``; ``\\tanh{\\left(z \\right)}`` -> ``\\tanh'(z)``."""
    if "(" in name and name.startswith("\\tanh"):
        return "\\tanh'(z)"
    i = name.find("(")
    return name[:i] + "'" + name[i:] if i > 0 else name + "'"


MATRIX_LINES = 4
"""Most lines the expanded matrix form of ∂E/∂W⁽¹⁾ may take in the notes."""


def _break_at_odot(tex: str, limit: float) -> list[str] | None:
    """A breakable matrix expression as lines of at most ``limit`` printed characters,
    broken before its ``\\odot`` and binary ``+``/``-`` signs; None if a piece is too wide."""
    cuts = [i for i in range(len(tex)) if tex.startswith((" \\odot ", " + ", " - "), i)]
    lines, start, current = [], 0, ""
    for i in [*cuts, len(tex)]:
        piece = tex[start:i]
        if current and width(current + piece) > limit:
            lines.append(current.strip())
            current = piece.strip()
        else:
            current += piece
        start = i
    lines.append(current.strip())
    return None if any(width(ln) > limit for ln in lines) else lines


def _continued(line: str) -> str:
    """A continuation row: a new term of a sum at the outer indent with its sign, anything
    else (the rest of a product, of a term) indented further."""
    if line.startswith(("+", "-")):
        return f"&\\quad {_lead(line)}"
    return f"&\\qquad {_lead(line)}"


def _lead(line: str) -> str:
    """A continuation line: an operator at its start gets binary spacing (``{}+ x``)."""
    return "{}" + line if line.startswith(("+", "-", "\\cdot")) else line


def _pack(items: list[str], joiner: str, limit: float) -> list[str]:
    """Items joined into lines no wider than ``limit``; never one short item alone at the end."""
    lines: list[list[str]] = [[]]
    for it in items:
        if lines[-1] and width(joiner.join([*lines[-1], it])) > limit:
            lines.append([])
        lines[-1].append(it)
    if len(lines) > 1 and len(lines[-1]) == 1 and len(lines[-2]) > 2:
        lines[-1].insert(0, lines[-2].pop())
    return [joiner.join(ln) for ln in lines]


def _pmatrix(rows: list[list[str]]) -> str:
    body = " \\\\ ".join(" & ".join(r) for r in rows)
    return f"\\begin{{pmatrix}} {body} \\end{{pmatrix}}"
