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
# # 05 · 2-2-1 신경망을 손으로
#
# [← 04 · 수치 미분과 기호 미분](04_numerical_vs_symbolic.ipynb) · [강의 목차](README.md) ·
# 다음: [06 · 전부 전개하면 안 될까? →](06_expanded_vs_chained.ipynb)
#
# **학습 목표.** 이 노트북을 마치면 다음을 할 수 있습니다.
#
# 1. 작은 신경망의 순전파를 뉴런 하나씩 손으로 계산할 수 있습니다.
# 2. 출력층 가중치에 대한 손실의 기울기를 연쇄 법칙으로 직접 구하고, 라이브러리로 확인할 수
#    있습니다.
# 3. 신경망의 모든 $\partial E/\partial w_i$를 국소 미분의 곱으로 읽을 수 있습니다. 일반적인
#    활성화 함수 $a(\cdot)$로도, 시그모이드·tanh·ReLU로도.
#
# MLP를 행렬과 벡터로 표현하는 강의 노트는 입력 $x_1, x_2$, 은닉 뉴런 두 개, 출력 하나로 된
# 신경망을 그립니다. 이 노트북은 처음부터 끝까지 그 이름을 씁니다.
#
# * $h_1 = w_1 x_1 + w_2 x_2 + b_1$, $h_2 = w_3 x_1 + w_4 x_2 + b_2$: 은닉 뉴런의 가중합
#   (활성화 전 값)이고, $a(h_1)$, $a(h_2)$는 그 활성화 값입니다. $b_1, b_2, b_3$은 편향입니다.
# * $y = w_5\, a(h_1) + w_6\, a(h_2) + b_3$: 출력의 가중합이고, $a(y)$가 예측값입니다.
# * 손실 함수 $E = \frac12 (t - a(y))^2$, $t$는 정답(목표값)입니다.
#
# `naming="sequential"`이 바로 이 이름들을 만듭니다(코드에서는 $a(h_1)$을 `a_h1`로 씁니다).

# %%
import numpy as np
import sympy as sp
from IPython.display import Math, display

import symbackprop as sb

net = sb.mlp([2, 2, 1], activation="sigmoid", loss="half_se", naming="sequential")
print(net)

# %% [markdown]
# ## 숫자
#
# Matt Mazur의 잘 알려진 풀이 예제 방식으로 숫자를 고릅니다. 작은 입력, 0.15부터 시작하는
# 가중치, 시그모이드 활성화 함수 $a(z) = \sigma(z) = 1/(1 + e^{-z})$, 그리고 0에 가까운
# 목표값입니다.

# %%
point = {"x1": 0.05, "x2": 0.10, "w1": 0.15, "w2": 0.20, "w3": 0.25, "w4": 0.30,
         "b1": 0.35, "b2": 0.35, "w5": 0.40, "w6": 0.45, "b3": 0.60, "t": 0.01}
v = {k: float(val) for k, val in net.evaluate(point).items()}
s = net.symbol
sigma = lambda z: 1 / (1 + np.exp(-z))
# the forward pass by hand, one neuron at a time
h1 = 0.15 * 0.05 + 0.20 * 0.10 + 0.35
h2 = 0.25 * 0.05 + 0.30 * 0.10 + 0.35
y = 0.40 * sigma(h1) + 0.45 * sigma(h2) + 0.60
E = 0.5 * (0.01 - sigma(y)) ** 2
print(f"h1 = {h1:.6f}, a(h1) = {sigma(h1):.6f}")
print(f"h2 = {h2:.6f}, a(h2) = {sigma(h2):.6f}")
print(f"y  = {y:.6f}, a(y)  = {sigma(y):.6f}")
print(f"E  = {E:.6f}")
print("symbackprop's forward pass agrees:",
      all(abs(v[s(n)] - mine) < 1e-12 for n, mine in (("h1", h1), ("h2", h2), ("y", y), ("E", E))))

# %% [markdown]
# 그림은 이 숫자들을 신경망 위에 올려 놓습니다. 각 뉴런 아래에는 가중합과 활성화 값
# $h \to a(h)$(검정), 그리고 델타 $\delta = \partial E/\partial h$(빨강), 즉 그 뉴런의 가중합에
# 대한 손실의 기울기가 있습니다(입력 아래의 빨간 숫자는 $\partial E/\partial x$입니다). 신경망
# 옆에는 모든 가중치의 값과 기울기가 있습니다. 주황색 경로는 $w_5$에서 $E$로 가는 길입니다.

# %%
fig = sb.draw(net, at=point, highlight="w5")

