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
# # 02 · Circuits and gates: backpropagation by hand
#
# [← 01 · The chain rule](01_chain_rule.ipynb) · [course index](README.md) ·
# next: [03 · Gradient descent →](03_gradient_descent.ipynb)
#
# **Learning goals.** After this notebook you can
#
# 1. cut a formula into a circuit of named stages and run it forward (values) and backward
#    (gradients, starting from $\partial f/\partial f = 1$);
# 2. use the local rules of the add, multiply and max gates: *distribute*, *swap*, *route*;
# 3. read a circuit drawing: each node's operation, its value, its gradient, and each edge's
#    local derivative.
#
# The lecture notes on backpropagation start with the smallest interesting circuit,
# $f(x, y, z) = (x + y)\,z$, cut into stages: $q = x + y$, then $f = q z$. We build it as a
# staged graph, run it forward at $x = -2, y = 5, z = -4$, and run backpropagation (역전파)
# from $\partial f/\partial f = 1$ back to every input.

# %%
from IPython.display import Math, display

import symbackprop as sb

g = sb.Graph()
x, y, z = g.inputs("x y z")
q = g.node("q", x + y)
f = g.node("f", q * z)
print(g)

# %% [markdown]
# Forward values and backward gradients. Each gradient is the gradient arriving from above
# times the local derivative of the node: $\frac{\partial f}{\partial q} = z = -4$, and since
# $\frac{\partial q}{\partial x} = 1$, $\frac{\partial f}{\partial x} = -4 \cdot 1 = -4$.

# %%
at = {x: -2, y: 5, z: -4}
values = g.evaluate(at)
grads = sb.backprop(g).evaluate(at)
for s in g.symbols:
    print(f"{s.name}: value {values[s]!s:>3}, df/d{s.name} = {grads[s]}")

# %% [markdown]
# The drawing shows the same numbers. Each box is a variable: inside, its name and its
# forward value (black); below, its gradient $\partial f/\partial\cdot$ (red); above a node,
# the operation it computes. The blue number on an edge $u \to v$ is the local derivative
# $\partial v/\partial u$ at this point. The orange edges are the path from $x$ to $f$: the
# product of their blue numbers, $1 \cdot (-4)$, is $\partial f/\partial x$.

# %%
fig = sb.draw(g, at=at, highlight=x)

# %% [markdown]
# The chain form lists the path and its local factors:

# %%
c = sb.chain(g, x)
print(c)
display(Math(sb.latex(c)))

# %% [markdown]
# ## The local rules of the gates
#
# Every node of a circuit is a small gate that only needs its own local derivative. For
# $f = x + y$, $\partial f/\partial x = \partial f/\partial y = 1$; for $f = xy$,
# $\partial f/\partial x = y$ and $\partial f/\partial y = x$. Read backwards, as CS231n puts
# it: the **add gate distributes** the gradient from above to each input unchanged; the
# **multiply gate swaps**, each input receiving the gradient times the *other* input; and the
# **max gate routes** the whole gradient to the larger input and nothing to the other. One
# circuit with all three, $f = 2\,(xy + \max(z, w))$ at $x = 3, y = -4, z = 2, w = -1$:

# %%
gates = sb.parse_graph("q = x*y\nm = max(z, w)\ns = q + m\nf = 2*s")
gat = {"x": 3, "y": -4, "z": 2, "w": -1}
gvals = gates.evaluate(gat)
ggrads = sb.backprop(gates).evaluate(gat)
fig = sb.draw(gates, at=gat, highlight="x")
for name in ("s", "q", "m", "x", "y", "z", "w"):
    sym = gates.symbol(name)
    print(f"df/d{name} = {ggrads[sym]}")

# %% [markdown]
# The add gate passes $\partial f/\partial s = 2$ to both $q$ and $m$; the multiply gate sends
# $2 \cdot y = -8$ to $x$ and $2 \cdot x = 6$ to $y$; the max gate routes 2 to $z$ (the larger)
# and 0 to $w$.
#
# ## Exercise
#
# By hand, with the three rules: for $f = (x + y)\cdot\max(y, z)$ at $x = 1, y = 5, z = 2$,
# what are $\partial f/\partial x$, $\partial f/\partial y$ and $\partial f/\partial z$?
# Note that $y$ reaches $f$ along two paths (notebook 01: their contributions add). Then check
# your answer with `sb.backprop(...).evaluate(...)`.
#
# *The solution cell below only defines a function; open it after trying and call
# `solution()`.*

# %% tags=["solution"] jupyter={"source_hidden": true}
def solution():
    """The three gradients by the gate rules, checked against sb.backprop."""
    # a = x + y = 6, b = max(y, z) = 5 (y is larger), f = a b = 30.
    # df/dx = b = 5 (multiply swaps, add distributes)
    # df/dy = b * 1 (through the add gate) + a * 1 (max routes everything to y) = 11
    # df/dz = a * 0 = 0 (max routes nothing to the smaller z)
    by_hand = {"x": 5, "y": 11, "z": 0}
    ex = sb.parse_graph("a = x + y\nb = max(y, z)\nf = a*b")
    got = sb.backprop(ex).evaluate({"x": 1, "y": 5, "z": 2})
    assert {n: got[ex.symbol(n)] for n in "xyz"} == by_hand
    return by_hand


# %% tags=["headline", "remove-cell"] jupyter={"source_hidden": true, "outputs_hidden": true}
# headline checks, run by the tests: the lecture notes' numbers and CS231n's gates
assert (grads[x], grads[y], grads[z], values[f]) == (-4, -4, 3, -12)
assert [ggrads[gates.symbol(n)] for n in ("x", "y", "z", "w")] == [-8, 6, 2, 0]
assert gvals[gates.output] == -20
assert solution() == {"x": 5, "y": 11, "z": 0}
print("(x + y)z at (-2, 5, -4): df/dx = df/dy = -4, df/dz = 3; the gates distribute, swap, route")

# %% [markdown]
# ## Summary
#
# * A circuit is a formula cut into named stages; the forward pass computes every value, the
#   backward pass every gradient, starting from $\partial f/\partial f = 1$.
# * Each gradient = the gradient from above × the local derivative; where a variable fans out,
#   the contributions add.
# * Add distributes, multiply swaps, max routes.
#
# **Next:** [03 · Gradient descent →](03_gradient_descent.ipynb): what the gradients are for.
