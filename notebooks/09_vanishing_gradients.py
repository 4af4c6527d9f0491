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
# # 09 · Vanishing gradients: the activation and the initialisation
#
# [← 08 · Training](08_training.ipynb) · [course index](README.md) ·
# next: [10 · Regression and linearity →](10_regression_and_linearity.ipynb)
#
# **Learning goals.** After this notebook you can
#
# 1. explain from the matrix form why gradients can shrink (vanish) or grow (explode) from
#    layer to layer;
# 2. tell apart what the activation contributes ($a' \le 1/4$ for the sigmoid) and what the
#    weights contribute (about $\sqrt{n}\,\sigma_w$ per layer);
# 3. pick an initialisation that keeps the gradient's size (Xavier for tanh, He for ReLU).
#
# The lecture notes on MLPs in matrices and vectors: the derivatives of sigmoid and tanh are
# below 1, the chain rule multiplies one of them per layer, so the deeper the net, the smaller
# the gradient that reaches the first layers (기울기 소실, vanishing gradient). The matrix form of
# backpropagation shows where the factors come from:
# $\delta^{(l)} = ((W^{(l+1)})^\top \delta^{(l+1)}) \odot a'(z^{(l)})$, one weight matrix and
# one $a'$ per layer. So the size of the gradient depends on both: the activation's derivative
# *and* the size of the weights, which is set by the initialisation.
#
# The experiment: the same net (10 hidden layers of 16, two moons, cross-entropy), the gradient
# norm of every weight matrix at initialisation, for three activations and three stated
# initialisations of the weights (biases 0), each averaged (geometric mean) over five seeds:
#
# * **small**: $w \sim N(0, 0.1^2)$;
# * **Xavier** (Glorot): $w \sim U(-\sqrt{6/(n_{in} + n_{out})}, \sqrt{6/(n_{in} + n_{out})})$,
#   variance $2/(n_{in} + n_{out})$; `sb.train` starts from it by default;
# * **N(0, 1)**: $w \sim N(0, 1)$, a "plain" random start.

# %%
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Math, display

import symbackprop as sb
from symbackprop import datasets

X, T = datasets.two_moons(n=128, seed=0)
depth, width = 10, 16
INITS = ("small", "Xavier", "N(0, 1)")


def initial(net, kind, seed):
    """Weights drawn as stated above (biases 0), in the order of the compiled parameters."""
    rng = np.random.default_rng(seed)
    theta = np.zeros(len(net.param_symbols))
    for i, s in enumerate(net.param_symbols):
        meta = net.meta[s.name]
        if meta["role"] == "weight":
            n_in, n_out = net.layers[meta["layer"] - 1], net.layers[meta["layer"]]
            theta[i] = {"small": 0.1 * rng.normal(),
                        "Xavier": rng.uniform(-1, 1) * np.sqrt(6 / (n_in + n_out)),
                        "N(0, 1)": rng.normal()}[kind]
    return theta


norms = {}
for act in ("sigmoid", "tanh", "relu"):
    net = sb.mlp([2] + [width] * depth + [1], activation=act, loss="bce")
    f = sb.compile(net)
    layer_of = [net.meta[s.name].get("layer") if net.meta[s.name]["role"] == "weight" else None
                for s in f.params]
    for kind in INITS:
        per_seed = []
        for seed in range(5):
            _, grad = f(initial(net, kind, seed), X, T)
            per_seed.append([np.linalg.norm(grad[[i for i, l in enumerate(layer_of) if l == k]])
                             for k in range(1, depth + 2)])
        norms[act, kind] = np.exp(np.mean(np.log(per_seed), axis=0))

fig, axes = plt.subplots(1, 3, figsize=(12, 3.6), dpi=100, sharey=True)
for ax, act in zip(axes, ("sigmoid", "tanh", "relu"), strict=True):
    for kind, style in zip(INITS, ("s:", "o-", "^--"), strict=True):
        ax.semilogy(range(1, depth + 2), norms[act, kind], style, label=kind)
    ax.set_title(act)
    ax.set_xlabel("layer $l$ (1 = next to the input)")
    ax.grid(True, which="both", alpha=0.3)
