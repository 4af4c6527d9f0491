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
# # 10 · 회귀 신경망, 그리고 깊이에 비선형성이 필요한 이유
#
# [← 09 · 기울기 소실](09_vanishing_gradients.ipynb) · [강의 목차](README.md) ·
# 다음: [11 · 손글씨 숫자 →](11_digits.ipynb)
#
# **학습 목표.** 이 노트북을 마치면 다음을 할 수 있습니다.
#
# 1. 회귀 신경망(은닉층 ReLU, 출력층 항등 함수, 평균 제곱 오차)을 만들고, 그 연쇄에서 ReLU의
#    도함수를 읽을 수 있습니다.
# 2. 회귀 신경망의 출력이 왜 선형으로 남는지 설명할 수 있습니다.
# 3. 선형 층을 쌓아도 하나의 층으로 합쳐진다는 것, 그래서 깊이에는 비선형 활성화 함수가 필요하다는
#    것을 보일 수 있습니다.
#
# 경사 하강법을 다룬 강의 노트는 연쇄 법칙 예제를 회귀 신경망 위에 세웁니다. 은닉층에는 ReLU,
# 출력층에는 항등 함수(회귀 모델은 실수 하나를 예측하므로), 손실 함수로는 평균 제곱 오차입니다.
# MLP를 행렬과 벡터로 표현하는 강의 노트가 두 선택을 설명합니다. 선형 층을 쌓으면 하나의 선형
# 변환으로 합쳐지므로 은닉층에는 비선형 활성화 함수가 필요하고, 출력은 어떤 값이든 가질 수 있도록
# 선형으로 둡니다.

# %%
import matplotlib.pyplot as plt
import numpy as np
import sympy as sp
from IPython.display import Math, display

import symbackprop as sb
from symbackprop import datasets

net = sb.mlp([1, 16, 1], activation="relu", output_activation="identity", loss="mse")
print(repr(net))
display(Math(sb.latex(sb.chain(net, "w1_11"))))

# %% [markdown]
# 첫 번째 층 가중치의 연쇄에는 ReLU 때문에 인수 $\mathbf{1}[z > 0]$이 하나 있고(ReLU의 도함수:
# 입력이 양수면 1, 아니면 0, 정확히 0에서는 0으로 둡니다), 항등 함수인 출력층 때문에 생기는
# 인수는 없습니다. Adam(노트북 08)으로 $[-\pi, \pi]$에서 $t = \sin(x)$를 맞춥니다.

# %%
X, T = datasets.sine(n=120)
run = sb.train(net, X, T, lr=0.01, steps=3000, optimizer="adam", seed=2)
mse = run.loss(X, T)
xs = np.linspace(-np.pi, np.pi, 400)[:, None]
fig, axes = plt.subplots(1, 2, figsize=(10, 3.4), dpi=100)
axes[0].plot(X[:, 0], T[:, 0], "k.", ms=4, label="data: t = sin(x)")
axes[0].plot(xs[:, 0], run.predict(xs)[:, 0], "#c0392b", lw=2, label=f"ReLU net, MSE {mse:.1e}")
axes[0].legend(fontsize=8, loc="upper left")  # the upper left corner holds no data
axes[0].set_xlabel("x")
axes[0].set_ylabel("t, and the net's prediction")
axes[0].set_title("1-16-1 ReLU net, identity output: a piecewise-linear fit", fontsize=10)
axes[1].semilogy(run.history["loss"])
axes[1].set_xlabel("step (Adam, η = 0.01)")
axes[1].set_ylabel("MSE (log scale)")
axes[1].set_title("training loss", fontsize=10)
fig.tight_layout();

# %% [markdown]
# 맞춘 곡선은 조각마다 직선입니다. ReLU 뉴런 하나가 꺾인 점 하나를 보탭니다. 그것이 비선형성의
# 역할입니다.
#
# ## 출력이 선형으로 남는 이유
#
# 회귀의 목표값은 어떤 실수든 될 수 있습니다. 출력층에 시그모이드를 두면 모든 예측값이
# $(0, 1)$ 안에 있으므로, 아무리 학습해도 목표값 2에 닿지 못합니다.

# %%
T2 = 2 * T
lin = sb.train(net, X, T2, lr=0.01, steps=3000, optimizer="adam", seed=2)
squashed_net = sb.mlp([1, 16, 1], activation="relu", output_activation="sigmoid", loss="mse")
squashed = sb.train(squashed_net, X, T2, lr=0.01, steps=3000, optimizer="adam", seed=2)
print(f"targets in [-2, 2]: identity output MSE {lin.loss(X, T2):.4f}, sigmoid output MSE "
      f"{squashed.loss(X, T2):.4f}; sigmoid predictions lie in "
      f"[{squashed.predict(xs).min():.3f}, {squashed.predict(xs).max():.3f}]")

