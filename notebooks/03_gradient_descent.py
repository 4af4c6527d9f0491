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
# # 03 · Gradient descent: why subtract, which way is down, and where it stops
#
# [← 02 · Circuits and gates](02_circuits_and_gates.ipynb) · [course index](README.md) ·
# next: [04 · Numerical against symbolic →](04_numerical_vs_symbolic.ipynb)
#
# **Learning goals.** After this notebook you can
#
# 1. explain why gradient descent (경사 하강법) *subtracts* the gradient,
#    $w \leftarrow w - \eta\, \partial L/\partial w$, with a learning rate (학습률) $\eta$;
# 2. see that $-\nabla L$ is the steepest way down *here*, not the way to the minimum, and what
#    that does on an elongated valley;
# 3. recognise local and global minima, compare gradient descent with Newton's method, and
#    stop descent with a threshold on the gradient.
#
# Backpropagation gives $\partial L/\partial w$, the derivative of the loss function (손실 함수)
# with respect to each weight; gradient descent uses it. The lecture notes on the loss and its
# derivatives explain why the gradient is subtracted; the lecture notes on gradient descent add
# local and global minima, first- and second-order methods, and when to stop. We start with
# losses of one weight, so that every step can be drawn.

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
NO_DATA = np.zeros((1, 0))  # these losses have no inputs: one (empty) example


def loss_and_slope(w):
    loss, grad = f(np.array([w]), NO_DATA)
    return loss, grad[0]


# %% [markdown]
# ## Why subtract?
#
# At the minimum the slope is 0. To the *right* of it the slope is positive, so subtracting
# $\eta \cdot$ slope moves $w$ left; to the *left* the slope is negative, so subtracting it moves
# $w$ right. Either way the step points at the minimum, and it shrinks as the slope flattens.
# Here $\eta = 0.15$, twelve steps from each side:

# %%
fig, ax = plt.subplots(figsize=(8.5, 3.6), dpi=110)
ws = np.linspace(-0.5, 6.5, 200)
ax.plot(ws, [loss_and_slope(w)[0] for w in ws], "k", lw=2, label="L(w)")
paths = {}
for start, color in ((6.0, "#c0392b"), (0.0, "#2874a6")):
    run = sb.train(bowl, NO_DATA, None, lr=0.15, steps=12, theta0=[start])
    w_path = [start]
    for _ in range(12):  # the same steps, by hand: w <- w - eta dL/dw
        w_path.append(w_path[-1] - 0.15 * loss_and_slope(w_path[-1])[1])
    paths[start] = (w_path, run.theta[0])
    ax.plot(w_path, [loss_and_slope(w)[0] for w in w_path], "o-", color=color, ms=4,
            label=f"from w = {start}: slope {loss_and_slope(start)[1]:+.1f} at the start")
ax.plot([3], [1], "k*", ms=14, label="minimum, w = 3")
ax.set_xlabel("w")
ax.set_ylabel("L(w)")
ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
ax.set_title("subtracting the slope steps towards the minimum from either side")
fig.tight_layout();

# %% [markdown]
# ## Steepest is not straight to the minimum
#
# With two weights the gradient is a vector, and (notebook 00) $-\nabla L$ is the direction in
# which $L$ falls fastest *at the current point*. On a round bowl that direction happens to
# point at the minimum. On an elongated one it does not: take
# $L(w_1, w_2) = \frac12 (w_1^2 + 10\, w_2^2)$, ten times steeper across the valley than
# along it. At a point such as $(-4, 1)$ the arrow $-\nabla L = (4, -10)$ points mostly
# *across* the valley, while the minimum lies along it.

# %%
valley = sb.parse_graph("# params: w1 w2\nL = (w1**2 + 10*w2**2)/2")
fv = sb.compile(valley)
start = np.array([-4.0, 1.0])
grad0 = fv(start, NO_DATA)[1]
cos = float(-grad0 @ -start / (np.linalg.norm(grad0) * np.linalg.norm(start)))
print(f"-grad at {start}: {-grad0}; direction to the minimum: {-start}; "
      f"angle between them {np.degrees(np.arccos(cos)):.0f} degrees")

vpaths = {}
for lr in (0.05, 0.18):
    trail = [start]
    sb.train(valley, NO_DATA, None, lr=lr, steps=40, theta0=start,
             callback=lambda step, theta, loss, trail=trail: trail.append(theta.copy()))
    vpaths[lr] = np.array(trail)