axes[0].set_ylabel(r"$\|\partial L/\partial W^{(l)}\|$ at initialisation")
fig.legend(*axes[0].get_legend_handles_labels(), title="initial weights", loc="upper center",
           bbox_to_anchor=(0.5, 0.02), ncol=3, fontsize=9)
fig.suptitle("gradient size per layer at initialisation: sigmoid always shrinks towards the "
             "input; tanh and ReLU depend on the weights", fontsize=10)
fig.tight_layout(rect=(0, 0.08, 1, 0.97));

# %%
ratio = {key: n[0] / n[-1] for key, n in norms.items()}
per_layer = {key: r ** (1 / depth) for key, r in ratio.items()}  # geometric mean per layer
for (act, kind), r in ratio.items():
    print(f"{act:8s} {kind:8s} first layer / last layer = {r:.2e}, "
          f"about x{per_layer[act, kind]:.2f} per layer")

# %% [markdown]
# **Why they differ.** Going back one layer multiplies the delta by $W^\top$ and by $a'(z)$.
# For $n$ inputs per neuron, $W^\top$ scales it by about $\sqrt{n}\,\sigma_w$, and $a'(z)$ by
# at most its maximum: $\sigma'(z) \le 1/4$, $\tanh'(z) \le 1$ (equal to 1 at $z = 0$), and
# ReLU's derivative is exactly 0 or 1. So each layer multiplies the delta by at most about
# $\sqrt{n}\,\sigma_w \cdot \max a'$.
#
# *Sigmoid*: the activation alone divides the delta by at least 4 per layer. With Xavier's
# weights ($\sqrt{n}\,\sigma_w = \sqrt{16} \cdot 0.25 = 1$) nothing makes up for it: the output
# above shows about $\times 0.25$ per layer (the weights are small, so $z$ stays near 0, where
# $\sigma' = 1/4$), and with small weights $0.4 \cdot 1/4 \approx 0.1$. Larger weights can make
# up for part of it: with $N(0, 1)$, $\sqrt{16} \cdot 1 = 4$ cancels the 1/4 at best; but large weights push $z$ away from 0,
# where $\sigma'$ is much smaller than 1/4, so the measured factor (printed above, about
# $\times 0.5$) stays below 1. Whatever the weights, the sigmoid net's first layers receive less
# than its last ones, and its outputs are not centred at 0 either: the vanishing gradient
# (기울기 소실) of the lecture notes.
#
# *tanh* is decided by the initialisation: with Xavier's $\sigma_w^2 \approx 1/n$ the two
# factors cancel ($\sqrt{n}\,\sigma_w \approx 1$, $\tanh' \approx 1$ near 0) and the gradient
# keeps its size through all ten layers. With small weights each layer passes on only
# $\sqrt{16} \cdot 0.1 = 0.4$ of the signal, forward and backward alike: a weight's gradient
# is its neuron's delta (shrinking towards the input) times the activation it reads (shrinking
# towards the output), so the layers stay level with each other, but every gradient is some ten
# thousand times smaller than with Xavier; the whole net has vanished. With $N(0, 1)$ every
# layer multiplies the delta by about $\sqrt{16} = 4$ until the units saturate, and the
# gradient grows towards the input instead (exploding).
#
# *ReLU* does not shrink the delta where a unit is active, so the ratio across layers stays
# near 1, but its overall size is set by $\sqrt{n}\,\sigma_w$ alone: $N(0, 1)$ gives gradients
# in the thousands. He initialisation ($\sigma_w^2 = 2/n$, the exercise below) is the choice
# made for it.
#
# The symbolic view: the chain for a first-layer weight of a thin sigmoid net holds one
# $\sigma'$ factor per layer, each written $h(1-h) \le 1/4$ in the activation $h$ of its
# neuron:

