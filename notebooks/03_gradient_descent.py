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
# # 08 · Gradient descent: why subtract, where it stops, and what it misses
#
# Backpropagation gives $\partial L/\partial w$; gradient descent (경사 하강법) uses it:
# $w \leftarrow w - \eta\, \partial L/\partial w$. This notebook follows
# The lecture notes on the loss and its derivatives (why the gradient is *subtracted*) and
# the lecture notes on gradient descent (local and global minima, first- and second-order methods,
# and the threshold at which descent stops), each on a loss of one weight so that every step
# can be drawn.

# %%
import matplotlib.pyplot as plt
import numpy as np
import sympy as sp
from IPython.display import Math, display

import symbackprop as sb

bowl = sb.parse_graph("# params: w\nL = (w - 3)**2 + 1")
f = sb.compile(bowl)
w_ = bowl.symbol("w")
display(Math(r"L(w) = " + sb.latex(bowl.definition("L").expr) + r",\qquad \frac{dL}{dw} = "
             + sb.latex(sb.expanded(bowl, w_))))
NO_DATA = np.zeros((1, 0))  # this loss has no inputs: one (empty) example


def loss_and_slope(w):
    loss, grad = f(np.array([w]), NO_DATA)
    return loss, grad[0]


# %% [markdown]
# ## Why subtract? (seed 000)
#
# At the minimum the slope is 0. To the *right* of it the slope is positive, so subtracting
# $\eta \cdot$ slope moves $w$ left; to the *left* the slope is negative, so subtracting it moves
# $w$ right. Either way the step points at the minimum, and it shrinks as the slope flattens.

# %%
fig, ax = plt.subplots(figsize=(6.5, 3.6), dpi=110)
ws = np.linspace(-0.5, 6.5, 200)
ax.plot(ws, [loss_and_slope(w)[0] for w in ws], "k", lw=2)
paths = {}
for start, color in ((6.0, "#c0392b"), (0.0, "#2874a6")):
    run = sb.train(bowl, NO_DATA, None, lr=0.15, steps=12, theta0=[start])
    w_path = [start]
    for _ in range(12):  # the same steps, by hand: w <- w - eta dL/dw
        w_path.append(w_path[-1] - 0.15 * loss_and_slope(w_path[-1])[1])
    paths[start] = (w_path, run.theta[0])
    ax.plot(w_path, [loss_and_slope(w)[0] for w in w_path], "o-", color=color, ms=4,
            label=f"from w = {start}: slope {loss_and_slope(start)[1]:+.1f} at the start")
ax.axvline(3, color="gray", ls=":")
ax.set_xlabel("w")
ax.set_ylabel("L(w)")
ax.legend(fontsize=8)
ax.set_title("subtracting the slope always steps towards the minimum")

# %% [markdown]
# ## Local and global minima (seed 002)
#
# A real loss has many valleys. The lowest is the global minimum (최솟값); the others are local
# minima (극소값). Gradient descent walks downhill from where it starts and stops in whichever
# valley that is:

# %%
wavy = sb.parse_graph("# params: w\nL = w**4 - 3*w**2 + w")
fw = sb.compile(wavy)
L_expr = wavy.definition("L").expr
dL_expr = sb.expanded(wavy, "w")
ends = {}
fig, ax = plt.subplots(figsize=(6.5, 3.6), dpi=110)
ws = np.linspace(-2.1, 2.1, 300)
ax.plot(ws, [fw.loss(np.array([w]), NO_DATA) for w in ws], "k", lw=2)
for start, color in ((-2.0, "#2874a6"), (-0.2, "#117a65"), (0.3, "#b9770e"), (2.0, "#c0392b")):
    run = sb.train(wavy, NO_DATA, None, lr=0.02, steps=400, theta0=[start])
    ends[start] = run.theta[0]
    ax.plot([start, ends[start]], [fw.loss(np.array([w]), NO_DATA) for w in (start, ends[start])],
            "o--", color=color, ms=5, label=f"start {start:+.1f} -> {ends[start]:+.3f}")
ax.set_xlabel("w")
ax.set_ylabel("L(w)")
ax.legend(fontsize=8)
ax.set_title("$L(w) = w^4 - 3w^2 + w$: two valleys")
roots = sorted(float(r) for r in sp.Poly(dL_expr, wavy.symbol("w")).nroots() if abs(sp.im(r)) < 1e-12)
print("critical points (dL/dw = 0):", [round(r, 4) for r in roots])

# %% [markdown]
# ## First order against second order
#
# Seed 002 compares methods by the derivatives they use. Gradient descent (first order) only
# knows the slope. Newton's method (second order) also uses the curvature $L''$ and jumps to the
# bottom of the parabola that fits $L$ at the current point: $w \leftarrow w - L'(w)/L''(w)$. It
# needs very few steps where $L$ is convex, but it is drawn to *any* flat point, maxima too,
# and for a network $L''$ is a matrix with one entry per pair of weights: too big to compute.
# symbackprop derives $L''$ by differentiating the derivative once more:

