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
# # 00 · Derivatives: slopes, five rules, and the gradient
#
# [course index](README.md) · next: [01 · The chain rule →](01_chain_rule.ipynb)
#
# **Learning goals.** After this notebook you can
#
# 1. say what a derivative is (the slope of the tangent, the limit of secant slopes);
# 2. apply the five rules that backpropagation uses at every node, and check a derivative
#    against SymPy and against a central difference;
# 3. take partial derivatives (편미분) and collect them into the gradient, a vector that points
#    uphill.
#
# Everything backpropagation (역전파) computes is a derivative (미분), so we start with what a
# derivative is. The lecture notes on numerical and partial differentiation put it in one line:
# the derivative at a point is the instantaneous rate of change, *the slope of the tangent*
# (미분계수 = 순간변화율 = 접선의 기울기).

# %%
import matplotlib.pyplot as plt
import numpy as np
import sympy as sp
from IPython.display import Math, display

import symbackprop as sb

g = sb.parse_graph("f = x**3 - 2*x")
x = g.symbol("x")
df = sb.expanded(g, x)  # the derivative, as an expression
display(Math(r"f(x) = " + sb.latex(g.definition("f").expr) + r",\qquad f'(x) = " + sb.latex(df)))

# %% [markdown]
# ## The derivative is the slope of the tangent
#
# The slope of a secant through $x$ and $x + h$ is the average rate of change,
# $\frac{f(x+h) - f(x)}{h}$. As $h$ shrinks the secant turns into the tangent, and its slope
# into $f'(x)$:

# %%
f_num = sp.lambdify(x, g.definition("f").expr, "numpy")
df_num = sp.lambdify(x, df, "numpy")
x0 = 1.2
for h in (1.0, 0.1, 0.01, 0.001):
    print(f"h = {h:<6} secant slope {(f_num(x0 + h) - f_num(x0)) / h:.6f}")
print(f"           f'({x0}) = {df_num(x0):.6f}")

xs = np.linspace(-2, 2, 200)
fig, ax = plt.subplots(figsize=(8, 3.8), dpi=110)
ax.plot(xs, f_num(xs), "k", lw=2, label="$f(x) = x^3 - 2x$")
for p, color in ((-1.2, "#1f77b4"), (0.0, "#2ca02c"), (x0, "#d62728")):
    slope = df_num(p)
    ax.plot(xs, f_num(p) + slope * (xs - p), color=color, lw=1.2,
            label=f"tangent at x = {p}: slope {slope:.2f}")
    ax.plot([p], [f_num(p)], "o", color=color)
for h, ls in ((1.0, "--"), (0.4, ":")):  # two secants through x0, closing in on the tangent
    s = (f_num(x0 + h) - f_num(x0)) / h
    ax.plot(xs, f_num(x0) + s * (xs - x0), ls, color="#d62728", lw=1,
            label=f"secant x0 → x0 + {h}: slope {s:.2f}")
ax.set_ylim(-3, 3)
ax.set_xlabel("x")
ax.set_ylabel("f(x)")
ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))  # beside the plot, not on it
ax.set_title("secant slopes close in on the tangent's slope at x0 = 1.2")
ax.grid(alpha=0.3)
fig.tight_layout();

# %% [markdown]
# ## Five rules
#
# Backpropagation never differentiates a whole network at once; it only needs a handful of
# rules, applied node by node. The five that do almost all of the work: constants vanish,
# powers come down, sums split, products take turns, and compositions multiply (the chain rule,
# 연쇄 법칙, the subject of the next notebook). Each is checked below against SymPy's own `diff`
# and against a central difference with the step the lecture notes recommend, $h = 10^{-4}$.

# %%
rules = [
    ("constant", "f = 7 + 0*x", r"(c)' = 0"),
    ("power", "f = x**5", r"(x^n)' = n x^{n-1}"),
    ("sum", "f = sin(x) + x**2", r"(u + v)' = u' + v'"),
    ("product", "f = x**2 * exp(x)", r"(uv)' = u'v + uv'"),
    ("chain", "f = log(1 + x**2)", r"(u(v(x)))' = u'(v(x))\, v'(x)"),
]
checks = []
for name, text, formula in rules:
    gr = sb.parse_graph(text)
    xv = gr.symbol("x")
    d = sb.expanded(gr, xv)
    sympy_d = sp.diff(gr.definition("f").expr, xv)
    numeric = sb.numerical_gradient(gr, {"x": 0.7})[xv]
    exact = float(d.subs(xv, 0.7))
    checks.append((name, sp.simplify(d - sympy_d) == 0, abs(numeric - exact)))
    display(Math(rf"\textbf{{{name}}}: {formula}\qquad \frac{{d}}{{dx}}\left({sp.latex(gr.definition('f').expr)}\right) = {sb.latex(d)}"))
for name, same, err in checks:
    print(f"{name:9s} symbackprop = sympy.diff: {same}; central difference off by {err:.1e}")

# %% [markdown]
# Two more appear in every activation: $(e^x)' = e^x$ and $(\log x)' = 1/x$. Together they
# give the sigmoid's famous derivative $\sigma'(z) = \sigma(z)(1 - \sigma(z))$. With
# $h = \sigma(z)$ the node's output, symbackprop writes it as a textbook does, $h(1 - h)$:

# %%
sig = sb.parse_graph("h = sigmoid(z)")
display(Math(r"h = \sigma(z),\qquad \frac{\partial h}{\partial z} = "
             + sb.latex(sb.local_partial(sig, "h", "z"))))

