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
# # 04 · Numerical against symbolic differentiation
#
# [← 03 · Gradient descent](03_gradient_descent.ipynb) · [course index](README.md) ·
# next: [05 · The 2-2-1 net by hand →](05_mlp_by_hand.ipynb)
#
# **Learning goals.** After this notebook you can
#
# 1. compute a numerical derivative (수치 미분) by forward and by central differences, and
#    explain why the error first falls and then rises as the step $h$ shrinks;
# 2. choose $h$ (about $10^{-4}$ for numbers near 1, or scaled with $|x|$);
# 3. explain why training uses the symbolic (backprop) gradient and keeps numerical gradients
#    for checking: their cost grows with the number of parameters.
#
# The lecture notes on numerical and partial differentiation explain numerical differentiation:
# a forward difference $(f(x+h) - f(x))/h$ is biased, the central difference
# $(f(x+h) - f(x-h))/2h$ less so; a tiny $h$ such as `1e-50` drowns in rounding error, and
# $h = 10^{-4}$ is a good choice. And: numerical gradients are slow, one or two passes per
# parameter. We measure both claims.

# %%
import timeit
from functools import partial

import matplotlib.pyplot as plt
import numpy as np

import symbackprop as sb

g = sb.parse_graph("f = 2*x + 3*x*y + y**3")
exact = {"x": 2 + 3 * 0.5, "y": 3 * 1.5 + 3 * 0.5**2}  # at x = 1.5, y = 0.5
f = lambda x, y: 2 * x + 3 * x * y + y**3

hs = 10.0 ** -np.arange(1, 16)  # at 1e-16, 0.5 + h == 0.5 in floating point
fwd_err, ctr_err = [], []
for h in hs:
    fwd_err.append(abs((f(1.5, 0.5 + h) - f(1.5, 0.5)) / h - exact["y"]))
    ctr_err.append(abs(sb.numerical_gradient(g, {"x": 1.5, "y": 0.5}, h=h)[g.symbol("y")]
                       - exact["y"]))
fig, ax = plt.subplots(figsize=(8.5, 3.6), dpi=110)
ax.loglog(hs, fwd_err, "o-", label="forward difference")
ax.loglog(hs, ctr_err, "s-", label="central difference")
ax.axvline(1e-4, color="gray", ls=":", label="h = 1e-4 (the lecture notes' choice)")
ax.invert_xaxis()
ax.set_xlabel("step h (log scale, shrinking to the right)")
ax.set_ylabel("|error| of ∂f/∂y (log scale)")
ax.set_title("the error falls with h (truncation), then rises (rounding)", fontsize=10)
ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
ax.grid(True, which="both", alpha=0.3)
fig.tight_layout();

# %% [markdown]
# Left to right: shrinking $h$ first helps (truncation error, $O(h)$ forward, $O(h^2)$
# central), then hurts (rounding error, $O(\epsilon/h)$). The central difference is best near
# $h \approx \epsilon^{1/3} \approx 6 \cdot 10^{-6}$, which `h="auto"` picks.

# %%
best_h = hs[int(np.argmin(ctr_err))]
print(f"best central h = {best_h:g}, error {min(ctr_err):.2e}; at 1e-4: {ctr_err[3]:.2e}; "
      f"at 1e-15: {ctr_err[-1]:.2e}")

# %% [markdown]
# ## Cost as the parameters grow
#
# Central differences need two loss evaluations per parameter; compiled backprop gives all
# gradients in one pass. Same net, same batch of 64, each timed with `timeit`: five repeats,
# and the median of them, so that one busy moment of the machine does not decide the result.

# %%
from symbackprop.numeric.check import central_differences


def median_time(function, *args, number=1):
    """Seconds per call of function(*args): the median of five repeats of `number` calls."""
    return np.median(timeit.repeat(partial(function, *args), repeat=5, number=number)) / number


rng = np.random.default_rng(0)
rows = []
for hidden in (2, 4, 8, 16, 32):
    net = sb.mlp([8, hidden, hidden, 1], activation="tanh")
    fc = sb.compile(net)
    theta = rng.normal(size=len(fc.params)) * 0.3
    X, T = rng.normal(size=(64, 8)), rng.uniform(size=(64, 1))
    t_bp = median_time(fc, theta, X, T, number=50)  # one backprop pass: all gradients
    t_num = median_time(central_differences, partial(fc.loss, X=X, T=T), theta, 1e-4)
    err = sb.check_gradient(fc, theta, X, T).max_rel_error
    rows.append((len(fc.params), t_bp, t_num, err))
    print(f"{len(fc.params):5d} params: backprop {t_bp * 1e3:7.3f} ms, central differences "
          f"{t_num * 1e3:8.1f} ms ({t_num / t_bp:6.0f}x), largest relative error {err:.1e}")

