# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 05 · The 2-2-1 net by hand
#
# [← 04 · Numerical against symbolic](04_numerical_vs_symbolic.ipynb) · [course index](README.md) ·
# next: [06 · Why not expand everything? →](06_expanded_vs_chained.ipynb)
#
# **Learning goals.** After this notebook you can
#
# 1. run the forward pass of a small network by hand, neuron by neuron;
# 2. compute the gradient of the loss with respect to an output weight yourself, by the chain
#    rule, and check it against the library;
# 3. read every $\partial E/\partial w_i$ of the net as a product of local derivatives, with a
#    generic activation $a(\cdot)$ and with sigmoid, tanh and ReLU.
#
# The lecture notes on MLPs in matrices and vectors draw a net with inputs $x_1, x_2$, two hidden
# neurons and one output. Their names, used throughout this notebook:
#
# * $h_1 = w_1 x_1 + w_2 x_2 + b_1$ and $h_2 = w_3 x_1 + w_4 x_2 + b_2$, the hidden neurons'
#   weighted sums (pre-activations), and $a(h_1)$, $a(h_2)$ their activations;
# * $y = w_5\, a(h_1) + w_6\, a(h_2) + b_3$, the output's weighted sum, and $a(y)$ the
#   prediction;
# * the loss function (손실 함수) $E = \frac12 (t - a(y))^2$ for a target $t$.
#
# `naming="sequential"` gives exactly these names (symbackprop writes $a(h_1)$ as `a_h1` in
# code).

# %%
import numpy as np
import sympy as sp
from IPython.display import Math, display

import symbackprop as sb

net = sb.mlp([2, 2, 1], activation="sigmoid", loss="half_se", naming="sequential")
print(net)

# %% [markdown]
# ## Numbers
#
# We pick numbers in the style of Matt Mazur's well-known worked example: small inputs, weights
# from 0.15 upwards, a sigmoid activation $a(z) = \sigma(z) = 1/(1 + e^{-z})$, and a target
# near 0.

# %%
point = {"x1": 0.05, "x2": 0.10, "w1": 0.15, "w2": 0.20, "w3": 0.25, "w4": 0.30,
         "b1": 0.35, "b2": 0.35, "w5": 0.40, "w6": 0.45, "b3": 0.60, "t": 0.01}
v = {k: float(val) for k, val in net.evaluate(point).items()}
s = net.symbol
sigma = lambda z: 1 / (1 + np.exp(-z))
# the forward pass by hand, one neuron at a time
h1 = 0.15 * 0.05 + 0.20 * 0.10 + 0.35
h2 = 0.25 * 0.05 + 0.30 * 0.10 + 0.35
y = 0.40 * sigma(h1) + 0.45 * sigma(h2) + 0.60
E = 0.5 * (0.01 - sigma(y)) ** 2
print(f"h1 = {h1:.6f}, a(h1) = {sigma(h1):.6f}")
print(f"h2 = {h2:.6f}, a(h2) = {sigma(h2):.6f}")
print(f"y  = {y:.6f}, a(y)  = {sigma(y):.6f}")
print(f"E  = {E:.6f}")
print("symbackprop's forward pass agrees:",
      all(abs(v[s(n)] - mine) < 1e-12 for n, mine in (("h1", h1), ("h2", h2), ("y", y), ("E", E))))

# %% [markdown]
# The drawing puts the numbers on the net. Under each neuron: its weighted sum and its
# activation, $h \to a(h)$ (black), and its delta $\delta = \partial E/\partial h$ (red), the
# gradient of the loss with respect to the neuron's weighted sum (under an input, the red number
# is $\partial E/\partial x$). Beside the net, every weight with
# its value and its gradient. The orange path is the one from $w_5$ to $E$.

# %%
fig = sb.draw(net, at=point, highlight="w5")

# %% [markdown]
# ## Your turn: $\partial E/\partial w_5$
#
# $w_5$ reaches $E$ along one path, $w_5 \to y \to a(y) \to E$, so
#
# $$\frac{\partial E}{\partial w_5} = \frac{\partial E}{\partial a(y)} \cdot
#   \frac{\partial a(y)}{\partial y} \cdot \frac{\partial y}{\partial w_5}.$$
#
# Work out each factor: $\frac{\partial E}{\partial a(y)} = a(y) - t$; for the sigmoid
# $\frac{\partial a(y)}{\partial y} = a(y)(1 - a(y))$; and $\frac{\partial y}{\partial w_5}$ is
# what $w_5$ multiplies. Then replace `None` below with your number (use the printed values
# above, or `sigma(h1)`, `sigma(y)`) and run the next cell, which checks it.

# %%
my_dE_dw5 = None  # your answer, e.g. (sigma(y) - 0.01) * ... * ...

# %%
grads = sb.backprop(net).evaluate(point)
library = float(grads[s("w5")])
if my_dE_dw5 is None:
    print("fill in my_dE_dw5 in the cell above first, then run this cell again")
elif abs(my_dE_dw5 - library) < 1e-9:
    print(f"correct: dE/dw5 = {library:.9f}")
else:
    print(f"not yet: you have {my_dE_dw5:.9f}; check each of the three factors")

# %% [markdown]
# The library derives the same product, factor by factor, first in the local names, then in
# numbers:

# %%
c5 = sb.chain(net, "w5")
print(c5)
display(Math(sb.latex(c5)))

# %% [markdown]
# ## One layer deeper: $\partial E/\partial w_1$
#
# $w_1$ sits in the first layer, so its path is longer:
# $w_1 \to h_1 \to a(h_1) \to y \to a(y) \to E$. The first two factors are the ones of $w_5$;
# the rest are the output's weight $w_5$ (how $y$ depends on $a(h_1)$), the sigmoid's derivative
# at $h_1$, and $x_1$. The product of the first four is $h_1$'s delta in the drawing above: the
# delta is computed once and reused by $w_1$, $w_2$ and $b_1$. That reuse is backpropagation.

