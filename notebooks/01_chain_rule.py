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
# # 01 · The chain rule, one circuit at a time
#
# Backpropagation (역전파) was introduced for neural networks by LeCun et al.'s "Backpropagation
# applied to handwritten zip code recognition" (1989), as the lecture notes on backpropagation
# recalls. A network is loosely modelled on a neuron: inputs arrive like signals on the
# dendrites, the cell body forms a weighted sum $\sum_i w_i x_i + b$, and an activation decides
# what goes out along the axon. Training needs the gradient of the loss with respect to every
# weight, and since the network is a composition of functions, the chain rule (연쇄 법칙)
# gives it, layer by layer, from the output back to the input.
#
# The seed starts with the smallest interesting circuit, $f(x, y, z) = (x + y)\,z$, cut into
# stages: $q = x + y$, then $f = q z$. We build it as a staged graph, run it forward at
# $x = -2, y = 5, z = -4$, and run backpropagation from $\partial f/\partial f = 1$ back to
# every input.

# %%
import sympy as sp
from IPython.display import Math, display

import symbackprop as sb

g = sb.Graph()
x, y, z = g.inputs("x y z")
q = g.node("q", x + y)
f = g.node("f", q * z)
print(g)

# %% [markdown]
# Forward values (green in the seed's picture) and backward gradients (red):

# %%
at = {x: -2, y: 5, z: -4}
values = g.evaluate(at)
grads = sb.backprop(g).evaluate(at)
for s in g.symbols:
    print(f"{s.name}: value {values[s]}, df/d{s.name} = {grads[s]}")

# %%
fig = sb.draw(g, at=at, highlight=x)

# %% [markdown]
# The gradient of $x$ is the product along its path: $\frac{\partial f}{\partial q}
# \frac{\partial q}{\partial x} = z \cdot 1 = -4$. The chain form lists the path and its
# local factors:

# %%
c = sb.chain(g, x)
print(c)
display(Math(sb.latex(c)))

# %% [markdown]
# ## Why may we "cancel" $dt$? (seed 000)
#
# The lecture notes on the loss and its derivatives ask whether $\frac{dL}{dx} = \frac{dL}{dy}\frac{dy}{dx}$
# really behaves like a fraction. Take $y = g(x)$ and $L = f(y)$ for concrete functions and
# compare the derivative of the composite with the product of the two local derivatives.

# %%
u = sp.Symbol("u", real=True)
comp = sb.parse_graph("y = sin(u)**2 + u\nL = exp(y) * y")
u_, y_ = comp.symbol("u"), comp.symbol("y")
dL_dy = sb.local_partial(comp, "L", y_)
dy_du = sb.local_partial(comp, y_, u_)
product = (dL_dy * dy_du).xreplace({y_: comp.definition(y_).expr,
                                   comp.symbol("L"): comp.definition("L").expr})
direct = sp.diff(comp.definition("L").expr.xreplace({y_: comp.definition(y_).expr}), u_)
display(Math(r"\frac{dL}{dy}\frac{dy}{du} - \frac{dL}{du} = " + sp.latex(sp.simplify(product - direct))))

# %% [markdown]
# ## Partial derivatives (seed 003)
#
# The lecture notes on numerical and partial differentiation: $f(x, y) = 2x + 3xy + y^3$ has
# $\partial f/\partial x = 2 + 3y$ and $\partial f/\partial y = 3x + 3y^2$.

# %%
h = sb.parse_graph("f = 2*x + 3*x*y + y**3")
dfx, dfy = sb.expanded(h, "x"), sb.expanded(h, "y")
display(Math(r"\frac{\partial f}{\partial x} = " + sb.latex(dfx)
             + r",\qquad \frac{\partial f}{\partial y} = " + sb.latex(dfy)))

# %% [markdown]
# ## The local rules of the gates
#
# Every node of a circuit is a small gate that only needs its own local derivative. Seed 001
# lists the two that make up $(x + y)z$: for $f = x + y$, $\partial f/\partial x =
# \partial f/\partial y = 1$; for $f = xy$, $\partial f/\partial x = y$ and
# $\partial f/\partial y = x$. Read backwards, as CS231n puts it: the **add gate distributes**
# the gradient from above to each input unchanged; the **multiply gate swaps**, each input
# receiving the gradient times the *other* input; and the **max gate routes** the whole gradient
# to the larger input and nothing to the other. One circuit with all three,
# $f = 2\,(xy + \max(z, w))$ at $x = 3, y = -4, z = 2, w = -1$:

# %%
gates = sb.parse_graph("q = x*y\nm = max(z, w)\ns = q + m\nf = 2*s")
gat = {"x": 3, "y": -4, "z": 2, "w": -1}
gvals = gates.evaluate(gat)
ggrads = sb.backprop(gates).evaluate(gat)
fig = sb.draw(gates, at=gat, highlight="x")
for name in ("s", "q", "m", "x", "y", "z", "w"):
    sym = gates.symbol(name)
    print(f"d f/d {name} = {ggrads[sym]}")

# %% [markdown]
# The add gate passes $\partial f/\partial s = 2$ to both $q$ and $m$; the multiply gate sends
# $2 \cdot y = -8$ to $x$ and $2 \cdot x = 6$ to $y$; the max gate routes 2 to $z$ (the larger)
# and 0 to $w$.
#
# ## Exercise
#
# By hand, with the three rules: for $f = (x + y)\cdot\max(y, z)$ at $x = 1, y = 2, z = 3$,
# what are $\partial f/\partial x$, $\partial f/\partial y$ and $\partial f/\partial z$?
# Note that $y$ reaches $f$ along two paths. Then check your answer with `sb.backprop`.

# %% tags=["solution"] jupyter={"source_hidden": true}
# solution: a = x + y = 3, b = max(y, z) = 3 (z is larger); f = a b.
# df/dx = b = 3 (through the add gate); df/dz = a = 3 (routed by max);
# df/dy = b (through the add gate) + a * 0 (max routes nothing to the smaller y) = 3
ex = sb.parse_graph("a = x + y\nb = max(y, z)\nf = a*b")
exg = sb.backprop(ex).evaluate({"x": 1, "y": 2, "z": 3})
assert [exg[ex.symbol(n)] for n in "xyz"] == [3, 3, 3]
print(sb.chain(ex, "y"))

# %%
# headline: the seed's numbers
assert (grads[x], grads[y], grads[z], values[f]) == (-4, -4, 3, -12)
assert sp.simplify(product - direct) == 0
assert sp.expand(dfx - (2 + 3 * h.symbol("y"))) == 0
assert sp.expand(dfy - (3 * h.symbol("x") + 3 * h.symbol("y") ** 2)) == 0
assert [ggrads[gates.symbol(n)] for n in ("x", "y", "z", "w")] == [-8, 6, 2, 0]
assert gvals[gates.output] == -20
print("seed 001: df/dx = df/dy = -4, df/dz = 3; seed 003's partials hold")
