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
# # 07 · Handwritten digits with a derived gradient
#
# A 64-32-10 network (2,410 parameters) with a softmax output and cross-entropy loss, on the
# 8x8 digits that ship with scikit-learn (the optional extra `digits`). The gradient is derived
# symbolically and compiled to matrix code; the loss is computed from the logits, so
# $\partial L/\partial z = \hat y - t$ and nothing overflows.

# %%
import time

import matplotlib.pyplot as plt

import symbackprop as sb
from symbackprop import datasets

Xtr, Ttr, Xte, Tte = datasets.digits(seed=0)
t0 = time.perf_counter()
net = sb.mlp([64, 32, 10], activation="tanh", loss="softmax_ce")
f = sb.compile(net)
print(f"built and compiled {len(f.params)} parameters in {time.perf_counter() - t0:.2f} s "
      f"({f.path} path)")
print(sb.check_gradient(f, sb.train(f, Xtr[:50], Ttr[:50], steps=0).theta, Xtr[:50], Ttr[:50]))

# %%
run = sb.train(f, Xtr, Ttr, lr=0.01, steps=1500, seed=0, batch_size=64, optimizer="adam")
test_acc = run.accuracy(Xte, Tte)
print(f"train accuracy {run.accuracy(Xtr, Ttr):.1%}, test accuracy {test_acc:.1%}")

# %%
fig, axes = plt.subplots(2, 8, figsize=(9, 2.6), dpi=100)
pred = run.predict(Xte).argmax(axis=1)
for ax, x, p, t in zip(axes.ravel(), Xte, pred, Tte.argmax(axis=1), strict=False):
    ax.imshow(x.reshape(8, 8), cmap="gray_r")
    ax.set_title(f"{p}" + ("" if p == t else f" (is {t})"), fontsize=9,
                 color="k" if p == t else "r")
    ax.set_axis_off()
fig.tight_layout()

# %% [markdown]
# ## Exercise
#
# Which digit does the net get wrong most often? Compute the accuracy on the held-out set for
# each digit separately.

# %% tags=["solution"] jupyter={"source_hidden": true}
# solution
truth = Tte.argmax(axis=1)
per_digit = {d: float((pred[truth == d] == d).mean()) for d in range(10)}
worst = min(per_digit, key=per_digit.get)
print({d: f"{a:.0%}" for d, a in per_digit.items()}, "hardest:", worst)
assert all(a >= 0.8 for a in per_digit.values())

# %%
# headline: at least 95% on held-out digits
assert test_acc >= 0.95
print(f"test accuracy {test_acc:.1%}")
