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
# # 05 · Training with the compiled gradients
#
# Gradient descent, as the lecture notes on the loss and its derivatives write it:
# $w \leftarrow w - \eta \, \partial L / \partial w$. The gradient comes from the backprop
# program compiled to NumPy. First XOR, then two moons, then the learning rate
# (the lecture notes on gradient descent: step down against the gradient, but not too far).

# %%
import matplotlib.pyplot as plt
import numpy as np

import symbackprop as sb
from symbackprop import datasets

X, T = datasets.xor()
net = sb.mlp([2, 4, 1], activation="tanh")
f = sb.compile(net)
print(f, "\n")
print(f.source)

# %%
run = sb.train(net, X, T, lr=0.5, steps=2000, seed=1)
print("final loss", run.history["loss"][-1], "accuracy", run.accuracy(X, T))
print(np.round(run.predict(X).ravel(), 3), "targets", T.ravel())

# %% [markdown]
# Before trusting a gradient, check it against central differences, at a random point (near
# the optimum the gradients are tiny and a relative error says little):

# %%
theta_random = np.random.default_rng(0).normal(size=len(f.params))
check = sb.check_gradient(f, theta_random, X, T)
print(check)

# %% [markdown]
# ## Two moons

# %%
Xm, Tm = datasets.two_moons(n=200, noise=0.1, seed=0)
moons = sb.mlp([2, 16, 1], activation="tanh", loss="bce")
run_m = sb.train(moons, Xm, Tm, lr=0.5, steps=3000, seed=1)
acc = run_m.accuracy(Xm, Tm)
print(f"training accuracy {acc:.1%}")

gx, gy = np.meshgrid(np.linspace(-1.5, 2.5, 200), np.linspace(-1, 1.5, 150))
P = run_m.predict(np.c_[gx.ravel(), gy.ravel()]).reshape(gx.shape)
fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), dpi=100)
# a pale background for the net's probability, the boundary in black, and the points in two
# markers that stand out from it: open circles (class 0) and filled triangles (class 1)
axes[0].contourf(gx, gy, P, levels=20, cmap="RdBu_r", alpha=0.35, vmin=-0.2, vmax=1.2)
axes[0].contour(gx, gy, P, levels=[0.5], colors="k", linewidths=1.5)
zero, one = Tm[:, 0] < 0.5, Tm[:, 0] > 0.5
axes[0].scatter(Xm[zero, 0], Xm[zero, 1], marker="o", facecolors="white", edgecolors="#1a5276",
                s=22, linewidths=1.2, label="class 0")
axes[0].scatter(Xm[one, 0], Xm[one, 1], marker="^", c="#922b21", edgecolors="k", s=26,
                linewidths=0.6, label="class 1")
axes[0].legend(fontsize=8, loc="lower left")
axes[0].set_title(f"decision boundary, accuracy {acc:.1%}")
axes[1].semilogy(run_m.history["loss"])
axes[1].set_xlabel("step")
axes[1].set_ylabel("loss")
axes[1].set_title("loss")
fig.tight_layout()

# %% [markdown]
# ## The learning rate: too small, right, too large

# %%
outcomes = {}
fig, ax = plt.subplots(figsize=(6, 3.6), dpi=110)
for lr in (0.01, 2.0, 100.0):
    try:
        r = sb.train(moons, Xm, Tm, lr=lr, steps=600, seed=1)
        losses = r.history["loss"]
        outcomes[lr] = losses[-1]
    except sb.DivergenceError as err:
        losses = err.history["loss"]
        outcomes[lr] = float("inf")
        print(f"lr={lr}: {err}")
    ax.semilogy(losses, label=f"η = {lr}")
ax.set_xlabel("step")
ax.set_ylabel("loss")
ax.legend()
print({lr: round(v, 4) for lr, v in outcomes.items()})

# %% [markdown]
# Too small: the loss creeps down. Right: it falls fast. Too large: the steps overshoot the
# valley and the loss jumps around instead of settling (or diverges, and training stops with a
# message naming the step, keeping the last good parameters).

# %% [markdown]
# ## Exercise
#
# Momentum (`optimizer="momentum"`) keeps a running velocity of past gradients. Train the
# two-moons net with plain gradient descent and with momentum, same learning rate (0.5), same
# seed, and find how many steps each needs to reach 97% training accuracy (check every 50 steps
# with a `callback`).

# %% tags=["solution"] jupyter={"source_hidden": true}
# solution
def steps_to(optimizer, target=0.97, limit=4000):
    seen = {}

    def cb(step, theta, loss):
        if step % 50 == 0:
            acc = ((sb.compile(moons).predict(theta, Xm)[:, 0] > 0.5) == (Tm[:, 0] > 0.5)).mean()
            if acc >= target:
                seen["step"] = step
                return True
        return False

    sb.train(moons, Xm, Tm, lr=0.5, steps=limit, seed=1, optimizer=optimizer, callback=cb)
    return seen.get("step", limit)


plain, heavy = steps_to("gd"), steps_to("momentum")
print(f"97% after {plain} steps of gradient descent, {heavy} with momentum")
assert heavy < plain

# %%
# headline: XOR learned, two moons at least 97%, and the middle learning rate wins
assert run.history["loss"][-1] < 1e-3 and run.accuracy(X, T) == 1.0
assert acc >= 0.97
assert check.max_rel_error < 1e-5
assert outcomes[2.0] < outcomes[0.01] and outcomes[2.0] < outcomes[100.0]
print(f"XOR loss {run.history['loss'][-1]:.2e}; two moons {acc:.1%}")
