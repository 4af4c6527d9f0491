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
# # 10 · A regression net, and why depth needs a nonlinearity
#
# [← 09 · Vanishing gradients](09_vanishing_gradients.ipynb) · [course index](README.md) ·
# next: [11 · Handwritten digits →](11_digits.ipynb)
#
# **Learning goals.** After this notebook you can
#
# 1. build a regression net (ReLU hidden layer, identity output, mean squared error) and
#    read the ReLU's derivative in its chain;
# 2. explain why the output of a regression net stays linear;
# 3. show that stacked linear layers collapse to one, so depth needs a nonlinear activation.
#
# The lecture notes on gradient descent build their chain-rule example on a regression net:
# ReLU in the hidden layer, the identity at the output (a regression model predicts a real
# number), mean squared error as the loss. The lecture notes on MLPs in matrices and vectors
# explain both choices: a stack of linear layers collapses into one linear map, so the hidden
# layers need a nonlinear activation, while the output stays linear so that it can take any
# value.

# %%
import matplotlib.pyplot as plt
import numpy as np
import sympy as sp
from IPython.display import Math, display

import symbackprop as sb
from symbackprop import datasets

net = sb.mlp([1, 16, 1], activation="relu", output_activation="identity", loss="mse")
print(repr(net))
display(Math(sb.latex(sb.chain(net, "w1_11"))))

# %% [markdown]
# The chain of a first-layer weight carries one factor $\mathbf{1}[z > 0]$ for the ReLU (its
# derivative: 1 for a positive input, 0 otherwise, taken as 0 at exactly 0) and no factor at
# all for the identity output. We fit $t = \sin(x)$ on $[-\pi, \pi]$ with Adam (notebook 08).

# %%
X, T = datasets.sine(n=120)
run = sb.train(net, X, T, lr=0.01, steps=3000, optimizer="adam", seed=2)
mse = run.loss(X, T)
xs = np.linspace(-np.pi, np.pi, 400)[:, None]
fig, axes = plt.subplots(1, 2, figsize=(10, 3.4), dpi=100)
axes[0].plot(X[:, 0], T[:, 0], "k.", ms=4, label="data: t = sin(x)")
axes[0].plot(xs[:, 0], run.predict(xs)[:, 0], "#c0392b", lw=2, label=f"ReLU net, MSE {mse:.1e}")
axes[0].legend(fontsize=8, loc="upper left")  # the upper left corner holds no data
axes[0].set_xlabel("x")
axes[0].set_ylabel("t, and the net's prediction")
axes[0].set_title("1-16-1 ReLU net, identity output: a piecewise-linear fit", fontsize=10)
axes[1].semilogy(run.history["loss"])
axes[1].set_xlabel("step (Adam, η = 0.01)")
axes[1].set_ylabel("MSE (log scale)")
axes[1].set_title("training loss", fontsize=10)
fig.tight_layout();

# %% [markdown]
# The fitted curve is piecewise linear: each ReLU unit contributes a kink. That is the point of
# the nonlinearity.
#
# ## Why the output stays linear
#
# A regression target can be any real number. With a sigmoid at the output every prediction
# lies in $(0, 1)$, and no amount of training reaches a target of 2:

# %%
T2 = 2 * T
lin = sb.train(net, X, T2, lr=0.01, steps=3000, optimizer="adam", seed=2)
squashed_net = sb.mlp([1, 16, 1], activation="relu", output_activation="sigmoid", loss="mse")
squashed = sb.train(squashed_net, X, T2, lr=0.01, steps=3000, optimizer="adam", seed=2)
print(f"targets in [-2, 2]: identity output MSE {lin.loss(X, T2):.4f}, sigmoid output MSE "
      f"{squashed.loss(X, T2):.4f}; sigmoid predictions lie in "
      f"[{squashed.predict(xs).min():.3f}, {squashed.predict(xs).max():.3f}]")