fig, ax = plt.subplots(figsize=(8.5, 3.8), dpi=110)
a, b = np.meshgrid(np.linspace(-4.5, 1.5, 200), np.linspace(-1.5, 1.5, 120))
ax.contour(a, b, (a**2 + 10 * b**2) / 2, levels=[0.25, 1, 2.5, 5, 8, 12], colors="0.6",
           linewidths=0.8)
for lr, color in ((0.05, "#2874a6"), (0.18, "#c0392b")):
    pth = vpaths[lr]
    ax.plot(pth[:, 0], pth[:, 1], "o-", color=color, ms=3, lw=1,
            label=f"gradient descent, η = {lr}: after 40 steps L = "
                  f"{fv.loss(pth[-1], NO_DATA):.1e}")
ax.annotate("", xy=start - 0.1 * grad0, xytext=start,
            arrowprops={"arrowstyle": "-|>", "color": "k", "lw": 1.5})
ax.text(start[0] + 0.1, start[1] - 0.05, r"$-\nabla L$", fontsize=9, va="top")
ax.plot([0], [0], "k*", ms=14, label="minimum (0, 0)")
ax.set_aspect("equal")
ax.set_xlabel("$w_1$")
ax.set_ylabel("$w_2$")
ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
ax.set_title("on an elongated valley $-\\nabla L$ points across it: descent zigzags", fontsize=10)
fig.tight_layout();

# %% [markdown]
# A small $\eta$ first drops into the valley floor, then crawls along it; a larger $\eta$
# overshoots across the steep direction and zigzags. The step size that the steep direction
# allows ($\eta < 2/10$ here: above it the zigzag grows) is far too small for the flat one.
# This is the problem that momentum and Adam (notebook 08) and Newton's method (below) address.
#
# ## Local and global minima
#
# A real loss has many valleys. The lowest is the global minimum (최솟값); the others are local
# minima (극소값). Gradient descent walks downhill from where it starts and stops in whichever
# valley that is. The paths below are every step of descent ($\eta = 0.02$) from four starts:

# %%
wavy = sb.parse_graph("# params: w\nL = w**4 - 3*w**2 + w")
fw = sb.compile(wavy)
L_expr = wavy.definition("L").expr
dL_expr = sb.expanded(wavy, "w")
roots = sorted(float(r) for r in sp.Poly(dL_expr, wavy.symbol("w")).nroots() if abs(sp.im(r)) < 1e-12)
print("critical points (dL/dw = 0):", [round(r, 4) for r in roots])
Lw = lambda w: float(fw.loss(np.array([w]), NO_DATA))
ends, wpaths = {}, {}
fig, ax = plt.subplots(figsize=(8.5, 3.8), dpi=110)
ws = np.linspace(-2.1, 2.1, 300)
ax.plot(ws, [Lw(w) for w in ws], "k", lw=2, label="$L(w) = w^4 - 3w^2 + w$")
for st, color in ((-2.0, "#2874a6"), (-0.2, "#117a65"), (0.3, "#b9770e"), (2.0, "#c0392b")):
    trail = [st]
    run = sb.train(wavy, NO_DATA, None, lr=0.02, steps=400, theta0=[st],
                   callback=lambda step, theta, loss, trail=trail: trail.append(theta[0]))
    ends[st], wpaths[st] = run.theta[0], trail
    ax.plot(trail, [Lw(w) for w in trail], ".-", color=color, ms=4, lw=0.8,
            label=f"descent from {st:+.1f}: ends at {ends[st]:+.3f}")
ax.plot([roots[0]], [Lw(roots[0])], "k*", ms=15, label=f"global minimum, w = {roots[0]:.3f}")
ax.plot([roots[2]], [Lw(roots[2])], "kD", ms=8, mfc="white",
        label=f"local minimum, w = {roots[2]:.3f}")
ax.set_xlabel("w")
ax.set_ylabel("L(w)")
ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
ax.set_title("descent ends in the valley it starts in")
fig.tight_layout();

# %% [markdown]
# ## First order against second order
#
# The lecture notes on gradient descent compare methods by the derivatives they use. Gradient
# descent (first order) only knows the slope. Newton's method (second order) also uses the
# curvature $L''$ and jumps to the bottom of the parabola that fits $L$ at the current point:
# $w \leftarrow w - L'(w)/L''(w)$. It needs very few steps where $L$ is convex, but it is
# drawn to *any* flat point, maxima too, and for a network $L''$ is a matrix with one entry per
# pair of weights: too big to compute. symbackprop derives $L''$ by differentiating the
# derivative once more:

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
ax.set_ylabel("|L'(w)| (log scale)")
ax.set_title("from w = 2: Newton reaches the nearby (local) minimum in a few steps", fontsize=10)
ax.legend(loc="upper right")
ax.grid(True, which="both", alpha=0.3);

