r"""Exercises with an answer key: each problem the same network (or graph) at its own random point.

:func:`exercises` draws ``n`` problems from a seed (the same seed gives the same problems, so
each student can get a variant of their own): a random point, a weight of each layer to
differentiate, a central-difference check of one of them with :math:`h = 10^{-4}`, and for
a ReLU network a neuron made inactive at the point (its weights' gradients are 0). The
:class:`ProblemSet` it returns has the problems (``.point``, ``.asks``, ``.answers``) and
writes the sheet (``.tex()``, no answers on it, one page per problem) and the key with worked
solutions (``.tex(answers=True)``: the forward pass, the deltas and every asked gradient with
its numbers, as the notes write them).

Examples
========
>>> import symbackprop as sb
>>> ps = sb.exercises(sb.mlp([2, 2, 1], naming="sequential"), n=2, seed=1)
>>> [s.name for s in ps.problems[0].asks]
['w5', 'w4']
>>> r"\newpage" in ps.tex() and "0." in ps.tex(answers=True)
True
"""

from __future__ import annotations

import numbers
import random
from dataclasses import dataclass, field

import sympy as sp

from ..core.errors import InputTypeError, InvalidValueError
from ..core.graph import Graph
from ..core.network import Network
from ..derive import backprop
from .document import Document, Math, Part, Text, article, untagged
from .phrases import check_language, phrase

__all__ = ["H", "Problem", "ProblemSet", "exercises"]

H = 1e-4
"""The step of the central-difference check."""
MAX_PROBLEMS = 500


@dataclass
class Problem:
    """One problem: the point (Symbol -> value), the asked variables, their gradients; the
    variable checked by central differences and that estimate; a ReLU neuron made inactive."""

    point: dict[sp.Symbol, float]
    asks: tuple[sp.Symbol, ...]
    answers: dict[sp.Symbol, float]
    loss: float
    check: sp.Symbol
    check_value: float
    dead: sp.Symbol | None = None