# %%
c1 = sb.chain(net, "w1")
display(Math(sb.latex(c1)))
delta_h1 = float(grads[s("h1")])
print(f"delta_h1 = {delta_h1:.9f};  dE/dw1 = delta_h1 * x1 = {delta_h1 * 0.05:.9f} "
      f"(library: {float(grads[s('w1')]):.9f})")

# %% [markdown]
# ## The same, as lecture notes
#
# `sb.notes` writes this derivation the way a lecturer's notes do: the forward pass with its
# numbers, the deltas, the chain rule along the path, each local derivative with its value, the
# product, and the gradient-descent update. In a notebook it shows rendered; as a string it is a
# LaTeX document (`sb.write_notes(notes, "w5.tex")` saves it, `sb.compile_pdf` typesets it).

# %%
notes = sb.notes(net, wrt=["w5"], at=point, lang="en")
notes

# %% [markdown]
# ## Every weight, with a generic activation
#
# The lecture notes leave the activation undefined, $a(\cdot)$, so that the derivation holds
# for any of them. With `activation="a"`, $a'$ stays a symbol. The output weight $w_5$ and the
# first-layer weight $w_1$, in chain form (the product of local derivatives along the path) and
# fully expanded (everything substituted into one formula):

# %%
generic = sb.mlp([2, 2, 1], activation="a", loss="half_se", naming="sequential")
for w in ("w5", "w1"):
    display(Math(sb.latex(sb.chain(generic, w))))
    display(Math(r"\frac{\partial E}{\partial " + sb.latex(generic.symbol(w), graph=generic)
                 + r"} = " + sb.latex(sb.expanded(generic, w), graph=generic, width=72)))

# %% [markdown]
# The lecture notes' formula for $w_1$ is
# $\frac{\partial E}{\partial w_1} = -(t - a(y))\,a'(y)\,w_5\,a'(h_1)\,x_1$; symbackprop's
# chain gives the same product:

# %%
g = generic.symbol
ap = sb.generic_activation("a'")
notes_form = -(g("t") - g("a_y")) * ap(g("y")) * g("w5") * ap(g("h1")) * g("x1")
print(sp.expand(sb.chain(generic, "w1").local - notes_form) == 0)

# %% [markdown]
# ## Concrete activations
#
# Choosing the activation only changes the factors $a'(\cdot)$. For sigmoid, tanh and ReLU,
# $a'(h_1)$ becomes $a(h_1)(1 - a(h_1))$, $1 - a(h_1)^2$ and the indicator
# $\mathbf{1}[h_1 > 0]$ (taken as 0 at $h_1 = 0$, as PyTorch does), and the same at $y$:

# %%
for act in ("sigmoid", "tanh", "relu"):
    n = sb.mlp([2, 2, 1], activation=act, naming="sequential")
    print(act)
    display(Math(sb.latex(sb.chain(n, "w1"))))

# %% [markdown]
# ## Exercise
#
# At the same numbers, compute $\partial E/\partial w_4$ by the chain rule. Which neuron's delta
# does it reuse, and what is its value? (The drawing gives you the deltas; compute it from the
# forward values anyway, and check against the drawing.)
#
# *The solution cell below only defines a function; open it after trying and call
# `solution()`.*

# %% tags=["solution"] jupyter={"source_hidden": true}
def solution():
    """dE/dw4 = delta_h2 * x2, with delta_h2 = delta_y * w6 * a(h2)(1 - a(h2))."""
    a_y, a_h2 = sigma(y), sigma(h2)
    delta_y = (a_y - 0.01) * a_y * (1 - a_y)
    delta_h2 = delta_y * 0.45 * a_h2 * (1 - a_h2)
    dE_dw4 = delta_h2 * 0.10
    assert abs(dE_dw4 - float(grads[s("w4")])) < 1e-12
    return dE_dw4


# %% tags=["headline", "remove-cell"] jupyter={"source_hidden": true, "outputs_hidden": true}
# headline checks, run by the tests: the three forms agree, the notes' formula holds, the
# gradients at the numbers match central differences, and the solutions check out
report = sb.verify(generic)
assert len(report) == len(generic.leaf_symbols) == 12
assert sp.expand(sb.chain(generic, "w1").local - notes_form) == 0
numeric = sb.numerical_gradient(net, point)
assert all(abs(numeric[p] - float(grads[p])) < 1e-8 for p in net.param_symbols)
a_y = sigma(y)
assert abs((a_y - 0.01) * a_y * (1 - a_y) * sigma(h1) - library) < 1e-12  # the fill-in's answer
assert abs(delta_h1 * 0.05 - float(grads[s("w1")])) < 1e-14
solution()
print(f"dE/dw5 = {library:.6f}, dE/dw1 = {float(grads[s('w1')]):.6f}; verified {len(report)} leaves")

# %% [markdown]
# ## Summary
#
# * Forward: each neuron forms a weighted sum $h$ and passes on $a(h)$; the loss compares the
#   prediction with the target.
# * Backward: each weight's gradient is a product of local derivatives along its path; the
#   factors shared by several weights form a neuron's delta $\delta = \partial E/\partial h$,
#   computed once and reused. $\partial E/\partial w = \delta \cdot$ (what $w$ multiplies).
# * The activation only enters through $a'(\cdot)$: $a(1 - a)$ for the sigmoid, $1 - a^2$ for
#   tanh, $\mathbf{1}[h > 0]$ for ReLU.
#
# **Next:** [06 · Why not expand everything? →](06_expanded_vs_chained.ipynb): how big the
# expanded formulas get as nets grow.
