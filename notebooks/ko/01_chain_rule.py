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
# # 01 · 연쇄 법칙: 합성함수의 미분은 왜 곱이 되는가
#
# [← 00 · 미분](00_derivatives.ipynb) · [강의 목차](README.md) ·
# 다음: [02 · 회로와 게이트 →](02_circuits_and_gates.ipynb)
#
# **학습 목표.** 이 노트북을 마치면 다음을 할 수 있습니다.
#
# 1. 연쇄 법칙 $\frac{dy}{dx} = \frac{dy}{du}\frac{du}{dx}$를 말하고, 왜 성립하는지 증가량으로
#    증명의 뼈대를 설명할 수 있습니다.
# 2. 미분은 분수가 아닌데도 "$du$를 약분"하면 맞는 답이 나오는 이유를 설명할 수 있습니다.
# 3. 한 변수가 여러 경로로 출력에 닿을 때 경로마다의 기여를 더할 수 있습니다.
#
# 신경망은 간단한 함수들의 합성입니다. 가중합, 활성화 함수, 다시 가중합, 그리고 손실 함수.
# 학습에는 모든 가중치에 대한 손실의 미분이 필요하고, 합성함수의 미분이 바로 연쇄 법칙입니다.
# LeCun 등이 "Backpropagation applied to handwritten zip code recognition"(1989)에서 신경망에
# 도입한 역전파는, 연쇄 법칙을 출력에서 입력 쪽으로 거꾸로 적용하는 방법입니다.

# %%
import numpy as np
import sympy as sp
from IPython.display import Math, display

import symbackprop as sb

# y = f(u) with f = exp, u = g(x) = x**2 + 1: two named stages
comp = sb.parse_graph("u = x**2 + 1\ny = exp(u)")
x_, u_, y_ = comp.symbol("x"), comp.symbol("u"), comp.symbol("y")
dy_du = sb.local_partial(comp, y_, u_)
du_dx = sb.local_partial(comp, u_, x_)
display(Math(r"\frac{dy}{du} = " + sb.latex(dy_du) + r",\qquad \frac{du}{dx} = " + sb.latex(du_dx)
             + r",\qquad \frac{dy}{dx} = " + sb.latex(sb.expanded(comp, x_))))

# %% [markdown]
# ## 왜 성립하는가: 증명의 뼈대
#
# $u = g(x)$, $y = f(u)$이고 $g$는 $x$에서, $f$는 $u$에서 미분가능하다고 합시다. $x$를
# $\Delta x$만큼 움직이면 $u$는 $\Delta u$만큼, $y$는 $\Delta y$만큼 움직입니다. 미분가능하다는
# 것은 그 점 근처에서 각 함수가 접선과, *걸음에 비해* 작은 오차의 합이라는 뜻입니다.
#
# $$\Delta u = g'(x)\,\Delta x + o(\Delta x), \qquad \Delta y = f'(u)\,\Delta u + o(\Delta u).$$
#
# 여기서 $o(\Delta)$는 $\Delta \to 0$일 때 $o(\Delta)/\Delta \to 0$인 항을 뜻합니다($\Delta u = 0$이면
# 두 번째 오차도 0입니다). 두 번째 식을 $\Delta x$로 나누면
#
# $$\frac{\Delta y}{\Delta x} = f'(u)\,\frac{\Delta u}{\Delta x}
#   + \frac{o(\Delta u)}{\Delta u}\cdot\frac{\Delta u}{\Delta x}.$$
#
# 이제 $\Delta x \to 0$으로 보냅니다. 첫 번째 식에서 $\Delta u \to 0$이고
# $\Delta u/\Delta x \to g'(x)$이므로, 마지막 항은 $0 \cdot g'(x) = 0$으로 갑니다. 따라서
#
# $$\frac{dy}{dx} = f'(u)\,g'(x) = \frac{dy}{du}\,\frac{du}{dx}.$$
#
# 같은 논증을 $x = 0.5$에서 숫자로 확인합니다. $\Delta x$가 줄어들수록 두 증가량의 비와 그 곱이
# $\frac{dy}{dx}$에 다가갑니다.

# %%
g_ = lambda x: x**2 + 1
f_ = np.exp
x0 = 0.5
exact = float(sb.expanded(comp, x_).subs(x_, x0))
rows = []
for dx in (0.5, 0.1, 0.01, 0.001, 1e-5):
    du = g_(x0 + dx) - g_(x0)
    dy = f_(g_(x0) + du) - f_(g_(x0))
    rows.append((dx, du / dx, dy / du, dy / dx))
    print(f"Δx = {dx:<7g} Δu/Δx = {du / dx:.6f}   Δy/Δu = {dy / du:.6f}   "
          f"product Δy/Δx = {dy / dx:.6f}")
print(f"chain rule: f'(u) g'(x) = e^{g_(x0)} · {2 * x0} = {exact:.6f}")

# %% [markdown]
# ## $du$를 "약분"해도 될까요?
#
# 손실 함수와 그 미분을 다룬 강의 노트는 $\frac{dL}{dx} = \frac{dL}{dy}\frac{dy}{dx}$가 정말
# 분수처럼 행동하는지 묻습니다. 미분은 분수가 아니라 극한입니다. 하지만 위의 증명이 보여 주듯
# *증가량의 비*는 진짜 분수이고, 곱해지는 것은 그 극한들입니다. 그래서 기호가 마치 $du$가
# 약분되는 것처럼 맞아떨어집니다. 덜 친절한 함수로도 기호 계산으로 확인해 봅시다:
# $y = \sin^2 u + u$, $L = e^y\,y$.

