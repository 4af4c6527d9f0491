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
# # 01 · The chain rule: why compositions multiply
#
# [← 00 · Derivatives](00_derivatives.ipynb) · [course index](README.md) ·
# next: [02 · Circuits and gates →](02_circuits_and_gates.ipynb)
#
# **Learning goals.** After this notebook you can
#
# 1. state the chain rule (연쇄 법칙) $\frac{dy}{dx} = \frac{dy}{du}\frac{du}{dx}$ and sketch
#    why it holds (the increment argument);
# 2. explain why "cancelling $du$" gives the right answer although derivatives are not
#    fractions;
# 3. add the contributions of several paths when a variable reaches the output more than once.
#
# A neural network is a composition of simple functions: a weighted sum, an activation, another
# weighted sum, a loss. Training needs the derivative of the loss with respect to every weight,
# and the derivative of a composition is the chain rule. Backpropagation (역전파), introduced for
# neural networks by LeCun et al.'s "Backpropagation applied to handwritten zip code
# recognition" (1989), is the chain rule applied from the output back to the inputs.

# %%
import numpy as np
import sympy as sp
from IPython.display import Math, display

import symbackprop as sb

# y = f(u) with f = exp, u = g(x) = x**2 + 1: two named stages
comp = sb.parse_graph("u = x**2 + 1\ny = exp(u)")
x_, u_, y_ = comp.symbol("x"), comp.symbol("u"), comp.symbol("y")
dy_du = sb.local_partial(comp, y_, u_)
du_dx = sb.local_partial(comp, u_, x_)
display(Math(r"\frac{dy}{du} = " + sb.latex(dy_du) + r",\qquad \frac{du}{dx} = " + sb.latex(du_dx)
             + r",\qquad \frac{dy}{dx} = " + sb.latex(sb.expanded(comp, x_))))

# %% [markdown]
# ## Why the rule holds: a proof sketch
#
# Let $u = g(x)$ and $y = f(u)$, with $g$ differentiable at $x$ and $f$ at $u$. Move $x$ by
# $\Delta x$; then $u$ moves by $\Delta u$ and $y$ by $\Delta y$. Differentiability says that,
# near the point, each function is its tangent line plus an error that is small *compared with
# the step*:
#
# $$\Delta u = g'(x)\,\Delta x + o(\Delta x), \qquad \Delta y = f'(u)\,\Delta u + o(\Delta u),$$
#
# where $o(\Delta)$ stands for a term with $o(\Delta)/\Delta \to 0$ as $\Delta \to 0$ (and the
# second error is 0 whenever $\Delta u = 0$). Divide the second equation by $\Delta x$:
#
# $$\frac{\Delta y}{\Delta x} = f'(u)\,\frac{\Delta u}{\Delta x}
#   + \frac{o(\Delta u)}{\Delta u}\cdot\frac{\Delta u}{\Delta x}.$$
#
# Now let $\Delta x \to 0$. By the first equation $\Delta u \to 0$ and
# $\Delta u/\Delta x \to g'(x)$; so the last term tends to $0 \cdot g'(x) = 0$, and
#
# $$\frac{dy}{dx} = f'(u)\,g'(x) = \frac{dy}{du}\,\frac{du}{dx}.$$
#
# The same argument in numbers, at $x = 0.5$: the two ratios of increments, and their product,
# close in on $\frac{dy}{dx}$ as $\Delta x$ shrinks.

# %%
g_ = lambda x: x**2 + 1
f_ = np.exp
x0 = 0.5
exact = float(sb.expanded(comp, x_).subs(x_, x0))
rows = []
for dx in (0.5, 0.1, 0.01, 0.001, 1e-5):
    du = g_(x0 + dx) - g_(x0)
    dy = f_(g_(x0) + du) - f_(g_(x0))
    rows.append((dx, du / dx, dy / du, dy / dx))
    print(f"Δx = {dx:<7g} Δu/Δx = {du / dx:.6f}   Δy/Δu = {dy / du:.6f}   "
          f"product Δy/Δx = {dy / dx:.6f}")
print(f"chain rule: f'(u) g'(x) = e^{g_(x0)} · {2 * x0} = {exact:.6f}")

# %% [markdown]
# ## May we "cancel" $du$?
#
# The lecture notes on the loss and its derivatives ask whether
# $\frac{dL}{dx} = \frac{dL}{dy}\frac{dy}{dx}$ really behaves like a fraction. A derivative is a
# limit, not a fraction; but the proof above shows that the *ratios of increments* are honest
# fractions, and it is their limits that multiply. So the notation works as if $du$ cancelled.
# A check with less friendly functions, symbolically: $y = \sin^2 u + u$ and $L = e^y\,y$.