# %% [markdown]
# ## Stacked linear layers are one linear layer
#
# With the identity everywhere, a 2-3-3-1 net is $y = W_3(W_2(W_1 x + b_1) + b_2) + b_3$,
# which multiplies out to $W x + b$ with $W = W_3 W_2 W_1$ and $b = W_3 W_2 b_1 + W_3 b_2 + b_3$:
# however deep, it is the same as one fully connected layer (the lecture notes on MLPs make
# this point). symbackprop writes the output in the leaves and we compare:

# %%
linear = sb.mlp([2, 3, 3, 1], activation="identity", output_activation="identity")
y = sb.derive.full_substitution(linear)[linear.predictions[0]]
W1, W2, W3 = linear.weights
b1, b2, b3 = linear.biases
x_vec = sp.Matrix(linear.input_symbols)
one_layer = (W3 * W2 * W1 * x_vec + W3 * W2 * b1 + W3 * b2 + b3)[0]
print("deep linear net minus one layer:", sp.expand(y - one_layer))
# so its gradient with respect to the input is the same everywhere:
slopes = [sp.diff(y, xk) for xk in linear.input_symbols]
print("dy/dx depends on x:", any(s.free_symbols & set(linear.input_symbols) for s in slopes))

# %% [markdown]
# With a nonlinear activation the slope $\partial y/\partial x$ changes from point to point,
# which is what lets a deeper net draw a more complicated function:

# %%
curved = sb.mlp([2, 3, 3, 1], activation="tanh", output_activation="identity")
y_curved = sb.derive.full_substitution(curved)[curved.predictions[0]]
slope_curved = sp.diff(y_curved, curved.input_symbols[0])
print("dy/dx1 of the tanh net depends on x:",
      bool(slope_curved.free_symbols & set(curved.input_symbols)))

# %% [markdown]
# ## Exercise
#
# XOR cannot be separated by a straight line. Train a *linear* net (identity activation
# everywhere, `half_se` loss) on `datasets.xor()`: what is the smallest loss it can reach, and
# what does it predict? Then give the hidden layer a `tanh` and compare.
#
# *The solution cell below only defines a function; open it after trying and call
# `solution()`.*

# %% tags=["solution"] jupyter={"source_hidden": true}
def solution():
    """The linear net's best loss and predictions on XOR, and the tanh net's loss."""
    # the best linear fit predicts 1/2 at all four corners, so E = 1/2 (1/2)^2 = 0.125
    Xx, Tx = datasets.xor()
    flat = sb.train(sb.mlp([2, 4, 1], activation="identity", output_activation="identity"),
                    Xx, Tx, lr=0.1, steps=3000, seed=0)
    assert flat.loss(Xx, Tx) > 0.124 and np.allclose(flat.predict(Xx), 0.5, atol=0.02)
    bent = sb.train(sb.mlp([2, 4, 1], activation="tanh", output_activation="identity"),
                    Xx, Tx, lr=0.1, steps=3000, seed=0)
    assert bent.loss(Xx, Tx) < 1e-3
    return flat.loss(Xx, Tx), flat.predict(Xx).ravel(), bent.loss(Xx, Tx)


# %% tags=["headline", "remove-cell"] jupyter={"source_hidden": true, "outputs_hidden": true}
# headline checks, run by the tests: the ReLU regression net fits sin(x); a sigmoid output
# cannot reach a target of 2; a stack of linear layers is one linear layer, a tanh stack is not
assert mse < 5e-3
assert lin.loss(X, T2) < 0.02 and squashed.loss(X, T2) > 0.5
assert sp.expand(y - one_layer) == 0
assert not any(s.free_symbols & set(linear.input_symbols) for s in slopes)
assert slope_curved.free_symbols & set(curved.input_symbols)
solution()
print(f"sine fitted to MSE {mse:.1e}; linear layers collapse to one")

# %% [markdown]
# ## Summary
#
# * A regression net: nonlinear hidden layers, an identity output (so that it can predict any
#   real number), mean squared error.
# * ReLU's derivative is $\mathbf{1}[z > 0]$; each unit adds a kink, so the fit is piecewise
#   linear.
# * Without a nonlinearity, any stack of layers is one linear map $Wx + b$: depth buys nothing,
#   and XOR stays out of reach.
#
# **Next:** [11 · Handwritten digits →](11_digits.ipynb): a real data set, ten classes.