# %% [markdown]
# ## When to stop: a threshold on the gradient
#
# The lecture notes stop descent once the gradient falls below a threshold (임계치).
# `sb.train` takes a callback that is called after every step and stops the run when it
# returns True; here it looks at the gradient:

# %%
stops = {}
for threshold in (1e-2, 1e-4, 1e-6):
    def small(step, theta, loss, threshold=threshold):
        return abs(loss_and_slope(theta[0])[1]) < threshold
    run = sb.train(bowl, NO_DATA, None, lr=0.1, steps=10_000, theta0=[6.0], callback=small)
    stops[threshold] = (run.steps, run.theta[0])
    print(f"threshold {threshold:g}: stopped after {run.steps} steps at w = {run.theta[0]:.8f}")

# %% [markdown]
# Each hundredfold smaller threshold costs about the same number of extra steps (about 20): near the minimum the
# distance to it shrinks by the same factor $(1 - 2\eta)$ every step.
#
# ## Exercise
#
# For $L(w) = (w - 3)^2 + 1$ one step maps $w - 3$ to $(1 - 2\eta)(w - 3)$. For which learning
# rates $\eta$ does gradient descent diverge? Check your answer with `sb.train` on either side
# of the boundary (a diverging run raises `sb.DivergenceError`).
#
# *The solution cell below only defines a function; open it after trying and call
# `solution()`.*

# %% tags=["solution"] jupyter={"source_hidden": true}
def solution():
    """The boundary, checked with sb.train on both sides of it."""
    # |1 - 2 eta| > 1, i.e. eta > 1, makes |w - 3| grow every step
    boundary = 1.0
    ok = sb.train(bowl, NO_DATA, None, lr=0.99 * boundary, steps=2000, theta0=[6.0])
    assert abs(ok.theta[0] - 3) < 1  # shrinks, slowly (factor 0.98 a step)
    try:
        sb.train(bowl, NO_DATA, None, lr=1.01 * boundary, steps=100_000, theta0=[6.0])
    except sb.DivergenceError:
        return boundary
    raise AssertionError("expected divergence")


# %% tags=["headline", "remove-cell"] jupyter={"source_hidden": true, "outputs_hidden": true}
# headline checks, run by the tests: subtracting steps to the minimum from both sides; on the
# elongated valley -grad points well away from the minimum; descent finds the valley it starts
# in; Newton needs a handful of steps where GD needs hundreds; the threshold stops the run
assert abs(paths[6.0][1] - 3) < 0.1 and abs(paths[0.0][1] - 3) < 0.1
assert paths[6.0][0][1] < 6.0 and paths[0.0][0][1] > 0.0
assert np.degrees(np.arccos(cos)) > 45
assert fv.loss(vpaths[0.05][-1], NO_DATA) > 0.05 and fv.loss(vpaths[0.18][-1], NO_DATA) < 1e-3
assert np.any(np.diff(np.sign(vpaths[0.18][:, 1])) != 0)  # the zigzag crosses the valley floor
glob, loc = roots[0], roots[2]
assert abs(ends[-2.0] - glob) < 1e-3 and abs(ends[2.0] - loc) < 1e-3
assert abs(ends[-0.2] - glob) < 1e-3 and abs(ends[0.3] - loc) < 1e-3
assert Lw(glob) < Lw(loc)
assert len(newton) - 1 <= 8 and len(gd) - 1 > 100 and abs(newton[-1] - loc) < 1e-9
assert abs(newton_max[-1] - roots[1]) < 1e-6
assert stops[1e-2][0] < stops[1e-4][0] < stops[1e-6][0]
assert solution() == 1.0
print(f"global minimum at w = {glob:.4f}, local at {loc:.4f}; Newton {len(newton) - 1} steps, "
      f"gradient descent {len(gd) - 1}")

# %% [markdown]
# ## Summary
#
# * $w \leftarrow w - \eta\,\partial L/\partial w$: subtracting the slope always steps downhill,
#   and the steps shrink as the slope flattens.
# * $-\nabla L$ is the steepest way down at the current point, not the way to the minimum: on an
#   elongated valley descent zigzags or crawls.
# * Descent stops in the valley it starts in (a local minimum is possible); Newton's method
#   uses the curvature and needs far fewer steps, but heads for any flat point and is too costly
#   for networks; a threshold on the gradient decides when to stop.
#
# **Next:** [04 · Numerical against symbolic →](04_numerical_vs_symbolic.ipynb): where the
# gradient comes from, and what it costs.
