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
# # 02 · 회로와 게이트: 손으로 하는 역전파
#
# [← 01 · 연쇄 법칙](01_chain_rule.ipynb) · [강의 목차](README.md) ·
# 다음: [03 · 경사 하강법 →](03_gradient_descent.ipynb)
#
# **학습 목표.** 이 노트북을 마치면 다음을 할 수 있습니다.
#
# 1. 식을 이름 붙은 단계들의 회로로 나누고, 앞으로(값) 그리고 뒤로($\partial f/\partial f = 1$에서
#    시작하는 기울기) 계산할 수 있습니다.
# 2. 덧셈, 곱셈, max 게이트의 국소 규칙을 쓸 수 있습니다: *나눠 주기*, *맞바꾸기*, *골라 보내기*.
# 3. 회로 그림을 읽을 수 있습니다: 각 노드의 연산, 값, 기울기, 그리고 각 간선의 국소 미분.
#
# 역전파를 다룬 강의 노트는 가장 작으면서도 흥미로운 회로 $f(x, y, z) = (x + y)\,z$에서
# 시작합니다. 이 식을 $q = x + y$, $f = q z$의 두 단계로 나눕니다. 이것을 단계별 그래프로 만들고,
# $x = -2, y = 5, z = -4$에서 앞으로 계산한 다음, $\partial f/\partial f = 1$에서 시작해 모든
# 입력까지 역전파를 수행합니다.

# %%
from IPython.display import Math, display

import symbackprop as sb

g = sb.Graph()
x, y, z = g.inputs("x y z")
q = g.node("q", x + y)
f = g.node("f", q * z)
print(g)

# %% [markdown]
# 순전파 값과 역전파 기울기입니다. 각 기울기는 위에서 내려온 기울기에 그 노드의 국소 미분을
# 곱한 것입니다. $\frac{\partial f}{\partial q} = z = -4$이고 $\frac{\partial q}{\partial x} = 1$이므로
# $\frac{\partial f}{\partial x} = -4 \cdot 1 = -4$입니다.

# %%
at = {x: -2, y: 5, z: -4}
values = g.evaluate(at)
grads = sb.backprop(g).evaluate(at)
for s in g.symbols:
    print(f"{s.name}: value {values[s]!s:>3}, df/d{s.name} = {grads[s]}")

# %% [markdown]
# 그림에도 같은 숫자가 있습니다. 상자 하나가 변수 하나입니다. 상자 안에는 이름과 순전파 값(검정),
# 상자 아래에는 기울기 $\partial f/\partial\cdot$(빨강), 노드 위에는 그 노드가 계산하는 연산이
# 적혀 있습니다. 간선 $u \to v$ 위의 파란 숫자는 이 점에서의 국소 미분 $\partial v/\partial u$입니다.
# 주황색 간선은 $x$에서 $f$로 가는 경로이고, 그 위 파란 숫자들의 곱 $1 \cdot (-4)$가
# $\partial f/\partial x$입니다.

# %%
fig = sb.draw(g, at=at, highlight=x)

# %% [markdown]
# 연쇄 형태는 경로와 그 위의 국소 미분을 나열합니다.

# %%
c = sb.chain(g, x)
print(c)
display(Math(sb.latex(c)))

# %% [markdown]
# ## 게이트의 국소 규칙
#
# 회로의 각 노드는 자기 국소 미분만 알면 되는 작은 게이트입니다. $f = x + y$이면
# $\partial f/\partial x = \partial f/\partial y = 1$이고, $f = xy$이면 $\partial f/\partial x = y$,
# $\partial f/\partial y = x$입니다. CS231n의 표현대로 거꾸로 읽으면, **덧셈 게이트는 나눠 줍니다**:
# 위에서 온 기울기를 각 입력에 그대로 전합니다. **곱셈 게이트는 맞바꿉니다**: 각 입력은 위에서
# 온 기울기에 *다른* 입력을 곱한 값을 받습니다. **max 게이트는 골라 보냅니다**: 기울기 전체를
# 더 큰 입력에 보내고 다른 입력에는 아무것도 보내지 않습니다. 세 게이트가 모두 있는 회로
# $f = 2\,(xy + \max(z, w))$를 $x = 3, y = -4, z = 2, w = -1$에서 봅시다.