@dataclass
class ProblemSet:
    """Problems on one graph, and the LaTeX of their sheet and answer key."""

    graph: Graph
    problems: list[Problem]
    lang: str = "en"
    digits: int = 4
    seed: int = 1
    lr: float = 0.5
    title: str | None = field(default=None)

    def __len__(self) -> int:
        return len(self.problems)

    def tex(self, answers: bool = False, standalone: bool = True) -> str:
        """The sheet (``answers=False``: one page per problem, no answers on it) or the key
        with worked solutions."""
        from .lesson import LessonWriter
        def t(key: str, **kw) -> str:
            return phrase(self.lang, key, **kw)
        g = self.graph
        blank = LessonWriter(g, None, self.digits, self.lang, self.lr, 10**6, False)
        parts: list[Part] = []
        statement = self._statement(blank)
        shape = "-".join(map(str, g.layers)) if isinstance(g, Network) else None
        for i, pr in enumerate(self.problems, 1):
            w = LessonWriter(g, pr.point, self.digits, self.lang, self.lr, 10**6, False)
            blocks: list = []
            if not answers:  # the statement: the network, its equations, the point
                blocks += statement
                given = ", ".join(f"${w.tex(s)} = {w.fmt(v)}$" for s, v in pr.point.items())
                blocks.append(Text(t("ex_point", point=given)))
                qs = [t("ex_q_forward", E=w.Etex)]
                qs += [t("ex_q_grad", d=f"\\partial {w.Etex}/\\partial {w.tex(v)}")
                       for v in pr.asks if v != pr.dead]
                qs.append(t("ex_q_check", d=f"\\partial {w.Etex}/\\partial {w.tex(pr.check)}"))
                if pr.dead is not None:
                    z = g.children(pr.dead)[0]
                    qs.append(t("ex_q_dead", z=w.tex(z),
                                d=f"\\partial {w.Etex}/\\partial {w.tex(pr.dead)}"))
                items = "\n".join(f"\\item {q}" for q in qs)
                blocks.append(Text(f"\\begin{{enumerate}}\n{items}\n\\end{{enumerate}}"))
            else:  # the key: every answer, then the worked solution
                vals = [f"${w.Etex} = {w.fmt(pr.loss)}$"]
                vals += [f"$\\partial {w.Etex}/\\partial {w.tex(v)} = {w.fmt(pr.answers[v])}$"
                         for v in pr.asks]
                vals.append(t("ex_check_answer", value=w.fmt(pr.check_value),
                              v=w.tex(pr.check)))
                blocks.append(Text(t("ex_answers") + " " + "; ".join(vals) + "."))
                fwd = w.forward_part()
                blocks += [Text(t("ex_forward")), *fwd.blocks[-1:]]
                if isinstance(g, Network):  # each layer's deltas, unnumbered: the key
                    for p in w.deltas_part(list(pr.asks))[1:]:  # refers to no equation
                        blocks += [Math([untagged(r) for r in b.rows]) for b in p.blocks
                                   if isinstance(b, Math)]
                rows = []
                for v in pr.asks:
                    e = w.delta_display(v)
                    rows += w.rows(w.frac(w.E, v), e, w.steps_with_numbers(e))
                blocks += [Text(t("ex_gradients")), Math(rows)]
                check = w.check_part([pr.check])
                if check is not None:
                    blocks += check.blocks[-1:]
                if pr.dead is not None:
                    z = g.children(pr.dead)[0]
                    blocks.append(Text(t("ex_dead_answer", z=w.tex(z), value=w.fmt(
                        w.values[z]))))
            parts.append(Part(t("ex_problem", n=i), 1, blocks))
        if shape is not None:
            title = t("ex_title_key" if answers else "ex_title", what=t("title_network",
                                                                         shape=shape))
        else:
            title = t("ex_title_key" if answers else "ex_title",
                      what=t("title_graph", out=blank.Etex))
        doc = Document(title, self.lang, parts)
        text = article(doc, standalone=standalone)
        if not answers:  # one page per problem
            for part in parts[1:]:
                head = f"\\subsection*{{{part.title}}}"
                text = text.replace(head, "\\newpage\n" + head, 1)
        return text


    def _statement(self, w) -> list:
        """What every problem states: the network (a small figure, its activation) and its
        forward equations, in two columns where they fit."""
        from .document import Figure
        g = self.graph
        blocks: list = []
        if isinstance(g, Network):
            net_part = w.network_part()
            for b in net_part.blocks:
                if isinstance(b, Figure):
                    small = w.figure(compact=True)
                    if small is not None:
                        blocks.append(small)
                else:
                    blocks.append(b)
        fwd = w.forward_part()
        text, math = fwd.blocks[-2], fwd.blocks[-1]
        rows = math.rows
        if isinstance(g, Network):  # one activation row stands for all of a layer's kind
            rows, seen, left_out = [], set(), []
            for n in g.nodes:
                meta = g.meta.get(n.name, {})
                if meta.get("role") == "activation":
                    kind = (n.op, meta.get("layer") == g.depth)
                    if kind in seen:
                        left_out.append(n)
                        continue
                    seen.add(kind)
                expr = w.loss_display() if n.symbol == w.E else n.expr
                lhs = w.tex(n.symbol)
                if lhs.replace(" ", "") != w.tex(expr).replace(" ", ""):
                    rows += w.rows(lhs, expr)
            if left_out:  # the first one left out, written out as the example
                example = f"${w.tex(left_out[0].symbol)} = {w.tex(left_out[0].expr)}$"
                text = Text(text.tex + " " + phrase(self.lang, "ex_alike", example=example))
                math = Math(rows)
        half = (len(rows) + 1) // 2
        while 0 < half < len(rows) and rows[half].lstrip().startswith("&"):
            half += 1  # never split an equation from its continuation
        left, right = rows[:half], rows[half:]
        from .layout import width
        if len(rows) > 6 and right and \
                max(width(r) for r in left) + max(width(r) for r in right) + 4 <= 64:
            sep = " \\\\ "
            math = Math(["\\begin{aligned}" + sep.join(left) + "\\end{aligned} \\qquad "
                         "\\begin{aligned}" + sep.join(right) + "\\end{aligned}"])
        return [*blocks, text, math]


