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
# # 06 · Vanishing gradients
#
# `seeds/004_114ae84739bd6650.txt` §3.1: sigmoid and tanh have derivatives below 1
# ($\sigma' \le 1/4$), the chain rule multiplies one of them per layer, so the deeper the net,
# the smaller the gradient that reaches the first layers. The matrix form shows why:
# $\delta^{(l)} = ((W^{(l+1)})^\top \delta^{(l+1)}) \odot a'(z^{(l)})$, one factor $a'$ per layer.
#
# We measure the gradient norm of every weight matrix at initialisation for nets of growing
# depth, averaged over a few seeds.

# %%
import matplotlib.pyplot as plt
import numpy as np

import symbackprop as sb
from symbackprop import datasets

X, T = datasets.two_moons(n=128, seed=0)
depth = 10
norms = {}
for act in ("sigmoid", "tanh", "relu"):
    per_seed = []
    for seed in range(5):
        net = sb.mlp([2] + [8] * depth + [1], activation=act, loss="bce")
        run = sb.train(net, X, T, lr=1e-9, steps=1, seed=seed, layer_norms=True)
        per_seed.append([run.history[f"grad_norm_W{l}"][0] for l in range(1, depth + 2)])
    norms[act] = np.exp(np.mean(np.log(per_seed), axis=0))

fig, ax = plt.subplots(figsize=(6.5, 3.8), dpi=110)
for act, n in norms.items():
    ax.semilogy(range(1, depth + 2), n, "o-", label=act)
ax.set_xlabel("layer l (1 = next to the input)")
ax.set_ylabel("‖∂L/∂W^(l)‖ at initialisation")
ax.set_title(f"{depth} hidden layers of 8")
ax.legend()
ax.grid(True, which="both", alpha=0.3)

# %%
for act, n in norms.items():
    print(f"{act:8s} first layer / last layer = {n[0] / n[-1]:.2e}")

# %% [markdown]
# Sigmoid loses orders of magnitude between the output and the first layer; tanh
# ($\tanh'(0) = 1$) keeps more; ReLU passes gradients through unchanged wherever a unit is active.
# The symbolic view: the chain for a first-layer weight holds one $\sigma'$ factor per layer.

# %%
small = sb.mlp([1, 1, 1, 1, 1], activation="sigmoid")
print(sb.chain(small, "w1_11"))

# %%
# headline: sigmoid's first-layer gradient vanishes far more than relu's
ratio = {act: n[0] / n[-1] for act, n in norms.items()}
assert ratio["sigmoid"] < 1e-3
assert ratio["sigmoid"] < ratio["tanh"] < ratio["relu"] * 10
assert ratio["relu"] > 100 * ratio["sigmoid"]
print({k: f"{v:.1e}" for k, v in ratio.items()})
