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
# # 08 · Training with the compiled gradients
#
# [← 07 · The matrix form](07_matrix_form.ipynb) · [course index](README.md) ·
# next: [09 · Vanishing gradients →](09_vanishing_gradients.ipynb)
#
# **Learning goals.** After this notebook you can
#
# 1. train a small net by gradient descent (경사 하강법) with a compiled gradient, and check
#    that gradient against central differences first;
# 2. explain the binary cross-entropy loss and why classifiers use it;
# 3. choose a learning rate (학습률), and explain what momentum and Adam change about the
#    plain update $w \leftarrow w - \eta\,\partial L/\partial w$.
#
# The gradient comes from the backprop program of notebooks 05–07, compiled to NumPy: one
# function that returns the loss and every gradient for a whole batch. First XOR, then two
# moons, then the learning rate, then two better updates.

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

# %% [markdown]
# The generated code runs the program of notebook 05 on arrays: the forward values, then the
# deltas from the loss backwards, then each gradient as a delta times what its weight
# multiplies, averaged over the batch. Training is the loop of notebook 03 around it:

# %%
run = sb.train(net, X, T, lr=0.5, steps=2000, seed=1)
print("final loss", run.history["loss"][-1], "accuracy", run.accuracy(X, T))
print(np.round(run.predict(X).ravel(), 3), "targets", T.ravel())

# %% [markdown]
# Before trusting a gradient, check it against central differences (notebook 04), at a random
# point (near the optimum the gradients are tiny and a relative error says little):

# %%
theta_random = np.random.default_rng(0).normal(size=len(f.params))
check = sb.check_gradient(f, theta_random, X, T)
print(check)

# %% [markdown]
# ## Two moons, and a loss for classifiers
#
# Two moons is a classification problem: each point is class 0 or class 1. The net's output
# $\hat y = \sigma(z)$ is read as the probability of class 1, and the loss function (손실 함수)
# is the **binary cross-entropy** (`loss="bce"`):
#
# $$L = -\big(t \log \hat y + (1 - t)\log(1 - \hat y)\big).$$
#
# It is the negative log-probability the net gives to the right class: near 0 when the net is
# confidently right, large when it is confidently wrong. With the sigmoid output its gradient
# with respect to the output's weighted sum is simply $\hat y - t$; the squared error's would
# carry an extra factor $\sigma'(z) \le 1/4$ that almost vanishes when the net is confidently
# wrong, which is exactly when it should learn most.

# %%
Xm, Tm = datasets.two_moons(n=200, noise=0.1, seed=0)
moons = sb.mlp([2, 16, 1], activation="tanh", loss="bce")
# symbackprop writes the loss from the output's weighted sum z (the logit): the same function,
# as softplus(z) - t z, which never takes the log of 0
print("L =", moons.definition(moons.output).expr)
run_m = sb.train(moons, Xm, Tm, lr=0.5, steps=3000, seed=1)
acc = run_m.accuracy(Xm, Tm)
print(f"training accuracy {acc:.1%}")

gx, gy = np.meshgrid(np.linspace(-1.5, 2.5, 200), np.linspace(-1, 1.5, 150))
P = run_m.predict(np.c_[gx.ravel(), gy.ravel()]).reshape(gx.shape)
fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), dpi=100)
# a pale background for the net's probability, the boundary in black, and the points in two
# markers that stand out from it: open circles (class 0) and filled triangles (class 1)
axes[0].contourf(gx, gy, P, levels=20, cmap="RdBu_r", alpha=0.35, vmin=-0.2, vmax=1.2)
axes[0].contour(gx, gy, P, levels=[0.5], colors="k", linewidths=1.5)
zero, one = Tm[:, 0] < 0.5, Tm[:, 0] > 0.5
axes[0].scatter(Xm[zero, 0], Xm[zero, 1], marker="o", facecolors="white", edgecolors="#1a5276",
                s=22, linewidths=1.2, label="class 0")
axes[0].scatter(Xm[one, 0], Xm[one, 1], marker="^", c="#922b21", edgecolors="k", s=26,
                linewidths=0.6, label="class 1")
axes[0].plot([], [], "k-", label="boundary, P(class 1) = 0.5")
axes[0].legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=3)
axes[0].set_xlabel("$x_1$")
axes[0].set_ylabel("$x_2$")
axes[0].set_title(f"decision boundary, training accuracy {acc:.1%}")
axes[1].semilogy(run_m.history["loss"])
axes[1].set_xlabel("step")
axes[1].set_ylabel("cross-entropy (log scale)")
axes[1].set_title("the loss falls as the boundary bends")
fig.tight_layout();

# %% [markdown]
# ## The learning rate: too small, right, too large

# %%
outcomes = {}
fig, ax = plt.subplots(figsize=(8, 3.6), dpi=110)
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
ax.set_ylabel("cross-entropy (log scale)")
ax.set_title("learning rate: too small creeps, too large jumps")
ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1))
fig.tight_layout()
print({lr: round(v, 4) for lr, v in outcomes.items()})

