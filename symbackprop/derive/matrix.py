r"""The matrix form of backpropagation for layered nets, derived from the scalar graph.

.. math::
    \delta^{(L)} = \nabla_{\hat y} L \odot a'(z^{(L)}), \quad
    \delta^{(l)} = \bigl((W^{(l+1)})^\top \delta^{(l+1)}\bigr) \odot a'(z^{(l)}), \quad
    \frac{\partial L}{\partial W^{(l)}} = \delta^{(l)} (h^{(l-1)})^\top, \quad
    \frac{\partial L}{\partial b^{(l)}} = \delta^{(l)}.

Each entry is a SymPy expression in the layer's own symbols and the next layer's delta symbols
(``delta_z2_1``, the same names the backprop program uses), so it can be checked entry by
entry against the scalar derivation. Where the loss reads a parameter or a node itself (an L2
term on a weight), its direct partial derivative is added to that entry (``direct`` lists
them): :math:`\partial L/\partial b_1 = \delta_{h_1} + 2 b_1`. A net whose activation reads
anything besides its own pre-activation (a parameter, PReLU-style) has no matrix form in
these four equations; :func:`matrix_form` says so.

Examples
========
>>> import symbackprop as sb
>>> mf = sb.matrix_form(sb.mlp([2, 2, 1], activation="sigmoid"))
>>> mf.deltas[1][0]
h2_1*(1 - h2_1)*(h2_1 - t)
>>> mf.deltas[0][1]
delta_z2_1*h1_2*w2_12*(1 - h1_2)
>>> mf.dW[0][1, 0]
delta_z1_2*x1
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from ..core.errors import InvalidValueError
from ..core.graph import LatexRepr, in_graph
from ..core.network import Network
from .backprop import delta_symbol
from .local import full_substitution, local_partial

__all__ = ["MatrixForm", "matrix_form", "matrix_form_obstacle", "reads_beyond"]


@dataclass(frozen=True)
class MatrixForm(LatexRepr):
    """Matrices and vectors of one network's backward pass (lists indexed by layer - 1)."""

    net: Network
    W: tuple[sp.Matrix, ...]
    b: tuple[sp.Matrix, ...]
    z: tuple[sp.Matrix, ...]
    h: tuple[sp.Matrix, ...]  # h[0] is the input x; h[l] the activations of layer l
    delta_symbols: tuple[sp.Matrix, ...]
    deltas: tuple[sp.Matrix, ...]  # entries in local symbols and the next layer's deltas
    derivatives: tuple[sp.Matrix, ...]  # a'(z^{(l)}) entry by entry, in local symbols
    dW: tuple[sp.Matrix, ...]
    db: tuple[sp.Matrix, ...]
    # the loss's partial derivative in each parameter or hidden node it reads itself
    direct: dict[sp.Symbol, sp.Expr] = field(default_factory=dict)

    def gradient(self, name) -> sp.Expr:
        """The matrix form's entry for one weight or bias (in delta and forward symbols)."""
        sym = self.net.symbol(name)
        for l, (W, b) in enumerate(zip(self.W, self.b, strict=False)):
            for (j, k), w in zip(((j, k) for j in range(W.rows) for k in range(W.cols)), W, strict=False):
                if w == sym:
                    return self.dW[l][j, k]
            for j, bj in enumerate(b):
                if bj == sym:
                    return self.db[l][j]
        raise InvalidValueError(f"{sym.name!r} is not a weight or bias of this network")

    def in_leaves(self, expr: sp.Expr) -> sp.Expr:
        """Substitute every delta and every forward node: the expression in the leaves."""
        full = full_substitution(self.net)
        sub: dict[sp.Symbol, sp.Expr] = {}
        for l in reversed(range(len(self.deltas))):
            for d, e in zip(self.delta_symbols[l], self.deltas[l], strict=False):
                sub[d] = e.xreplace(sub)
        return expr.xreplace(sub).xreplace(full)

    def _sympystr(self, printer) -> str:
        L = len(self.W)
        p = printer._print
        shape = "-".join(map(str, self.net.layers))
        lines = [f"matrix form of backpropagation for the {shape} network"]
        for l in range(L, 0, -1):
            i = l - 1
            lines.append(f"layer {l}:")
            for d, e in zip(self.delta_symbols[i], self.deltas[i], strict=True):
                lines.append(f"  {p(d)} = {p(e)}")
            for (j, k), g in _entries(self.dW[i]):
                lines.append(f"  ∂{self.net.output.name}/∂{p(self.W[i][j, k])} = {p(g)}")
            for j, g in enumerate(self.db[i]):
                lines.append(f"  ∂{self.net.output.name}/∂{p(self.b[i][j])} = {p(g)}")
        return "\n".join(lines)

    def _latex(self, printer) -> str:
        """The matrices of each layer, with the deltas of the layer above as symbols."""
        def mat(M):
            body = " \\\\ ".join(" & ".join(printer._print(M[r, c]) for c in range(M.cols))
                                  for r in range(M.rows))
            return f"\\begin{{pmatrix}} {body} \\end{{pmatrix}}"
        out = self.net.output
        rows = []
        with in_graph(printer, self.net):
            for l in range(len(self.W), 0, -1):
                i = l - 1
                rows.append(f"\\boldsymbol{{\\delta}}^{{({l})}} &= {mat(self.deltas[i])}")
                rows.append(f"\\frac{{\\partial {printer._print(out)}}}{{\\partial W^{{({l})}}}} "
                            f"&= {mat(self.dW[i])}")
        return "\\begin{aligned}" + " \\\\ ".join(rows) + "\\end{aligned}"

    def __str__(self) -> str:
        return sp.sstr(self)