# %%
second = sb.Graph()
wv = second.params("w")
second.node("dL", dL_expr.xreplace({wavy.symbol("w"): wv}))
d2L_expr = sb.expanded(second, wv)
display(Math(r"L'(w) = " + sb.latex(dL_expr) + r",\qquad L''(w) = " + sb.latex(d2L_expr)))
dL = sp.lambdify(wavy.symbol("w"), dL_expr)
d2L = sp.lambdify(wv, d2L_expr)


def descend(start, step, n=60, tol=1e-10):
    path = [start]
    for _ in range(n):
        w = path[-1]
        path.append(step(w))
        if abs(dL(path[-1])) < tol:
            break
    return path


newton = descend(2.0, lambda w: w - dL(w) / d2L(w))
gd = descend(2.0, lambda w: w - 0.02 * dL(w), n=2000)
newton_max = descend(0.3, lambda w: w - dL(w) / d2L(w))
print(f"from w = 2: Newton {len(newton) - 1} steps to {newton[-1]:.6f}, gradient descent "
      f"{len(gd) - 1} steps to {gd[-1]:.6f}")
print(f"from w = 0.3 (L'' < 0 there) Newton climbs to the maximum at {newton_max[-1]:.4f}")

fig, ax = plt.subplots(figsize=(6.5, 3.4), dpi=110)
ax.semilogy([abs(dL(w)) + 1e-16 for w in gd], label="gradient descent (η = 0.02)")
ax.semilogy([abs(dL(w)) + 1e-16 for w in newton], "o-", label="Newton")
ax.set_xlabel("step")
ax.set_ylabel("|L'(w)|")
ax.legend()
ax.grid(True, which="both", alpha=0.3)

# %% [markdown]
# ## When to stop: a threshold on the gradient (seed 002)
#
# The seed stops descent once the gradient falls below a threshold (임계치). `sb.train` takes a
# callback that is called after every step and stops the run when it returns True; here it looks
# at the gradient:

# %%
stops = {}
for threshold in (1e-2, 1e-4, 1e-6):
    def small(step, theta, loss, threshold=threshold):
        return abs(loss_and_slope(theta[0])[1]) < threshold
    run = sb.train(bowl, NO_DATA, None, lr=0.1, steps=10_000, theta0=[6.0], callback=small)
    stops[threshold] = (run.steps, run.theta[0])
    print(f"threshold {threshold:g}: stopped after {run.steps} steps at w = {run.theta[0]:.8f}")

# %% [markdown]
# Each hundredfold smaller threshold costs the same number of extra steps: near the minimum the
# distance to it shrinks by the same factor $(1 - 2\eta)$ every step.
#
# ## Exercise
#
# For $L(w) = (w - 3)^2 + 1$ one step maps $w - 3$ to $(1 - 2\eta)(w - 3)$. For which learning
# rates $\eta$ does gradient descent diverge? Check your answer with `sb.train` on either side
# of the boundary (a diverging run raises `sb.DivergenceError`).

# %% tags=["solution"] jupyter={"source_hidden": true}
# solution: |1 - 2 eta| > 1, i.e. eta > 1, makes |w - 3| grow every step
boundary = 1.0
ok = sb.train(bowl, NO_DATA, None, lr=0.99 * boundary, steps=2000, theta0=[6.0])
assert abs(ok.theta[0] - 3) < 1  # shrinks, slowly (factor 0.98 a step)
try:
    sb.train(bowl, NO_DATA, None, lr=1.01 * boundary, steps=100_000, theta0=[6.0])
    raise AssertionError("expected divergence")
except sb.DivergenceError as err:
    print(f"eta = 1.01: {err}")

# %%
# headline: subtracting steps to the minimum from both sides; descent finds the valley it starts
# in; Newton needs a handful of steps where GD needs hundreds; the threshold stops the run
assert abs(paths[6.0][1] - 3) < 0.1 and abs(paths[0.0][1] - 3) < 0.1
assert paths[6.0][0][1] < 6.0 and paths[0.0][0][1] > 0.0
glob, loc = roots[0], roots[2]
assert abs(ends[-2.0] - glob) < 1e-3 and abs(ends[2.0] - loc) < 1e-3
assert abs(ends[-0.2] - glob) < 1e-3 and abs(ends[0.3] - loc) < 1e-3
assert fw.loss(np.array([glob]), NO_DATA) < fw.loss(np.array([loc]), NO_DATA)
assert len(newton) - 1 <= 8 and len(gd) - 1 > 100 and abs(newton[-1] - loc) < 1e-9
assert abs(newton_max[-1] - roots[1]) < 1e-6
assert stops[1e-2][0] < stops[1e-4][0] < stops[1e-6][0]
print(f"global minimum at w = {glob:.4f}, local at {loc:.4f}; Newton {len(newton) - 1} steps, "
      f"gradient descent {len(gd) - 1}")