# %% [markdown]
# ## 선형 층을 쌓아도 선형 층 하나입니다
#
# 모든 활성화 함수가 항등 함수이면 2-3-3-1 신경망은 $y = W_3(W_2(W_1 x + b_1) + b_2) + b_3$이고,
# 곱해 풀면 $W = W_3 W_2 W_1$, $b = W_3 W_2 b_1 + W_3 b_2 + b_3$인 $W x + b$가 됩니다. 아무리
# 깊어도 완전 연결 층 하나와 같습니다(MLP를 다룬 강의 노트의 요점입니다). symbackprop으로 출력을
# 잎 노드(입력과 매개변수)로 써서 비교합니다.

# %%
linear = sb.mlp([2, 3, 3, 1], activation="identity", output_activation="identity")
y = sb.derive.full_substitution(linear)[linear.predictions[0]]
W1, W2, W3 = linear.weights
b1, b2, b3 = linear.biases
x_vec = sp.Matrix(linear.input_symbols)
one_layer = (W3 * W2 * W1 * x_vec + W3 * W2 * b1 + W3 * b2 + b3)[0]
print("deep linear net minus one layer:", sp.expand(y - one_layer))
# so its gradient with respect to the input is the same everywhere:
slopes = [sp.diff(y, xk) for xk in linear.input_symbols]
print("dy/dx depends on x:", any(s.free_symbols & set(linear.input_symbols) for s in slopes))

# %% [markdown]
# 비선형 활성화 함수가 있으면 기울기 $\partial y/\partial x$가 점마다 달라집니다. 그래서 더 깊은
# 신경망이 더 복잡한 함수를 그릴 수 있습니다.

# %%
curved = sb.mlp([2, 3, 3, 1], activation="tanh", output_activation="identity")
y_curved = sb.derive.full_substitution(curved)[curved.predictions[0]]
slope_curved = sp.diff(y_curved, curved.input_symbols[0])
print("dy/dx1 of the tanh net depends on x:",
      bool(slope_curved.free_symbols & set(curved.input_symbols)))

# %% [markdown]
# ## 연습 문제
#
# XOR은 직선 하나로 나눌 수 없습니다. `datasets.xor()`에서 *선형* 신경망(모든 활성화 함수가 항등
# 함수, 손실은 `half_se`)을 학습시키세요. 도달할 수 있는 가장 작은 손실은 얼마이고, 무엇을
# 예측합니까? 그다음 은닉층에 `tanh`를 주고 비교하세요.
#
# *아래 풀이 셀은 함수를 정의하기만 합니다. 먼저 풀어 본 뒤 열어서 `solution()`을
# 호출하세요.*

# %% tags=["solution"] jupyter={"source_hidden": true}
def solution():
    """The linear net's best loss and predictions on XOR, and the tanh net's loss."""
    # the best linear fit predicts 1/2 at all four corners, so E = 1/2 (1/2)^2 = 0.125
    Xx, Tx = datasets.xor()
    flat = sb.train(sb.mlp([2, 4, 1], activation="identity", output_activation="identity"),
                    Xx, Tx, lr=0.1, steps=3000, seed=0)
    assert flat.loss(Xx, Tx) > 0.124 and np.allclose(flat.predict(Xx), 0.5, atol=0.02)
    bent = sb.train(sb.mlp([2, 4, 1], activation="tanh", output_activation="identity"),
                    Xx, Tx, lr=0.1, steps=3000, seed=0)
    assert bent.loss(Xx, Tx) < 1e-3
    return flat.loss(Xx, Tx), flat.predict(Xx).ravel(), bent.loss(Xx, Tx)


# %% tags=["headline", "remove-cell"] jupyter={"source_hidden": true, "outputs_hidden": true}
# headline checks, run by the tests: the ReLU regression net fits sin(x); a sigmoid output
# cannot reach a target of 2; a stack of linear layers is one linear layer, a tanh stack is not
assert mse < 5e-3
assert lin.loss(X, T2) < 0.02 and squashed.loss(X, T2) > 0.5
assert sp.expand(y - one_layer) == 0
assert not any(s.free_symbols & set(linear.input_symbols) for s in slopes)
assert slope_curved.free_symbols & set(curved.input_symbols)
solution()
print(f"sine fitted to MSE {mse:.1e}; linear layers collapse to one")

# %% [markdown]
# ## 정리
#
# * 회귀 신경망: 비선형 은닉층, (어떤 실수든 예측할 수 있도록) 항등 함수 출력층, 평균 제곱 오차.
# * ReLU의 도함수는 $\mathbf{1}[z > 0]$입니다. 뉴런마다 꺾인 점이 하나씩 생겨, 맞춘 함수는 조각마다
#   직선입니다.
# * 비선형성이 없으면 층을 아무리 쌓아도 선형 변환 $Wx + b$ 하나입니다. 깊이가 아무것도 더해 주지
#   못하고, XOR도 풀 수 없습니다.
#
# **다음:** [11 · 손글씨 숫자 →](11_digits.ipynb): 실제 데이터, 열 개의 클래스.