# %% [markdown]
# Too small: the loss creeps down. Right: it falls fast. Too large: the steps overshoot the
# valley and the loss jumps around instead of settling (or diverges, and training stops with a
# message naming the step, keeping the last good parameters).
#
# ## Better steps: momentum and Adam
#
# Notebook 03 showed plain descent zigzagging across an elongated valley and crawling along
# it. Two changes to the update, both options of `sb.train`:
#
# * **Momentum** (`optimizer="momentum"`) keeps a velocity $v$, a running sum of past steps:
#   $v \leftarrow \mu v - \eta\, \nabla L$, $w \leftarrow w + v$, with $\mu = 0.9$ by default.
#   Steps that agree (along the valley) add up; steps that alternate (across it) cancel.
# * **Adam** (`optimizer="adam"`) keeps running averages of the gradient, $m$, and of its
#   square, $s$ (with decay rates $\beta_1 = 0.9$, $\beta_2 = 0.999$), and steps by
#   $w \leftarrow w - \eta\, \hat m / (\sqrt{\hat s} + \epsilon)$, where $\hat m, \hat s$ correct
#   the averages' start at 0. Dividing by $\sqrt{\hat s}$ gives every weight a step of about
#   $\eta$ whatever the size of its gradient, so steep and flat directions move alike. Its
#   usual learning rate is smaller, around 0.001–0.01.

# %%
compare = {}
fig, ax = plt.subplots(figsize=(8, 3.6), dpi=110)
for opt, lr in (("gd", 0.5), ("momentum", 0.5), ("adam", 0.01)):
    r = sb.train(moons, Xm, Tm, lr=lr, steps=1000, seed=1, optimizer=opt)
    compare[opt] = r.history["loss"][-1]
    ax.semilogy(r.history["loss"], label=f"{opt}, η = {lr}: final loss {compare[opt]:.3f}")
ax.set_xlabel("step")
ax.set_ylabel("cross-entropy (log scale)")
ax.set_title("the same net and start: momentum and Adam get lower, sooner")
ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8)
fig.tight_layout();

# %% [markdown]
# ## Exercise
#
# How many steps does each optimizer need to reach 97% training accuracy on two moons? Use
# `optimizer="gd"` and `"momentum"` with $\eta = 0.5$, seed 1, and a `callback` (notebook 03)
# that checks the accuracy every 50 steps and stops the run when it is reached.
# (`f_moons.predict(theta, Xm)` gives the predictions for a parameter vector.)
#
# *The solution cell below only defines a function; open it after trying and call
# `solution()`.*

# %%
f_moons = sb.compile(moons)


# %% tags=["solution"] jupyter={"source_hidden": true}
def solution():
    """Steps to 97% for plain descent and for momentum."""
    def steps_to(optimizer, target=0.97, limit=4000):
        seen = {}

        def cb(step, theta, loss):
            if step % 50 == 0:
                pred = f_moons.predict(theta, Xm)[:, 0] > 0.5
                if (pred == (Tm[:, 0] > 0.5)).mean() >= target:
                    seen["step"] = step
                    return True
            return False

        sb.train(f_moons, Xm, Tm, lr=0.5, steps=limit, seed=1, optimizer=optimizer, callback=cb)
        return seen.get("step", limit)

    return steps_to("gd"), steps_to("momentum")


# %% tags=["headline", "remove-cell"] jupyter={"source_hidden": true, "outputs_hidden": true}
# headline checks, run by the tests: XOR learned, two moons at least 97%, the middle learning
# rate wins, momentum and Adam beat plain descent, and momentum reaches 97% sooner
assert run.history["loss"][-1] < 1e-3 and run.accuracy(X, T) == 1.0
assert acc >= 0.97
assert check.max_rel_error < 1e-5
assert outcomes[2.0] < outcomes[0.01] and outcomes[2.0] < outcomes[100.0]
assert compare["momentum"] < compare["gd"] and compare["adam"] < compare["gd"]
plain, heavy = solution()
assert heavy < plain
print(f"XOR loss {run.history['loss'][-1]:.2e}; two moons {acc:.1%}; 97% after {plain} steps "
      f"(gd), {heavy} (momentum)")

# %% [markdown]
# ## Summary
#
# * `sb.compile` turns the backprop program into one NumPy function; `sb.train` runs gradient
#   descent with it. Check a gradient against central differences before trusting it.
# * Classifiers use the binary cross-entropy: with a sigmoid output its gradient is
#   $\hat y - t$, large exactly when the net is confidently wrong.
# * The learning rate decides between creeping and jumping; momentum adds up consistent steps,
#   Adam scales each weight's step by the size of its recent gradients.
#
# **Next:** [09 · Vanishing gradients →](09_vanishing_gradients.ipynb): why deep nets can stop
# learning in their first layers.
