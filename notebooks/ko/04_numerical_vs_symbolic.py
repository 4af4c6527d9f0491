# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 04 · 수치 미분과 기호 미분
#
# [← 03 · 경사 하강법](03_gradient_descent.ipynb) · [강의 목차](README.md) ·
# 다음: [05 · 2-2-1 신경망을 손으로 →](05_mlp_by_hand.ipynb)
#
# **학습 목표.** 이 노트북을 마치면 다음을 할 수 있습니다.
#
# 1. 전방 차분과 중앙 차분으로 수치 미분을 계산하고, 간격 $h$를 줄일 때 오차가 먼저 줄었다가
#    다시 커지는 이유를 설명할 수 있습니다.
# 2. $h$를 고를 수 있습니다(1 근처의 수에는 약 $10^{-4}$, 큰 수에는 $|x|$에 비례하게).
# 3. 학습에는 기호(역전파) 기울기를 쓰고 수치 기울기는 검산에만 쓰는 이유를 설명할 수 있습니다.
#    수치 기울기의 비용은 매개변수 수에 비례해 늘어납니다.
#
# 수치 미분과 편미분을 다룬 강의 노트는 수치 미분을 이렇게 설명합니다. 전방 차분
# $(f(x+h) - f(x))/h$는 치우쳐 있고, 중앙 차분 $(f(x+h) - f(x-h))/2h$는 덜 치우쳐 있습니다.
# `1e-50`처럼 아주 작은 $h$는 반올림 오차에 묻히고, $h = 10^{-4}$가 좋은 선택입니다. 그리고 수치
# 기울기는 느립니다. 매개변수 하나마다 한두 번씩 계산해야 하기 때문입니다. 두 주장을 모두 재
# 봅니다.

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
# 왼쪽에서 오른쪽으로 읽으세요. $h$를 줄이면 처음에는 도움이 되지만(절단 오차: 전방 차분
# $O(h)$, 중앙 차분 $O(h^2)$), 나중에는 해가 됩니다(반올림 오차: $O(\epsilon/h)$). 중앙 차분은
# $h \approx \epsilon^{1/3} \approx 6 \cdot 10^{-6}$ 근처에서 가장 정확하고, `h="auto"`가 이 값을
# 고릅니다.

# %%
best_h = hs[int(np.argmin(ctr_err))]
print(f"best central h = {best_h:g}, error {min(ctr_err):.2e}; at 1e-4: {ctr_err[3]:.2e}; "
      f"at 1e-15: {ctr_err[-1]:.2e}")

# %% [markdown]
# ## 매개변수가 늘어날 때의 비용
#
# 중앙 차분은 매개변수 하나마다 손실을 두 번 계산해야 합니다. 컴파일된 역전파는 한 번에 모든
# 기울기를 줍니다. 같은 신경망, 같은 배치(예제 64개)로 각각을 `timeit`으로 잽니다. 다섯 번
# 반복한 값의 중앙값을 쓰므로, 컴퓨터가 잠깐 바빴던 순간이 결과를 좌우하지 않습니다.

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
# 수치 기울기는 $\propto P$ 기준선을 따라갑니다: 손실 계산 $2P$번. 역전파 한 번은 훨씬 느리게
# 늘어납니다($P$와 상관없이 순방향 한 번, 역방향 한 번). 그래서 둘의 비는 대략 $P$에 비례해
# 커집니다. 학습에 유도한 기울기를 쓰고, 수치 기울기는 그 검산에만 쓰는 이유입니다.

# %% [markdown]
# ## 연습 문제
#
# $h = 10^{-4}$는 1 근처의 수에 알맞습니다. $x = 10^5$에서 $f(x) = x^3$(그러면
# $f \approx 10^{15}$)의 중앙 차분을 $h = 10^{-4}$와 `h="auto"`($|x|$에 비례해 간격을 정합니다)로
# 계산해 정확한 값 $f'(x) = 3x^2$와 비교하세요. 어느 쪽이 더 정확하고, 왜 그렇습니까?
#
# *아래 풀이 셀은 함수를 정의하기만 합니다. 먼저 풀어 본 뒤 열어서 `solution()`을
# 호출하세요.*

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
# ## 정리
#
# * 중앙 차분은 전방 차분보다 정확합니다($O(h)$ 대신 $O(h^2)$). $h \approx 10^{-5}$보다 작아지면
#   반올림 오차가 커지므로, $h = 10^{-4}$(큰 수에는 $|x|$에 비례하게)가 좋은 기본값입니다.
# * 수치 기울기는 손실 계산 $2P$번이 들고, 역전파는 약 한 번에 $P$개의 기울기를 모두 줍니다.
#   수치 기울기는 유도한 기울기를 검산할 뿐, 대신하지 않습니다.
#
# **다음:** [05 · 2-2-1 신경망을 손으로 →](05_mlp_by_hand.ipynb): 작은 신경망의 모든 기울기를
# 숫자와 함께.
