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
# # 06 · Why not expand everything and differentiate?
#
# [← 05 · The 2-2-1 net by hand](05_mlp_by_hand.ipynb) · [course index](README.md) ·
# next: [07 · The matrix form →](07_matrix_form.ipynb)
#
# **Learning goals.** After this notebook you can
#
# 1. explain why the fully expanded derivative of a deep net is huge: it writes one product per
#    path, and the number of paths multiplies with every layer;
# 2. read a growth factor off a log-scale plot;
# 3. say what backpropagation saves: each delta computed once and reused.
#
# The lecture notes on the loss and its derivatives ask it outright: can't we just write the
# whole loss out as one formula and take its partial derivatives (편미분)? Here are the sizes.
# For nets with `depth` hidden layers of `width` neurons, we measure the derivative of the loss
# for the first (deepest) weight in three forms:
#
# * **expanded**: every node substituted, then differentiated (counted past 5,000 nodes, not built);
# * **chain**: the sum over paths of local derivatives, written in the local symbols;
# * **backprop**: the whole program that gives *all* gradients, each delta computed once.

# %%
import numpy as np

import symbackprop as sb
from symbackprop.render.plot import plot_size_study
from symbackprop.render.sizes import size_study, study_table

rows = size_study(widths=range(1, 5), depths=range(1, 9), activation="sigmoid")
print(study_table(rows))

# %%
fig = plot_size_study(rows, title="∂E/∂w for the first weight: expanded grows exponentially,"
                                  "\nbackprop barely")

# %% [markdown]
# On a log scale a straight line is exponential growth. The expanded derivative (solid) climbs
# nearly straight lines, steeper the wider the net; the backprop program (dashed) stays nearly
# flat, although it holds every gradient, not one.

# %% [markdown]
# ## Growth factors
#
# Fit $\log(\text{size}) = a + \text{depth}\cdot\log r$ over depths 3–8: $r$ is the factor by
# which each extra layer multiplies the size.

# %%
factors = {}
for w in range(1, 5):
    rs = sorted((r for r in rows if r["width"] == w and r["depth"] >= 3), key=lambda r: r["depth"])
    d = np.array([r["depth"] for r in rs])
    for form in ("expanded_tree", "chain_tree", "backprop_tree"):
        slope = np.polyfit(d, np.log([r[form] for r in rs]), 1)[0]
        factors[(w, form)] = float(np.exp(slope))
for w in range(1, 5):
    print(f"width {w}: per extra layer, expanded x{factors[(w, 'expanded_tree')]:.2f}, "
          f"chain x{factors[(w, 'chain_tree')]:.2f}, "
          f"backprop x{factors[(w, 'backprop_tree')]:.2f}")

# %% [markdown]
# With width $n$ both the expanded and the chain form grow by about a factor $n$ per layer:
# the number of paths from a first-layer weight to the loss multiplies by $n$ with every layer,
# and both forms write something for every path. The expanded form starts higher, because each
# of its factors carries the whole substituted sub-network. Backprop grows by a constant
# *amount* per layer (the factor falls towards 1): each layer adds its own deltas once and every
# weight below reuses them.

# %% [markdown]
# ## One net, side by side
#
# For a single small net, the comparison table also shows the DAG (SymPy shares repeated
# subtrees in memory) and the size after common-subexpression elimination: CSE recovers much of
# what backprop saves, but it has to find, after the fact, what backprop reuses by construction.

# %%
print(sb.compare_sizes(sb.mlp([2, 3, 3, 1], activation="sigmoid"), "w1_11"))

# %% [markdown]
# And asking for the expanded form of a deep, wide net is refused at once with the size it would
# have had:

# %%
try:
    sb.expanded(sb.mlp([4, 4, 4, 4, 4, 4, 4, 4, 4, 1]), "w1_11")
except sb.ExpressionTooLargeError as err:
    print(err)

# %% [markdown]
# ## Exercise
#
# The chain form is long because it writes one product per *path*. How many paths lead from the
# first weight $w^{(1)}_{11}$ to the loss in a net with `depth` hidden layers of `width` neurons
# and one output? Find the formula, then check it with `sb.count_paths` (which counts without
# listing) for widths 2–4 and depths 1–6.
#
# *The solution cell below only defines a function; open it after trying and call
# `solution()`.*

# %% tags=["solution"] jupyter={"source_hidden": true}
def solution():
    """The path count, checked for widths 2-4 and depths 1-6."""
    # w1_11 feeds one neuron of the first hidden layer; from there every later hidden layer
    # offers `width` choices and the output one: width ** (depth - 1) paths
    for w in (2, 3, 4):
        for d in range(1, 7):
            n = sb.count_paths(sb.mlp([2] + [w] * d + [1], activation="sigmoid"), "w1_11")
            assert n == w ** (d - 1), (w, d, n)
    return "width ** (depth - 1)"


# %% tags=["headline", "remove-cell"] jupyter={"source_hidden": true, "outputs_hidden": true}
# headline checks, run by the tests: expanded grows about x width per layer, backprop only slowly
for w in (2, 3, 4):
    assert factors[(w, "expanded_tree")] > 0.9 * w
    assert factors[(w, "backprop_tree")] < 1.3
big = next(r for r in rows if r["width"] == 4 and r["depth"] == 8)
assert big["expanded_tree"] > 1000 * big["backprop_tree"]
solution()
print(f"4 wide, 8 deep: expanded {big['expanded_tree']:.3g} nodes vs backprop "
      f"{big['backprop_tree']:,} for all {big['params']} gradients")

# %% [markdown]
# ## Summary
#
# * The expanded derivative of a first-layer weight writes out every path to the loss: about
#   $\text{width}^{\text{depth}-1}$ of them, so its size grows exponentially with depth.
# * The chain form is shorter per path but still lists every path.
# * Backpropagation computes each neuron's delta once and reuses it for every weight below:
#   its program grows by a constant amount per layer, and holds *all* gradients.
#
# **Next:** [07 · The matrix form →](07_matrix_form.ipynb): the same reuse, written with
# matrices, layer by layer.