# %% [markdown]
# ## 직접 해 보기: $\partial E/\partial w_5$
#
# $w_5$는 $w_5 \to y \to a(y) \to E$라는 경로 하나로 $E$에 닿으므로
#
# $$\frac{\partial E}{\partial w_5} = \frac{\partial E}{\partial a(y)} \cdot
#   \frac{\partial a(y)}{\partial y} \cdot \frac{\partial y}{\partial w_5}.$$
#
# 각 인수를 구해 보세요. $\frac{\partial E}{\partial a(y)} = a(y) - t$이고, 시그모이드에서는
# $\frac{\partial a(y)}{\partial y} = a(y)(1 - a(y))$이며, $\frac{\partial y}{\partial w_5}$는
# $w_5$에 곱해지는 값입니다. 그런 다음 아래 셀의 `None`을 여러분이 구한 숫자로 바꾸고(위에
# 출력된 값이나 `sigma(h1)`, `sigma(y)`를 쓰세요) 다음 셀을 실행하면 답을 확인해 줍니다.

# %%
my_dE_dw5 = None  # your answer, e.g. (sigma(y) - 0.01) * ... * ...

# %%
grads = sb.backprop(net).evaluate(point)
library = float(grads[s("w5")])
if my_dE_dw5 is None:
    print("fill in my_dE_dw5 in the cell above first, then run this cell again")
elif abs(my_dE_dw5 - library) < 1e-9:
    print(f"correct: dE/dw5 = {library:.9f}")
else:
    print(f"not yet: you have {my_dE_dw5:.9f}; check each of the three factors")

# %% [markdown]
# 라이브러리도 같은 곱을 인수 하나씩, 먼저 국소 이름으로, 그다음 숫자로 유도합니다.

# %%
c5 = sb.chain(net, "w5")
print(c5)
display(Math(sb.latex(c5)))

# %% [markdown]
# ## 한 층 더 깊이: $\partial E/\partial w_1$
#
# $w_1$은 첫 번째 층에 있으므로 경로가 더 깁니다:
# $w_1 \to h_1 \to a(h_1) \to y \to a(y) \to E$. 처음 두 인수는 $w_5$의 것과 같고, 나머지는
# 출력층 가중치 $w_5$($y$가 $a(h_1)$에 어떻게 의존하는지), $h_1$에서의 시그모이드 미분, 그리고
# $x_1$입니다. 앞의 네 인수의 곱이 위 그림에 있는 $h_1$의 델타입니다. 델타는 한 번만 계산되고
# $w_1$, $w_2$, $b_1$이 다시 씁니다. 이 재사용이 바로 역전파입니다.

# %%
c1 = sb.chain(net, "w1")
display(Math(sb.latex(c1)))
delta_h1 = float(grads[s("h1")])
print(f"delta_h1 = {delta_h1:.9f};  dE/dw1 = delta_h1 * x1 = {delta_h1 * 0.05:.9f} "
      f"(library: {float(grads[s('w1')]):.9f})")

# %% [markdown]
# ## 같은 내용을 강의 노트로
#
# `sb.notes`는 이 유도를 강의 노트처럼 씁니다. 숫자가 들어간 순전파, 델타, 경로를 따른 연쇄 법칙,
# 각 국소 미분과 그 값, 곱, 그리고 경사 하강법 갱신까지. `lang="ko"`로 하면 한국어로 씁니다.
# 노트북에서는 렌더링되어 보이고, 문자열로는 LaTeX 문서입니다(`sb.write_notes(notes, "w5.tex")`로
# 저장하고 `sb.compile_pdf`로 조판합니다. 한국어 문서에는 `kotex`가 필요합니다).

# %%
notes = sb.notes(net, wrt=["w5"], at=point, lang="ko")
notes

# %% [markdown]
# ## 모든 가중치를, 일반적인 활성화 함수로
#
# 강의 노트는 어떤 활성화 함수에도 유도가 성립하도록 활성화 함수를 $a(\cdot)$로 정하지 않고
# 둡니다. `activation="a"`로 하면 $a'$가 기호로 남습니다. 출력층 가중치 $w_5$와 첫 번째 층
# 가중치 $w_1$을 연쇄 형태(경로를 따라 국소 미분을 곱한 것)와 완전히 전개한 형태(모든 것을
# 대입한 하나의 식)로 봅시다.

# %%
generic = sb.mlp([2, 2, 1], activation="a", loss="half_se", naming="sequential")
for w in ("w5", "w1"):
    display(Math(sb.latex(sb.chain(generic, w))))
    display(Math(r"\frac{\partial E}{\partial " + sb.latex(generic.symbol(w), graph=generic)
                 + r"} = " + sb.latex(sb.expanded(generic, w), graph=generic, width=72)))