# %%
thin = sb.mlp([1, 1, 1, 1, 1], activation="sigmoid")
display(Math(sb.latex(sb.chain(thin, "w1_11"))))

# %% [markdown]
# ## Exercise
#
# He initialisation draws ReLU weights from $N(0, 2/n_{in})$: the factor 2 makes up for the half
# of the units that are off. Compute the per-layer gradient norms of the ReLU net with it and
# check that the first and last layers are within a factor 5 of each other, with norms of
# order 1 (not thousands).
#
# *The solution cell below only defines a function; open it after trying and call
# `solution()`.*

# %% tags=["solution"] jupyter={"source_hidden": true}
def solution():
    """Per-layer gradient norms of the ReLU net under He initialisation (geometric mean of 5)."""
    relu_net = sb.mlp([2] + [width] * depth + [1], activation="relu", loss="bce")
    f_relu = sb.compile(relu_net)
    he_norms = []
    for seed in range(5):
        rng = np.random.default_rng(seed)
        theta = np.zeros(len(f_relu.params))
        for i, s in enumerate(f_relu.params):
            meta = relu_net.meta[s.name]
            if meta["role"] == "weight":
                theta[i] = rng.normal() * np.sqrt(2 / relu_net.layers[meta["layer"] - 1])
        _, grad = f_relu(theta, X, T)
        he_norms.append([np.linalg.norm(grad[[i for i, s in enumerate(f_relu.params)
                                              if relu_net.meta[s.name].get("layer") == k
                                              and relu_net.meta[s.name]["role"] == "weight"]])
                         for k in range(1, depth + 2)])
    he = np.exp(np.mean(np.log(he_norms), axis=0))
    assert 0.2 < he[0] / he[-1] < 5 and 0.01 < he.max() < 10
    return he


# %% tags=["headline", "remove-cell"] jupyter={"source_hidden": true, "outputs_hidden": true}
# headline checks, run by the tests: sigmoid vanishes under every initialisation (below 1 per
# layer, about 1/4 with Xavier); tanh depends on it (kept by Xavier, tiny everywhere when small,
# growing towards the input from N(0, 1)); ReLU keeps the ratio but N(0, 1) makes it huge
assert all(ratio["sigmoid", kind] < 0.05 for kind in INITS)
assert all(per_layer["sigmoid", kind] < 1 for kind in INITS)
assert 0.2 < per_layer["sigmoid", "Xavier"] < 0.3 and per_layer["sigmoid", "small"] < 0.15
assert 0.3 < per_layer["sigmoid", "N(0, 1)"] < 0.8
assert ratio["sigmoid", "Xavier"] < 1e-4
assert 0.3 < ratio["tanh", "Xavier"] < 3
assert norms["tanh", "small"].max() < 1e-3 * norms["tanh", "Xavier"].min()
assert ratio["tanh", "N(0, 1)"] > 3
assert all(0.2 < ratio["relu", kind] < 5 for kind in ("Xavier", "N(0, 1)"))
assert norms["relu", "N(0, 1)"].min() > 100 * norms["relu", "Xavier"].max()
solution()
print({f"{a}/{k}": f"x{r:.2f} per layer" for (a, k), r in per_layer.items()})

# %% [markdown]
# ## Summary
#
# * Going back one layer multiplies the delta by $W^\top$ (about $\sqrt{n}\,\sigma_w$) and by
#   $a'(z)$; over many layers these factors compound.
# * The sigmoid's $\sigma' \le 1/4$ makes its gradients vanish under every initialisation
#   tried here; tanh keeps them with Xavier's initialisation; ReLU keeps the ratio, and He's
#   initialisation keeps the size.
# * Vanishing and exploding are two sides of the same product: choose activation and
#   initialisation together.
#
# **Next:** [10 · Regression and linearity →](10_regression_and_linearity.ipynb): why a net
# needs a nonlinear activation at all.
