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
# # 02 · Every gradient of the 2-2-1 net
#
# The lecture notes on MLPs in matrices and vectors draw a net with inputs $x_1, x_2$, hidden pre-activations
# $h_1, h_2$, output $y$, weights $w_1 \dots w_6$, biases $b_1, b_2, b_3$, an activation
# $a(\cdot)$ left undefined, and the loss $E = \frac12 (t - a(y))^2$. symbackprop builds
# exactly that net.

# %%
import sympy as sp
from IPython.display import Math, display

import symbackprop as sb

net = sb.mlp([2, 2, 1], activation="a", loss="half_se", naming="sequential")
display(Math(sb.latex(net)))

# %% [markdown]
# For each weight: the chain rule over paths (in local symbols) and the fully expanded
# derivative. The first-layer weights sit deepest, so their expanded form is the longest.

# %%
for w in net.param_symbols:
    c = sb.chain(net, w)
    display(Math(sb.latex(c)))
    # the expanded form, broken into lines as the lecture notes break it
    display(Math(r"\frac{\partial E}{\partial " + sb.latex(w, graph=net) + r"} = "
                 + sb.latex(sb.expanded(net, w), graph=net, width=72)))

# %% [markdown]
# The seed's formula for $w_1$ is
# $\frac{\partial E}{\partial w_1} = -(t - a(y))\,a'(y)\,w_5\,a'(h_1)\,x_1$:

# %%
s = net.symbol
ap = sb.generic_activation("a'")
seed_form = -(s("t") - s("a_y")) * ap(s("y")) * s("w5") * ap(s("h1")) * s("x1")
print(sp.expand(sb.chain(net, "w1").local - seed_form) == 0)

# %% [markdown]
# ## Concrete activations
#
# With sigmoid, tanh and ReLU the local derivative of the activation becomes
# $h(1-h)$, $1-h^2$ and the indicator $\mathbf{1}[z > 0]$ (taken as 0 at $z = 0$, as PyTorch
# does):

# %%
for act in ("sigmoid", "tanh", "relu"):
    n = sb.mlp([2, 2, 1], activation=act, naming="sequential")
    print(act)
    display(Math(sb.latex(sb.chain(n, "w1"))))

# %% [markdown]
# ## The matrix form
#
# $\delta^{(L)} = \nabla_{\hat y} L \odot a'(z^{(L)})$,
# $\delta^{(l)} = ((W^{(l+1)})^\top \delta^{(l+1)}) \odot a'(z^{(l)})$,
# $\partial L/\partial W^{(l)} = \delta^{(l)} (h^{(l-1)})^\top$: each entry equals the scalar
# derivation.

# %%
mf = sb.matrix_form(sb.mlp([2, 2, 1], activation="sigmoid"))
for l in (1, 0):
    display(Math(rf"\delta^{{({l + 1})}} = " + sb.latex(mf.deltas[l])
                 + rf",\quad \frac{{\partial L}}{{\partial W^{{({l + 1})}}}} = "
                 + sb.latex(mf.dW[l])))

# %% [markdown]
# ## Exercise
#
# Write down $\partial E/\partial b_3$ for seed 004's net by the chain rule (which nodes does
# the path pass?), and check that it is the output neuron's delta
# $\delta_y = \partial E/\partial y = (a(y) - t)\,a'(y)$ (with $\delta$ as in the notes: the
# derivative of the loss with respect to a neuron's pre-activation).

# %% tags=["solution"] jupyter={"source_hidden": true}
# solution: E <- a(y) <- y <- b3, and dy/db3 = 1
c_b3 = sb.chain(net, "b3")
assert [str(f) for f in c_b3.paths[0].factors] == ["∂E/∂a_y", "∂a_y/∂y", "∂y/∂b3"]
delta_y = (s("a_y") - s("t")) * ap(s("y"))
assert sp.expand(c_b3.local - delta_y) == 0
display(Math(sb.latex(c_b3)))

# %%
# headline: the three forms agree for every leaf, and the seed's formula holds
report = sb.verify(net)
assert len(report) == len(net.leaf_symbols) == 12
assert sp.expand(sb.chain(net, "w1").local - seed_form) == 0
checked = 0
for p in mf.net.param_symbols:
    diff = mf.in_leaves(mf.gradient(p)) - sb.expanded(mf.net, p)
    pt = {v: sp.Rational(i + 2, 11) for i, v in enumerate(mf.net.leaf_symbols)}
    assert abs(float(diff.xreplace(pt).evalf(30))) < 1e-25
    checked += 1
print(f"verified {len(report)} leaves; matrix form equals the scalar form for {checked} params")