# %% [markdown]
# 강의 노트의 $w_1$ 공식은
# $\frac{\partial E}{\partial w_1} = -(t - a(y))\,a'(y)\,w_5\,a'(h_1)\,x_1$입니다.
# symbackprop의 연쇄 형태도 같은 곱을 줍니다.

# %%
g = generic.symbol
ap = sb.generic_activation("a'")
notes_form = -(g("t") - g("a_y")) * ap(g("y")) * g("w5") * ap(g("h1")) * g("x1")
print(sp.expand(sb.chain(generic, "w1").local - notes_form) == 0)

# %% [markdown]
# ## 구체적인 활성화 함수
#
# 활성화 함수를 정하면 인수 $a'(\cdot)$만 바뀝니다. 시그모이드, tanh, ReLU에서 $a'(h_1)$은 각각
# $a(h_1)(1 - a(h_1))$, $1 - a(h_1)^2$, 지시 함수 $\mathbf{1}[h_1 > 0]$이 됩니다($h_1 = 0$에서는
# PyTorch처럼 0으로 둡니다). $y$에서도 마찬가지입니다.

# %%
for act in ("sigmoid", "tanh", "relu"):
    n = sb.mlp([2, 2, 1], activation=act, naming="sequential")
    print(act)
    display(Math(sb.latex(sb.chain(n, "w1"))))

# %% [markdown]
# ## 연습 문제
#
# 같은 숫자에서 $\partial E/\partial w_4$를 연쇄 법칙으로 계산하세요. 어느 뉴런의 델타를 다시
# 쓰며, 그 값은 얼마입니까? (그림에 델타가 나와 있지만, 순전파 값에서 직접 계산한 뒤 그림과
# 비교하세요.)
#
# *아래 풀이 셀은 함수를 정의하기만 합니다. 먼저 풀어 본 뒤 열어서 `solution()`을
# 호출하세요.*

# %% tags=["solution"] jupyter={"source_hidden": true}
def solution():
    """dE/dw4 = delta_h2 * x2, with delta_h2 = delta_y * w6 * a(h2)(1 - a(h2))."""
    a_y, a_h2 = sigma(y), sigma(h2)
    delta_y = (a_y - 0.01) * a_y * (1 - a_y)
    delta_h2 = delta_y * 0.45 * a_h2 * (1 - a_h2)
    dE_dw4 = delta_h2 * 0.10
    assert abs(dE_dw4 - float(grads[s("w4")])) < 1e-12
    return dE_dw4


# %% tags=["headline", "remove-cell"] jupyter={"source_hidden": true, "outputs_hidden": true}
# headline checks, run by the tests: the three forms agree, the notes' formula holds, the
# gradients at the numbers match central differences, and the solutions check out
report = sb.verify(generic)
assert len(report) == len(generic.leaf_symbols) == 12
assert sp.expand(sb.chain(generic, "w1").local - notes_form) == 0
numeric = sb.numerical_gradient(net, point)
assert all(abs(numeric[p] - float(grads[p])) < 1e-8 for p in net.param_symbols)
a_y = sigma(y)
assert abs((a_y - 0.01) * a_y * (1 - a_y) * sigma(h1) - library) < 1e-12  # the fill-in's answer
assert abs(delta_h1 * 0.05 - float(grads[s("w1")])) < 1e-14
solution()
print(f"dE/dw5 = {library:.6f}, dE/dw1 = {float(grads[s('w1')]):.6f}; verified {len(report)} leaves")

# %% [markdown]
# ## 정리
#
# * 순전파: 각 뉴런은 가중합 $h$를 만들고 $a(h)$를 다음으로 넘깁니다. 손실 함수는 예측값을
#   목표값과 비교합니다.
# * 역전파: 각 가중치의 기울기는 경로를 따라 곱한 국소 미분입니다. 여러 가중치가 함께 쓰는
#   인수들이 뉴런의 델타 $\delta = \partial E/\partial h$를 이루며, 한 번 계산해 다시 씁니다.
#   $\partial E/\partial w = \delta \cdot$($w$에 곱해지는 값).
# * 활성화 함수는 $a'(\cdot)$를 통해서만 들어옵니다: 시그모이드는 $a(1 - a)$, tanh는 $1 - a^2$,
#   ReLU는 $\mathbf{1}[h > 0]$.
#
# **다음:** [06 · 전부 전개하면 안 될까? →](06_expanded_vs_chained.ipynb): 신경망이 커질 때
# 전개한 식이 얼마나 커지는가.