def _draw(rng: random.Random, scale: float = 1.0, step: float = 0.1) -> float:
    """A value a student can work with: a multiple of ``step`` in [-scale, scale], never 0."""
    k = round(scale / step)
    v = 0
    while v == 0:
        v = rng.randint(-k, k)
    return round(v * step, 10)


def _random_point(g: Graph, rng: random.Random) -> dict[sp.Symbol, float]:
    point: dict[sp.Symbol, float] = {}
    net = g if isinstance(g, Network) else None
    for s in g.input_symbols:
        point[s] = _draw(rng, 1.0, 0.1)
    for s in g.param_symbols:
        point[s] = _draw(rng, 1.0, 0.1)
    ts = list(g.target_symbols)
    if net is not None and net.loss_entry.name in ("softmax_ce", "bce") and ts:
        hot = rng.randrange(len(ts))
        for j, s in enumerate(ts):
            point[s] = 1 if j == hot or (len(ts) == 1 and rng.random() < 0.5) else 0
    else:
        for s in ts:
            point[s] = round(rng.randint(0, 10) / 10, 10)
    return point


def exercises(graph: Graph, n: int = 3, seed: int = 1, lang: str = "en", digits: int = 4,
              lr: float = 0.5) -> ProblemSet:
    """``n`` problems on ``graph``, each at its own random point drawn from ``seed``.

    Each asks for the loss, a weight of each layer (networks; every variable of another
    graph), a central-difference check of one asked gradient with ``h = 1e-4``, and, for a
    ReLU network, the gradient of a weight into a neuron made inactive at the point (0).
    """
    if not isinstance(graph, Graph):
        raise InputTypeError(f"exercises need a Graph or a network, not {type(graph).__name__}")
    for name, v, lo, hi in (("n", n, 1, MAX_PROBLEMS), ("digits", digits, 1, 15)):
        if isinstance(v, bool) or not isinstance(v, numbers.Integral):
            raise InputTypeError(f"{name} must be an int, not {type(v).__name__}")
        if not lo <= v <= hi:
            raise InvalidValueError(f"{name} must be between {lo} and {hi}, not {v}")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise InputTypeError(f"seed must be an int, not {type(seed).__name__}")
    check_language(lang)
    g = graph
    prog = backprop(g)
    rng = random.Random(seed)
    net = g if isinstance(g, Network) else None
    problems = []
    for _ in range(n):
        for _attempt in range(50):  # a point where every asked gradient but the dead one lives
            made = _problem(g, prog, net, rng)
            if all(v == made.dead or made.answers[v] != 0 for v in made.asks):
                break
        problems.append(made)
    return ProblemSet(g, problems, lang=lang, digits=digits, seed=seed, lr=lr)


def _problem(g: Graph, prog, net: Network | None, rng: random.Random) -> Problem:
    point = _random_point(g, rng)
    dead = None
    if net is not None:
        asks = []
        for W in reversed(net.weights):  # a weight of each layer, the output's first
            asks.append(W[rng.randrange(W.rows), rng.randrange(W.cols)])
        if net.activation_entry.name == "relu" and net.depth > 1:
            # a hidden neuron made inactive: its bias pushes its weighted input below 0
            layer = rng.randrange(net.depth - 1)
            j = rng.randrange(net.weights[layer].rows)
            z = net.preactivations[layer][j]
            b = net.biases[layer][j]
            zval = float(g.evaluate(point)[z])
            point[b] = round(point[b] - zval - 0.5 - rng.randint(0, 5) / 10, 10)
            dead = net.weights[layer][j, rng.randrange(net.weights[layer].cols)]
            if dead not in asks:
                asks.append(dead)
    else:
        asks = [s for s in (g.param_symbols or g.leaf_symbols) if g.reaches_output(s)]
    grads = prog.evaluate(point)
    values = g.evaluate(point)
    answers = {v: float(grads[v]) for v in asks}
    check = asks[0]
    plus = float(g.evaluate({**point, check: point[check] + H})[g.output])
    minus = float(g.evaluate({**point, check: point[check] - H})[g.output])
    return Problem(point=point, asks=tuple(asks), answers=answers,
                   loss=float(values[g.output]), check=check,
                   check_value=(plus - minus) / (2 * H), dead=dead)