# %%
two = sb.parse_graph("y = sin(u)**2 + u\nL = exp(y) * y")
u2, y2, L2 = two.symbol("u"), two.symbol("y"), two.symbol("L")
dL_dy = sb.local_partial(two, L2, y2)
dy_du2 = sb.local_partial(two, y2, u2)
inner = {y2: two.definition(y2).expr}
product = (dL_dy * dy_du2).xreplace(inner)
direct = sp.diff(two.definition(L2).expr.xreplace(inner), u2)
display(Math(r"\frac{dL}{dy} = " + sb.latex(dL_dy) + r",\quad \frac{dy}{du} = "
             + sb.latex(dy_du2)))
display(Math(r"\frac{dL}{dy}\frac{dy}{du} - \frac{dL}{du} = "
             + sp.latex(sp.simplify(product - direct))))

# %% [markdown]
# ## 경로가 여러 개면: 기여를 더합니다
#
# 신경망에서는 한 변수가 여러 경로로 출력에 닿는 일이 흔합니다(은닉 뉴런 하나가 다음 층의 모든
# 뉴런으로 들어갑니다). 다변수 연쇄 법칙은 경로마다 곱을 하나씩 만들어 더합니다.
# $f = p\,q$, $p = x^2$, $q = \sin x$이면
# $\frac{df}{dx} = \frac{\partial f}{\partial p}\frac{dp}{dx}
# + \frac{\partial f}{\partial q}\frac{dq}{dx} = q \cdot 2x + p \cos x$입니다. 곱의 미분법은
# 두 경로에 대한 연쇄 법칙인 셈입니다. `sb.chain`은 경로와 경로 위의 국소 미분을 나열합니다.

# %%
paths = sb.parse_graph("p = x**2\nq = sin(x)\nf = p*q")
c = sb.chain(paths, "x")
print(c)
display(Math(sb.latex(c)))

# %% [markdown]
# ## 연습 문제
#
# 1. $y = \sin(u)$, $u = x^2$일 때 $x = 1.5$에서 $\frac{dy}{dx}$를 연쇄 법칙으로 계산하세요
#    (손으로 또는 NumPy로, symbackprop 없이). 그리고 `sb.expanded`와 비교하세요.
# 2. $f = p\,q$, $p = 3x$, $q = x^2 + 1$일 때 $x$에서 $f$로 가는 경로는 몇 개이고, $x = 2$에서
#    $\frac{df}{dx}$는 얼마입니까?
#
# *아래 풀이 셀은 함수를 정의하기만 합니다. 먼저 풀어 본 뒤 열어서 `solution()`을
# 호출하세요.*

# %% tags=["solution"] jupyter={"source_hidden": true}
def solution():
    """Both answers, each checked against symbackprop."""
    # 1. dy/du = cos(u), du/dx = 2x: dy/dx = cos(2.25) * 3 = -1.8845...
    by_hand = np.cos(1.5**2) * 2 * 1.5
    g1 = sb.parse_graph("u = x**2\ny = sin(u)")
    assert abs(by_hand - float(sb.expanded(g1, "x").subs(g1.symbol("x"), 1.5))) < 1e-12
    # 2. two paths: q * 3 + p * 2x = 5 * 3 + 6 * 4 = 39
    g2 = sb.parse_graph("p = 3*x\nq = x**2 + 1\nf = p*q")
    assert sb.count_paths(g2, "x") == 2
    two_paths = 5 * 3 + 6 * 4
    assert sb.backprop(g2).evaluate({"x": 2})[g2.symbol("x")] == two_paths
    return by_hand, two_paths


# %% tags=["headline", "remove-cell"] jupyter={"source_hidden": true, "outputs_hidden": true}
# headline checks, run by the tests: the increments' product closes in on the chain rule, the
# "cancelled" product equals the direct derivative, and the two paths add
assert abs(rows[-1][3] - exact) < 1e-4 and abs(rows[0][3] - exact) > 0.1
assert abs(rows[-1][1] * rows[-1][2] - rows[-1][3]) < 1e-12
assert sp.simplify(product - direct) == 0
xp = paths.symbol("x")
assert len(c.paths) == 2 and sp.simplify(c.doit() - sp.diff(xp**2 * sp.sin(xp), xp)) == 0
assert solution()[1] == 39
print(f"dy/dx = {exact:.6f}; Δy/Δx at Δx = 1e-5: {rows[-1][3]:.6f}; two paths add")

# %% [markdown]
# ## 정리
#
# * 연쇄 법칙: $\frac{dy}{dx} = \frac{dy}{du}\frac{du}{dx}$. 증명의 뼈대: 각 증가량을 접선 부분과
#   작은 오차로 쓰고, $\Delta x$로 나눈 뒤 $\Delta x \to 0$으로 보냅니다.
# * 증가량의 비는 진짜 분수이고 그 극한들이 곱해지므로, 기호가 약분처럼 보입니다.
# * 한 변수가 여러 경로로 출력에 닿으면 경로마다 곱을 하나씩 만들어 모두 더합니다.
#
# **다음:** [02 · 회로와 게이트 →](02_circuits_and_gates.ipynb): 연쇄 법칙을 회로에서 노드마다
# 거꾸로 적용합니다.
