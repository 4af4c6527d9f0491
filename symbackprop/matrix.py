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

from .derive import delta_symbol, local_partial
from .errors import SymbackpropError
from .network import Network

__all__ = ["MatrixForm", "matrix_form"]


@dataclass(frozen=True)
class MatrixForm:
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
        for l, (W, b) in enumerate(zip(self.W, self.b)):
            for (j, k), w in zip(((j, k) for j in range(W.rows) for k in range(W.cols)), W):
                if w == sym:
                    return self.dW[l][j, k]
            for j, bj in enumerate(b):
                if bj == sym:
                    return self.db[l][j]
        raise SymbackpropError(f"{sym.name!r} is not a weight or bias of this network")

    def in_leaves(self, expr: sp.Expr) -> sp.Expr:
        """Substitute every delta and every forward node: the expression in the leaves."""
        from .derive import _full_substitution
        full = _full_substitution(self.net)
        sub: dict[sp.Symbol, sp.Expr] = {}
        for l in reversed(range(len(self.deltas))):
            for d, e in zip(self.delta_symbols[l], self.deltas[l]):
                sub[d] = e.xreplace(sub)
        return expr.xreplace(sub).xreplace(full)

    def _repr_latex_(self) -> str:
        from .notes import matrix_latex
        return "$\\displaystyle " + matrix_latex(self, explicit=False) + "$"


def matrix_form(net: Network) -> MatrixForm:
    """Derive the matrix form of backpropagation for a network built by :func:`mlp`."""
    if not isinstance(net, Network):
        raise SymbackpropError("the matrix form needs a network built by mlp(...)")
    L = len(net.layers) - 1
    xs = sp.Matrix(net.input_symbols)
    hs = (xs, *net.activations)
    zs = tuple(net.preactivations)
    dsyms = tuple(sp.Matrix([delta_symbol(net, z) for z in zl])
                  for zl in zs)
    derivs = []
    for l in range(L):
        derivs.append(sp.Matrix([sp.S.One if z == h else local_partial(net, h, z)
                                 for z, h in zip(zs[l], hs[l + 1])]))
    loss = net.definition(net.output).expr
    from_logits = net.loss in ("bce", "softmax_ce")
    out = []
    for j, (z, h) in enumerate(zip(zs[-1], hs[-1])):
        out.append(sp.diff(loss, z) if from_logits else sp.diff(loss, h) * derivs[-1][j])
    deltas = [None] * L
    deltas[L - 1] = sp.Matrix(out)
    for l in range(L - 2, -1, -1):
        back = net.weights[l + 1].T * dsyms[l + 1]
        deltas[l] = sp.Matrix([back[j] * derivs[l][j] for j in range(back.rows)])
    dW = tuple(dsyms[l] * hs[l].T for l in range(L))
    db = tuple(dsyms[l] for l in range(L))
    return MatrixForm(net, tuple(net.weights), tuple(net.biases), zs, hs, dsyms, tuple(deltas),
                      tuple(derivs), dW, db)
