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
# The lecture notes on numerical and partial differentiation explain numerical differentiation (수치 미분): a forward difference
# $(f(x+h) - f(x))/h$ is biased, the central difference $(f(x+h) - f(x-h))/2h$ less so;
# a tiny $h$ such as `1e-50` drowns in rounding error, and $h = 10^{-4}$ is a good choice. And:
# numerical gradients are slow, one or two passes per parameter. We measure both claims.

# %%
import time

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
fig, ax = plt.subplots(figsize=(6, 3.6), dpi=110)
ax.loglog(hs, fwd_err, "o-", label="forward difference")
ax.loglog(hs, ctr_err, "s-", label="central difference")
ax.axvline(1e-4, color="gray", ls=":", label="h = 1e-4 (seed 003)")
ax.invert_xaxis()
ax.set_xlabel("h")
ax.set_ylabel("|error| of ∂f/∂y")
ax.legend()
ax.grid(True, which="both", alpha=0.3)

# %% [markdown]
# Right to left: shrinking $h$ first helps (truncation error, $O(h)$ forward, $O(h^2)$
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
# gradients in one pass. Same net, same batch, timed side by side:

# %%
rng = np.random.default_rng(0)
rows = []
for hidden in (2, 4, 8, 16, 32):
    net = sb.mlp([8, hidden, hidden, 1], activation="tanh")
    fc = sb.compile(net)
    theta = rng.normal(size=len(fc.params)) * 0.3
    X, T = rng.normal(size=(64, 8)), rng.uniform(size=(64, 1))
    t0 = time.perf_counter()
    for _ in range(20):
        fc(theta, X, T)
    t_bp = (time.perf_counter() - t0) / 20
    t0 = time.perf_counter()
    check = sb.check_gradient(fc, theta, X, T)
    t_num = time.perf_counter() - t0
    rows.append((len(fc.params), t_bp, t_num, check.max_rel_error))
    print(f"{len(fc.params):5d} params: backprop {t_bp * 1e3:7.3f} ms, central differences "
          f"{t_num * 1e3:8.1f} ms ({t_num / t_bp:6.0f}x), largest relative error "
          f"{check.max_rel_error:.1e}")

# %%
p = np.array([r[0] for r in rows])
ratio = np.array([r[2] / r[1] for r in rows])
fig, ax = plt.subplots(figsize=(6, 3.6), dpi=110)
ax.loglog(p, ratio, "o-")
ax.set_xlabel("parameters")
ax.set_ylabel("time(central differences) / time(backprop)")
ax.grid(True, which="both", alpha=0.3)

# %% [markdown]
# ## Exercise
#
# $h = 10^{-4}$ suits numbers near 1. For $f(x) = x^3$ at $x = 10^5$ (so $f \approx 10^{15}$)
# compare the central difference with $h = 10^{-4}$ and with `h="auto"` (which scales the step
# with $|x|$) against the exact $f'(x) = 3x^2$. Which is closer, and why?

# %% tags=["solution"] jupyter={"source_hidden": true}
# solution: near 1e15 neighbouring floats are 0.125 apart, so f(x + h) - f(x - h) carries a
# rounding error of that size; divided by 2h = 2e-4 it becomes an error of about 600 in 3e10.
# "auto" takes h = eps^(1/3) * |x| (about 0.6), which balances truncation (h^2) against
# rounding (eps/h) at this scale: several hundred times closer
ex = sb.parse_graph("f = x**3")
exact = 3 * 1e5**2
fixed = sb.numerical_gradient(ex, {"x": 1e5}, h=1e-4)[ex.symbol("x")]
auto = sb.numerical_gradient(ex, {"x": 1e5}, h="auto")[ex.symbol("x")]
print(f"relative error: h = 1e-4 {abs(fixed - exact) / exact:.1e}, auto "
      f"{abs(auto - exact) / exact:.1e}")
assert abs(auto - exact) < abs(fixed - exact) / 50

# %%
# headline: central differences beat forward ones, 1e-4 is good, and backprop is much cheaper
assert min(ctr_err) < 1e-9 and ctr_err[3] < 1e-6 and fwd_err[3] > 1e-5
assert ctr_err[-1] > ctr_err[3]  # h = 1e-15 is worse than 1e-4: rounding wins
assert all(r[3] < 1e-5 for r in rows)
assert ratio[-1] > 100 and ratio[-1] > ratio[0]
print(f"{p[-1]} parameters: numerical gradients cost {ratio[-1]:.0f}x a backprop pass")