def _entries(M: sp.Matrix):
    return (((j, k), M[j, k]) for j in range(M.rows) for k in range(M.cols))


def _names(symbols) -> str:
    return ", ".join(sorted(s.name for s in symbols))


def reads_beyond(net: Network) -> tuple[str, sp.Symbol, frozenset[sp.Symbol]] | None:
    """The first node that keeps the four equations from holding as they stand, or None:
    ``(kind, node, what it reads)``, kind ``"activation"`` (an activation that reads more
    than its own pre-activation, say a parameter), ``"prediction"`` (a prediction of a loss on
    the logits that reads more than the logits) or ``"loss"`` (a loss on the logits that reads
    its predictions)."""
    link = net.loss_entry.from_logits
    for l in range(net.depth):
        zs, hs = list(net.preactivations[l]), list(net.activations[l])
        last_link = link and l == net.depth - 1
        for z, h in zip(zs, hs, strict=True):
            if z == h:
                continue
            extra = net.definition(h).expr.free_symbols - (set(zs) if last_link else {z})
            if extra:
                return ("prediction" if last_link else "activation", h, frozenset(extra))
    if link:
        read = set(net.parents(net.output)) & set(net.activations[-1])
        if read:
            return ("loss", net.output, frozenset(read))
    return None


def matrix_form_obstacle(net: Network) -> str | None:
    """Why the four equations do not hold for this network as they stand, or None.

    They need every activation (and every prediction of a loss on the logits) to read only
    the pre-activations of its layer, and a loss on the logits not to read its predictions.
    """
    found = reads_beyond(net)
    if found is None:
        return None
    kind, node, extra = found
    if kind == "loss":
        return f"the loss reads the predictions {_names(extra)} besides the logits"
    return (f"the {kind} {node.name} = {net.definition(node).expr} reads {_names(extra)} "
            f"besides its pre-activation{'s' if kind == 'prediction' else ''}")


def matrix_form(net: Network) -> MatrixForm:
    """Derive the matrix form of backpropagation for a network built by :func:`mlp`.

    Every direct term is kept: where the loss reads a weight, a bias or a hidden node itself,
    its partial derivative is added to that entry. A network whose activations read more than
    their own pre-activation is refused (:class:`InvalidValueError` saying what they read).
    """
    if not isinstance(net, Network):
        raise InvalidValueError("the matrix form needs a network built by mlp(...)")
    obstacle = matrix_form_obstacle(net)
    if obstacle:
        raise InvalidValueError(f"the matrix form of backpropagation does not hold for this "
                                f"network: {obstacle}; the chain rule (sb.chain, "
                                "sb.backprop) derives its gradients")
    L = len(net.layers) - 1
    xs = sp.Matrix(net.input_symbols)
    hs = (xs, *net.activations)
    zs = tuple(net.preactivations)
    dsyms = tuple(sp.Matrix([delta_symbol(net, z) for z in zl]) for zl in zs)
    derivs = []
    for l in range(L):
        derivs.append(sp.Matrix([sp.S.One if z == h else local_partial(net, h, z)
                                 for z, h in zip(zs[l], hs[l + 1], strict=False)]))
    E = net.output
    direct = {s: local_partial(net, E, s) for s in net.parents(E)
              if s not in net.input_symbols and s not in net.target_symbols}

    def own(s: sp.Symbol) -> sp.Expr:
        return direct.get(s, sp.S.Zero)

    from_logits = net.loss_entry.from_logits
    out = []
    for j, (z, h) in enumerate(zip(zs[-1], hs[-1], strict=False)):
        if from_logits:
            out.append(local_partial(net, E, z))
        else:  # through the output, and directly where the loss reads z itself
            out.append(own(h) * derivs[-1][j] + (own(z) if z != h else 0))
    deltas = [None] * L
    deltas[L - 1] = sp.Matrix(out)
    for l in range(L - 2, -1, -1):
        back = net.weights[l + 1].T * dsyms[l + 1]
        entries = []
        for j in range(back.rows):
            z, h = zs[l][j], hs[l + 1][j]
            # a hidden node the loss reads (an activity penalty) adds its own partial
            entries.append((back[j] + own(h)) * derivs[l][j] + (own(z) if z != h else 0))
        deltas[l] = sp.Matrix(entries)
    dW = tuple(dsyms[l] * hs[l].T + net.weights[l].applyfunc(own) for l in range(L))
    db = tuple(dsyms[l] + net.biases[l].applyfunc(own) for l in range(L))
    last = set(zs[-1]) | set(hs[-1])
    direct = {s: d for s, d in direct.items() if s not in last}
    return MatrixForm(net, tuple(net.weights), tuple(net.biases), zs, hs, dsyms, tuple(deltas),
                      tuple(derivs), dW, db, direct)