# %%
p = np.array([r[0] for r in rows])
t_bp = np.array([r[1] for r in rows])
t_num = np.array([r[2] for r in rows])
ratio = t_num / t_bp
fig, ax = plt.subplots(figsize=(8, 3.8), dpi=110)
ax.loglog(p, t_num * 1e3, "s-", color="#c0392b", label="central differences (all gradients)")
ax.loglog(p, t_bp * 1e3, "o-", color="#1f618d", label="compiled backprop (all gradients)")
ax.loglog(p, t_num[-1] * 1e3 * p / p[-1], "k--", lw=0.8, label="∝ P (a reference line)")
ax.set_xlabel("parameters P (log scale)")
ax.set_ylabel("time per gradient, ms (median of 5)")
ax.set_title("numerical gradients cost ∝ P loss evaluations; backprop about one", fontsize=10)
ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
ax.grid(True, which="both", alpha=0.3)
fig.tight_layout();

# %% [markdown]
# The numerical gradient follows the $\propto P$ line: $2P$ loss evaluations. The backprop pass
# grows far more slowly (one forward and one backward sweep, whatever $P$), so the ratio
# between them grows roughly like $P$. That is why training uses the derived gradient, and
# numerical gradients only check it.

# %% [markdown]
# ## Exercise
#
# $h = 10^{-4}$ suits numbers near 1. For $f(x) = x^3$ at $x = 10^5$ (so $f \approx 10^{15}$)
# compare the central difference with $h = 10^{-4}$ and with `h="auto"` (which scales the step
# with $|x|$) against the exact $f'(x) = 3x^2$. Which is closer, and why?
#
# *The solution cell below only defines a function; open it after trying and call
# `solution()`.*

# %% tags=["solution"] jupyter={"source_hidden": true}
def solution():
    """The two relative errors: h = 1e-4, then h = "auto"."""
    # near 1e15 neighbouring floats are 0.125 apart, so f(x + h) - f(x - h) carries a
    # rounding error of that size; divided by 2h = 2e-4 it becomes an error of about 600 in
    # 3e10. "auto" takes h = eps^(1/3) * |x| (about 0.6), which balances truncation (h^2)
    # against rounding (eps/h) at this scale: several hundred times closer
    ex = sb.parse_graph("f = x**3")
    exact = 3 * 1e5**2
    fixed = sb.numerical_gradient(ex, {"x": 1e5}, h=1e-4)[ex.symbol("x")]
    auto = sb.numerical_gradient(ex, {"x": 1e5}, h="auto")[ex.symbol("x")]
    assert abs(auto - exact) < abs(fixed - exact) / 50
    return abs(fixed - exact) / exact, abs(auto - exact) / exact


# %% tags=["headline", "remove-cell"] jupyter={"source_hidden": true, "outputs_hidden": true}
# headline checks, run by the tests: central differences beat forward ones, 1e-4 is good, and
# backprop is much cheaper, more so as P grows
assert min(ctr_err) < 1e-9 and ctr_err[3] < 1e-6 and fwd_err[3] > 1e-5
assert ctr_err[-1] > ctr_err[3]  # h = 1e-15 is worse than 1e-4: rounding wins
assert all(r[3] < 1e-5 for r in rows)
assert ratio[-1] > 100 and ratio[-1] > ratio[0]
assert t_num[-1] > 10 * t_num[0]  # 2P loss evaluations: grows with P
solution()
print(f"{p[-1]} parameters: numerical gradients cost {ratio[-1]:.0f}x a backprop pass")

# %% [markdown]
# ## Summary
#
# * Central differences are more accurate than forward ones ($O(h^2)$ against $O(h)$); below
#   $h \approx 10^{-5}$ rounding error takes over, so $h = 10^{-4}$ (scaled with $|x|$ for
#   large numbers) is a good default.
# * A numerical gradient costs $2P$ loss evaluations; backprop gives all $P$ gradients in about
#   one pass. Numerical gradients check the derived gradient; they do not replace it.
#
# **Next:** [05 · The 2-2-1 net by hand →](05_mlp_by_hand.ipynb): every gradient of a small
# network, with numbers.