# %%
gates = sb.parse_graph("q = x*y\nm = max(z, w)\ns = q + m\nf = 2*s")
gat = {"x": 3, "y": -4, "z": 2, "w": -1}
gvals = gates.evaluate(gat)
ggrads = sb.backprop(gates).evaluate(gat)
fig = sb.draw(gates, at=gat, highlight="x")
for name in ("s", "q", "m", "x", "y", "z", "w"):
    sym = gates.symbol(name)
    print(f"df/d{name} = {ggrads[sym]}")

# %% [markdown]
# 덧셈 게이트는 $\partial f/\partial s = 2$를 $q$와 $m$ 모두에 전합니다. 곱셈 게이트는
# $x$에 $2 \cdot y = -8$을, $y$에 $2 \cdot x = 6$을 보냅니다. max 게이트는 2를 (더 큰) $z$에
# 보내고 $w$에는 0을 보냅니다.
#
# ## 연습 문제
#
# 세 가지 규칙으로 손으로 풀어 보세요. $f = (x + y)\cdot\max(y, z)$, $x = 1, y = 5, z = 2$에서
# $\partial f/\partial x$, $\partial f/\partial y$, $\partial f/\partial z$는 얼마입니까? $y$는 두
# 경로로 $f$에 닿는다는 점에 주의하세요(노트북 01: 경로마다의 기여를 더합니다). 그다음
# `sb.backprop(...).evaluate(...)`로 답을 확인하세요.
#
# *아래 풀이 셀은 함수를 정의하기만 합니다. 먼저 풀어 본 뒤 열어서 `solution()`을
# 호출하세요.*

# %% tags=["solution"] jupyter={"source_hidden": true}
def solution():
    """The three gradients by the gate rules, checked against sb.backprop."""
    # a = x + y = 6, b = max(y, z) = 5 (y is larger), f = a b = 30.
    # df/dx = b = 5 (multiply swaps, add distributes)
    # df/dy = b * 1 (through the add gate) + a * 1 (max routes everything to y) = 11
    # df/dz = a * 0 = 0 (max routes nothing to the smaller z)
    by_hand = {"x": 5, "y": 11, "z": 0}
    ex = sb.parse_graph("a = x + y\nb = max(y, z)\nf = a*b")
    got = sb.backprop(ex).evaluate({"x": 1, "y": 5, "z": 2})
    assert {n: got[ex.symbol(n)] for n in "xyz"} == by_hand
    return by_hand


# %% tags=["headline", "remove-cell"] jupyter={"source_hidden": true, "outputs_hidden": true}
# headline checks, run by the tests: the lecture notes' numbers and CS231n's gates
assert (grads[x], grads[y], grads[z], values[f]) == (-4, -4, 3, -12)
assert [ggrads[gates.symbol(n)] for n in ("x", "y", "z", "w")] == [-8, 6, 2, 0]
assert gvals[gates.output] == -20
assert solution() == {"x": 5, "y": 11, "z": 0}
print("(x + y)z at (-2, 5, -4): df/dx = df/dy = -4, df/dz = 3; the gates distribute, swap, route")

# %% [markdown]
# ## 정리
#
# * 회로는 식을 이름 붙은 단계로 나눈 것입니다. 순전파는 모든 값을, 역전파는
#   $\partial f/\partial f = 1$에서 시작해 모든 기울기를 계산합니다.
# * 각 기울기 = 위에서 온 기울기 × 국소 미분. 한 변수가 여러 곳으로 갈라지면 기여를 더합니다.
# * 덧셈은 나눠 주고, 곱셈은 맞바꾸고, max는 골라 보냅니다.
#
# **다음:** [03 · 경사 하강법 →](03_gradient_descent.ipynb): 구한 기울기를 어디에 쓰는가.
