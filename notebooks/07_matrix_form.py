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
# # 07 · The matrix form: a layer at a time
#
# [← 06 · Why not expand everything?](06_expanded_vs_chained.ipynb) · [course index](README.md) ·
# next: [08 · Training →](08_training.ipynb)
#
# **Learning goals.** After this notebook you can
#
# 1. write the forward pass of a layered net with matrices:
#    $z^{(l)} = W^{(l)} h^{(l-1)} + b^{(l)}$, $h^{(l)} = a(z^{(l)})$;
# 2. write backpropagation (역전파) as four matrix equations and say what each one does;
# 3. check them, entry by entry, against the scalar chain rule of notebook 05.
#
# The lecture notes on MLPs in matrices and vectors write the 2-2-1 net of notebook 05 with
# one matrix per layer. The names stay those of notebook 05: the hidden layer's weighted sums
# are $h_1, h_2$, the output's is $y$, the loss is $E$. In the matrix equations
# $z^{(l)}$ stands for a layer's weighted sums and $h^{(l)}$ for its activations:
# $z^{(1)} = (h_1, h_2)^\top$, $h^{(1)} = (a(h_1), a(h_2))^\top$, $z^{(2)} = y$,
# $h^{(2)} = a(y)$, and $h^{(0)} = x$.

# %%
import numpy as np
import sympy as sp
from IPython.display import Math, display

import symbackprop as sb

net = sb.mlp([2, 2, 1], activation="sigmoid", loss="half_se", naming="sequential")
mf = sb.matrix_form(net)
W1, W2 = mf.W
b1, b2 = mf.b
x = sp.Matrix(net.input_symbols)
L = lambda m: sb.latex(m, graph=net)
display(Math(r"z^{(1)} = W^{(1)} x + b^{(1)}:\quad " + L(mf.z[0]) + " = " + L(W1) + L(x)
             + " + " + L(b1)))
display(Math(r"z^{(2)} = W^{(2)} h^{(1)} + b^{(2)}:\quad " + L(mf.z[1]) + " = " + L(W2)
             + L(mf.h[1]) + " + " + L(b2)))

# %% [markdown]
# Row $j$ of $W^{(l)}$ holds the weights *into* neuron $j$, so $W^{(l)}$ has one row per neuron
# of layer $l$ and one column per neuron of layer $l-1$. Multiplying out the first row gives
# back $h_1 = w_1 x_1 + w_2 x_2 + b_1$:

# %%
print((W1 * x + b1)[0] == net.definition("h1").expr)

# %% [markdown]
# ## The forward pass, in numbers
#
# The numbers of notebook 05, now as matrices: one matrix product per layer.

# %%
point = {"x1": 0.05, "x2": 0.10, "w1": 0.15, "w2": 0.20, "w3": 0.25, "w4": 0.30,
         "b1": 0.35, "b2": 0.35, "w5": 0.40, "w6": 0.45, "b3": 0.60, "t": 0.01}
num = lambda m: np.array(m.xreplace({net.symbol(k): v for k, v in point.items()}), dtype=float)
sigma = lambda z: 1 / (1 + np.exp(-z))
xv, W1v, b1v, W2v, b2v = num(x), num(W1), num(b1), num(W2), num(b2)
z1 = W1v @ xv + b1v
h1v = sigma(z1)
z2 = W2v @ h1v + b2v
h2v = sigma(z2)
E = 0.5 * (0.01 - h2v[0, 0]) ** 2
print("z(1) =", z1.ravel(), " h(1) =", h1v.ravel())
print("z(2) =", z2.ravel(), " h(2) =", h2v.ravel(), " E =", round(E, 6))

# %% [markdown]
# ## Backpropagation in four equations
#
# Write $\delta^{(l)} = \partial E/\partial z^{(l)}$ for the deltas of layer $l$ (one per
# neuron, as in notebook 05) and $\odot$ for the entry-by-entry product. Then
#
# 1. $\delta^{(L)} = \nabla_{h^{(L)}} E \odot a'(z^{(L)})$: the output layer's delta;
# 2. $\delta^{(l)} = \big((W^{(l+1)})^\top \delta^{(l+1)}\big) \odot a'(z^{(l)})$: one layer
#    back, through the transposed weights;
# 3. $\partial E/\partial W^{(l)} = \delta^{(l)}\, (h^{(l-1)})^\top$: each weight's gradient is
#    its neuron's delta times what the weight multiplies;
# 4. $\partial E/\partial b^{(l)} = \delta^{(l)}$.
#
# symbackprop derives them for this net on the matrices themselves, with the deltas
# $\delta^{(2)}$, $\delta^{(1)}$ kept as symbols so that each line reads as the equation it is
# (the bias gradients are the deltas themselves, equation 4). It writes them in the lecture
# notes' names: there $\boldsymbol{h}^{(1)}$ is the hidden layer's weighted sums (our $z^{(1)}$),
# $a(\boldsymbol{h}^{(1)})$ their activations (our $h^{(1)}$) and $y$ the output's weighted sum:

# %%
display(Math(sb.latex(mf)))

# %% [markdown]
# The same four equations in NumPy, at the numbers above, against the library's backprop:

# %%
d2 = (h2v - 0.01) * h2v * (1 - h2v)            # 1. output delta (sigmoid: a' = a(1 - a))
d1 = (W2v.T @ d2) * h1v * (1 - h1v)            # 2. one layer back
dW2, dW1 = d2 @ h1v.T, d1 @ xv.T               # 3. weights: delta times the input, transposed
db2, db1 = d2, d1                              # 4. biases
grads = sb.backprop(net).evaluate(point)
library = np.array([[float(grads[w]) for w in row] for row in W1.tolist()])
print("dE/dW(1) by the matrix equations:\n", dW1)
print("dE/dW(1) from sb.backprop:\n", library)

# %% [markdown]
# ## Why matrices?
#
# The equations do not depend on the widths. symbackprop derives them on matrices, so a
# 784-256-10 net (203,530 parameters) gets the same four lines as the 2-2-1 net, in
# milliseconds and without making one symbol per weight; only the dimensions differ. With a
# batch of inputs as the rows of $X$, the products become matrix-matrix products: a whole batch
# in a few calls to fast linear algebra, which is how `sb.compile` computes gradients. The two
# derivations side by side:

# %%
wide_net = sb.mlp([784, 256, 10], activation="sigmoid", loss="half_se", naming="sequential")
wide = sb.matrix_form(wide_net)  # derived on matrices: no symbol per weight is made
rows = [("δ(2)", mf.delta(2), wide.delta(2)), ("δ(1)", mf.delta(1), wide.delta(1)),
        ("∂E/∂W(2)", mf.grad(2), wide.grad(2)), ("∂E/∂W(1)", mf.grad(1), wide.grad(1))]
print(f"{'':10}{'2-2-1':38}784-256-10")
for name, small, big in rows:
    print(f"{name:10}{mf.text(small):38}{wide.text(big)}")
print()
for (s, shape), (_, wide_shape) in zip(mf.dimensions(), wide.dimensions(), strict=True):
    print(f"{s.name:5} {shape[0]} x {shape[1]:<8} {wide_shape[0]} x {wide_shape[1]}")
display(Math(sb.latex(wide)))

# %% [markdown]
# ## Exercise
#
# Take the same net at a new input, $x = (1, -1)$, all else unchanged. Compute
# $\partial E/\partial W^{(1)}$ and $\partial E/\partial b^{(1)}$ with the four equations in
# NumPy (reuse the code above), and compare with `sb.backprop(net).evaluate(...)`.
#
# *The solution cell below only defines a function; open it after trying and call
# `solution()`.*

# %% tags=["solution"] jupyter={"source_hidden": true}
def solution():
    """dE/dW(1) and dE/db(1) at x = (1, -1), checked against sb.backprop."""
    at = dict(point, x1=1.0, x2=-1.0)
    xn = np.array([[1.0], [-1.0]])
    h1n = sigma(W1v @ xn + b1v)
    h2n = sigma(W2v @ h1n + b2v)
    d2n = (h2n - 0.01) * h2n * (1 - h2n)
    d1n = (W2v.T @ d2n) * h1n * (1 - h1n)
    g = sb.backprop(net).evaluate(at)
    assert np.allclose(d1n @ xn.T, [[float(g[w]) for w in row] for row in W1.tolist()],
                       atol=1e-14)
    assert np.allclose(d1n.ravel(), [float(g[b]) for b in b1], atol=1e-14)
    return d1n @ xn.T, d1n


# %% tags=["headline", "remove-cell"] jupyter={"source_hidden": true, "outputs_hidden": true}
# headline checks, run by the tests: the matrix forward pass and equations give the scalar
# numbers, and every entry of the matrix form equals the scalar derivation symbolically
assert abs(E - float(net.evaluate(point)[net.output])) < 1e-15
assert np.allclose(dW1, library, atol=1e-15)
assert np.allclose(dW2.ravel(), [float(grads[net.symbol(n)]) for n in ("w5", "w6")], atol=1e-15)
assert np.allclose(db1.ravel(), [float(grads[net.symbol(n)]) for n in ("b1", "b2")], atol=1e-15)
checked = 0
for p in net.param_symbols:
    diff = mf.in_leaves(mf.gradient(p)) - sb.expanded(net, p)
    pt = {v: sp.Rational(i + 2, 11) for i, v in enumerate(net.leaf_symbols)}
    assert abs(float(diff.xreplace(pt).evalf(30))) < 1e-25
    checked += 1
assert checked == 9
# the 784-wide net: the same equations, only the dimensions differ, no scalar graph made
assert [mf.text(s) for _, s, _ in rows] == [wide.text(b) for _, _, b in rows]
assert wide.grad(1).shape == (256, 784) and not wide_net.scalar_built
solution()
print(f"matrix form = scalar form for all {checked} parameters; dE/dW(1)[0, 0] = {dW1[0, 0]:.6g}")

# %% [markdown]
# ## Summary
#
# * Forward, per layer: $z^{(l)} = W^{(l)} h^{(l-1)} + b^{(l)}$, $h^{(l)} = a(z^{(l)})$.
# * Backward, per layer: the output delta, then
#   $\delta^{(l)} = ((W^{(l+1)})^\top \delta^{(l+1)}) \odot a'(z^{(l)})$, and the gradients
#   $\delta^{(l)} (h^{(l-1)})^\top$ and $\delta^{(l)}$.
# * Entry by entry these are the scalar chain-rule products of notebook 05; written with
#   matrices they do not depend on the widths and run as matrix products.
#
# **Next:** [08 · Training →](08_training.ipynb): these gradients, compiled, train real nets.
