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
# The lecture notes in `seeds/001_dfd13daa1658bc54.txt` start with the smallest interesting
# circuit, $f(x, y, z) = (x + y)\,z$, cut into stages: $q = x + y$, then $f = q z$.
# We build it as a staged graph, run it forward at $x = -2, y = 5, z = -4$, and run
# backpropagation from $\partial f/\partial f = 1$ back to every input.

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
# `seeds/000_2c61ba6fc90abeb2.txt` asks whether $\frac{dL}{dx} = \frac{dL}{dy}\frac{dy}{dx}$
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
# `seeds/003_8732efaeb3fddffc.txt`: $f(x, y) = 2x + 3xy + y^3$ has
# $\partial f/\partial x = 2 + 3y$ and $\partial f/\partial y = 3x + 3y^2$.

# %%
h = sb.parse_graph("f = 2*x + 3*x*y + y**3")
dfx, dfy = sb.expanded(h, "x"), sb.expanded(h, "y")
display(Math(r"\frac{\partial f}{\partial x} = " + sb.latex(dfx)
             + r",\qquad \frac{\partial f}{\partial y} = " + sb.latex(dfy)))

# %%
# headline: the seed's numbers
assert (grads[x], grads[y], grads[z], values[f]) == (-4, -4, 3, -12)
assert sp.simplify(product - direct) == 0
assert sp.expand(dfx - (2 + 3 * h.symbol("y"))) == 0
assert sp.expand(dfy - (3 * h.symbol("x") + 3 * h.symbol("y") ** 2)) == 0
print("seed 001: df/dx = df/dy = -4, df/dz = 3; seed 003's partials hold")