# %% [markdown]
# ## Partial derivatives
#
# With several variables, a partial derivative (편미분) moves one and holds the others still.
# The lecture notes' example: $f(x, y) = 2x + 3xy + y^3$ has $\partial f/\partial x = 2 + 3y$
# and $\partial f/\partial y = 3x + 3y^2$.

# %%
p = sb.parse_graph("f = 2*x + 3*x*y + y**3")
fx, fy = sb.expanded(p, "x"), sb.expanded(p, "y")
display(Math(r"\frac{\partial f}{\partial x} = " + sb.latex(fx)
             + r",\qquad \frac{\partial f}{\partial y} = " + sb.latex(fy)))

# %% [markdown]
# ## The gradient is a vector, and it points uphill
#
# Collect every partial derivative into one vector and you have the gradient,
# $\nabla f = (\partial f/\partial x_0, \partial f/\partial x_1)$. It points in the direction in
# which $f$ grows fastest, so $-\nabla f$ is the direction of steepest descent. Here
# $f(x_0, x_1) = x_0^2 + x_1^2$, a *round* bowl; the arrows are $-\nabla f$, computed by the
# compiled backprop program at every point of a grid. On a round bowl they happen to point
# straight at the minimum; notebook 03 shows an elongated bowl where they do not.

# %%
bowl = sb.parse_graph("# params: x0 x1\nf = x0**2 + x1**2")
fb = sb.compile(bowl)
grid = np.linspace(-2, 2, 9)
G0, G1 = np.meshgrid(grid, grid)
arrows = np.array([fb(np.array([a, b]), np.zeros((1, 0)))[1]
                   for a, b in zip(G0.ravel(), G1.ravel(), strict=True)])
fig, ax = plt.subplots(figsize=(4.8, 4.4), dpi=110)
fine = np.linspace(-2.2, 2.2, 100)
F0, F1 = np.meshgrid(fine, fine)
cs = ax.contour(F0, F1, F0**2 + F1**2, levels=[0.5, 1, 2, 3, 4, 6], colors="0.55",
                linewidths=0.8)
ax.clabel(cs, fontsize=7)
ax.quiver(G0.ravel(), G1.ravel(), -arrows[:, 0], -arrows[:, 1], color="#c0392b",
          angles="xy", scale_units="xy", scale=8)
ax.plot([0], [0], "k*", ms=12)
ax.annotate("minimum", (0, 0), (0.25, -0.45), fontsize=8)
ax.set_aspect("equal")
ax.set_xlabel("$x_0$")
ax.set_ylabel("$x_1$")
ax.set_title("$-\\nabla f$ (arrows) points downhill; on a round bowl,\nstraight at the minimum"
             " (contours: $f = x_0^2 + x_1^2$)", fontsize=9);

# %% [markdown]
# Steepest, in numbers: of all unit directions $d$, the one along $-\nabla f$ lowers $f$ the most
# for a small step.

# %%
point = np.array([1.0, 0.5])
grad = fb(point, np.zeros((1, 0)))[1]
angles = np.linspace(0, 2 * np.pi, 360, endpoint=False)
dirs = np.c_[np.cos(angles), np.sin(angles)]
drops = [fb.loss(point, np.zeros((1, 0))) - fb.loss(point + 1e-3 * d, np.zeros((1, 0)))
         for d in dirs]
best = dirs[int(np.argmax(drops))]
print("best direction", np.round(best, 3), " -grad/|grad|", np.round(-grad / np.linalg.norm(grad), 3))

# %% [markdown]
# ## Exercise
#
# Derive $\frac{d}{dz}\tanh(z)$ with symbackprop (a graph with one node `h = tanh(z)`), check
# that it equals $1 - \tanh^2(z)$, and check its value at $z = 0.5$ against a central
# difference.
#
# *One solution is in the next cell, collapsed: it only defines a function, so running the
# notebook shows nothing. Open it after trying, and call `solution()` to see its result.*

# %% tags=["solution"] jupyter={"source_hidden": true}
def solution():
    """tanh'(z) from symbackprop, checked symbolically and at z = 0.5."""
    th = sb.parse_graph("h = tanh(z)")
    z = th.symbol("z")
    d_tanh = sb.expanded(th, z)
    assert sp.simplify(d_tanh - (1 - sp.tanh(z) ** 2)) == 0
    numeric = sb.numerical_gradient(th, {"z": 0.5})[z]
    assert abs(numeric - (1 - np.tanh(0.5) ** 2)) < 1e-8
    return d_tanh


# %% tags=["headline", "remove-cell"] jupyter={"source_hidden": true, "outputs_hidden": true}
# headline checks, run by the tests: the tangent is the limit of secants, every rule holds,
# -grad is the steepest descent, and the solution checks itself
assert abs((f_num(x0 + 1e-6) - f_num(x0)) / 1e-6 - df_num(x0)) < 1e-4
assert all(same and err < 1e-7 for _, same, err in checks)
assert sp.expand(fx - (2 + 3 * p.symbol("y"))) == 0
assert sp.expand(fy - (3 * p.symbol("x") + 3 * p.symbol("y") ** 2)) == 0
assert np.allclose(best, -grad / np.linalg.norm(grad), atol=0.02)
solution()
print("secants -> tangent; five rules check out; -grad is the steepest way down")

# %% [markdown]
# ## Summary
#
# * The derivative is the slope of the tangent: the limit of secant slopes as $h \to 0$.
# * Five rules (constant, power, sum, product, chain) cover almost every step of
#   backpropagation; symbackprop's derivatives agree with SymPy and with central differences.
# * A partial derivative moves one variable; the gradient collects them all and points uphill,
#   so $-\nabla f$ is the direction of steepest descent.
#
# **Next:** [01 · The chain rule →](01_chain_rule.ipynb), why compositions multiply.