# %%
two = sb.parse_graph("y = sin(u)**2 + u\nL = exp(y) * y")
u2, y2, L2 = two.symbol("u"), two.symbol("y"), two.symbol("L")
dL_dy = sb.local_partial(two, L2, y2)
dy_du2 = sb.local_partial(two, y2, u2)
inner = {y2: two.definition(y2).expr}
product = (dL_dy * dy_du2).xreplace(inner)
direct = sp.diff(two.definition(L2).expr.xreplace(inner), u2)
display(Math(r"\frac{dL}{dy} = " + sb.latex(dL_dy) + r",\quad \frac{dy}{du} = "
             + sb.latex(dy_du2)))
display(Math(r"\frac{dL}{dy}\frac{dy}{du} - \frac{dL}{du} = "
             + sp.latex(sp.simplify(product - direct))))

# %% [markdown]
# ## Several paths: the contributions add
#
# In a network one variable often reaches the output along several paths (a hidden neuron
# feeds every neuron of the next layer). The multivariate chain rule sums one product per path:
# if $f = p\,q$ with $p = x^2$ and $q = \sin x$, then
# $\frac{df}{dx} = \frac{\partial f}{\partial p}\frac{dp}{dx}
# + \frac{\partial f}{\partial q}\frac{dq}{dx} = q \cdot 2x + p \cos x$: the product rule is
# the chain rule over two paths. `sb.chain` lists the paths and their local factors:

# %%
paths = sb.parse_graph("p = x**2\nq = sin(x)\nf = p*q")
c = sb.chain(paths, "x")
print(c)
display(Math(sb.latex(c)))

# %% [markdown]
# ## Exercise
#
# 1. For $y = \sin(u)$ with $u = x^2$, compute $\frac{dy}{dx}$ at $x = 1.5$ with the chain rule
#    (by hand or with NumPy, not with symbackprop), and compare with `sb.expanded`.
# 2. For $f = p\,q$ with $p = 3x$ and $q = x^2 + 1$, how many paths lead from $x$ to $f$, and
#    what is $\frac{df}{dx}$ at $x = 2$?
#
# *The solution cell below only defines a function; open it after trying and call
# `solution()`.*

# %% tags=["solution"] jupyter={"source_hidden": true}
def solution():
    """Both answers, each checked against symbackprop."""
    # 1. dy/du = cos(u), du/dx = 2x: dy/dx = cos(2.25) * 3 = -1.8845...
    by_hand = np.cos(1.5**2) * 2 * 1.5
    g1 = sb.parse_graph("u = x**2\ny = sin(u)")
    assert abs(by_hand - float(sb.expanded(g1, "x").subs(g1.symbol("x"), 1.5))) < 1e-12
    # 2. two paths: q * 3 + p * 2x = 5 * 3 + 6 * 4 = 39
    g2 = sb.parse_graph("p = 3*x\nq = x**2 + 1\nf = p*q")
    assert sb.count_paths(g2, "x") == 2
    two_paths = 5 * 3 + 6 * 4
    assert sb.backprop(g2).evaluate({"x": 2})[g2.symbol("x")] == two_paths
    return by_hand, two_paths


# %% tags=["headline", "remove-cell"] jupyter={"source_hidden": true, "outputs_hidden": true}
# headline checks, run by the tests: the increments' product closes in on the chain rule, the
# "cancelled" product equals the direct derivative, and the two paths add
assert abs(rows[-1][3] - exact) < 1e-4 and abs(rows[0][3] - exact) > 0.1
assert abs(rows[-1][1] * rows[-1][2] - rows[-1][3]) < 1e-12
assert sp.simplify(product - direct) == 0
xp = paths.symbol("x")
assert len(c.paths) == 2 and sp.simplify(c.doit() - sp.diff(xp**2 * sp.sin(xp), xp)) == 0
assert solution()[1] == 39
print(f"dy/dx = {exact:.6f}; Δy/Δx at Δx = 1e-5: {rows[-1][3]:.6f}; two paths add")

# %% [markdown]
# ## Summary
#
# * The chain rule: $\frac{dy}{dx} = \frac{dy}{du}\frac{du}{dx}$. Proof sketch: write each
#   increment as its tangent part plus a small error, divide by $\Delta x$, let $\Delta x \to 0$.
# * The ratios of increments are real fractions; their limits multiply, which is why the
#   notation looks like cancelling.
# * When a variable reaches the output along several paths, one product per path, added.
#
# **Next:** [02 · Circuits and gates →](02_circuits_and_gates.ipynb): the chain rule run
# backwards through a circuit, node by node.
