r"""The matrix form of backpropagation for layered nets, derived from the scalar graph.

.. math::
    \delta^{(L)} = \nabla_{\hat y} L \odot a'(z^{(L)}), \quad
    \delta^{(l)} = \bigl((W^{(l+1)})^\top \delta^{(l+1)}\bigr) \odot a'(z^{(l)}), \quad
    \frac{\partial L}{\partial W^{(l)}} = \delta^{(l)} (h^{(l-1)})^\top, \quad
    \frac{\partial L}{\partial b^{(l)}} = \delta^{(l)}.

Each entry is a SymPy expression in the layer's own symbols and the next layer's delta symbols
(``delta_z2_1``, the same names the backprop program uses), so it can be checked entry by
entry against the scalar derivation.

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

from dataclasses import dataclass

import sympy as sp

from ..core.errors import InvalidValueError
from ..core.graph import LatexRepr, in_graph
from ..core.network import Network
from .backprop import delta_symbol
from .local import full_substitution, local_partial

__all__ = ["MatrixForm", "matrix_form"]


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


def matrix_form(net: Network) -> MatrixForm:
    """Derive the matrix form of backpropagation for a network built by :func:`mlp`."""
    if not isinstance(net, Network):
        raise InvalidValueError("the matrix form needs a network built by mlp(...)")
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
    from_logits = net.loss_entry.from_logits
    out = []
    for j, (z, h) in enumerate(zip(zs[-1], hs[-1], strict=False)):
        out.append(local_partial(net, E, z) if from_logits
                   else local_partial(net, E, h) * derivs[-1][j])
    deltas = [None] * L
    deltas[L - 1] = sp.Matrix(out)
    for l in range(L - 2, -1, -1):
        back = net.weights[l + 1].T * dsyms[l + 1]
        deltas[l] = sp.Matrix([back[j] * derivs[l][j] for j in range(back.rows)])
    dW = tuple(dsyms[l] * hs[l].T for l in range(L))
    db = tuple(dsyms[l] for l in range(L))
    return MatrixForm(net, tuple(net.weights), tuple(net.biases), zs, hs, dsyms, tuple(deltas),
                      tuple(derivs), dW, db)
