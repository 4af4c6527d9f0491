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
# # 11 · 유도한 기울기로 손글씨 숫자 분류하기
#
# [← 10 · 회귀와 선형성](10_regression_and_linearity.ipynb) · [강의 목차](README.md)
#
# **학습 목표.** 이 노트북을 마치면 다음을 할 수 있습니다.
#
# 1. 소프트맥스 출력과 교차 엔트로피 손실 함수로 열 개 클래스 분류기를 학습시킬 수 있습니다.
#    로짓에 대한 기울기는 $\hat y - t$입니다.
# 2. 미니배치(걸음마다 무작위로 뽑은 예제 묶음)와 Adam으로 학습할 수 있습니다.
# 3. 학습에 쓰지 않은 데이터로 분류기를 평가하고, 혼동 행렬에서 실수를 읽을 수 있습니다.
#
# scikit-learn에 들어 있는 8x8 손글씨 숫자(선택 설치 항목 `digits`)로 64-32-10 신경망(매개변수
# 2,410개)을 학습시킵니다. 출력층의 가중합 열 개 $z_j$(로짓)는 소프트맥스
# $\hat y_j = e^{z_j} / \sum_k e^{z_k}$를 거쳐 확률이 되고, 손실은 원-핫 목표값 $t$에 대한 교차
# 엔트로피 $L = -\sum_j t_j \log \hat y_j$입니다. symbackprop은 손실을 로짓에서 바로 계산하므로
# $\partial L/\partial z = \hat y - t$이고 넘침(overflow)이 없습니다. 기울기는 기호로 유도해
# 컴파일하며, 컴파일러가 이 신경망에 어떤 코드를 골랐는지는 `f.path`가 알려 줍니다.

# %%
import time

import matplotlib.pyplot as plt
import numpy as np

import symbackprop as sb
from symbackprop import datasets

Xtr, Ttr, Xte, Tte = datasets.digits(seed=0)
t0 = time.perf_counter()
net = sb.mlp([64, 32, 10], activation="tanh", loss="softmax_ce")
f = sb.compile(net)
print(f"built and compiled {len(f.params)} parameters in {time.perf_counter() - t0:.2f} s; "
      f"code path: {f.path}")
print(sb.check_gradient(f, sb.train(f, Xtr[:50], Ttr[:50], steps=0).theta, Xtr[:50], Ttr[:50]))

# %% [markdown]
# 학습: 예제 64개짜리 미니배치로 Adam(노트북 08)을 1,500걸음, 걸음마다 새로 무작위로 뽑은
# 배치를 씁니다(확률적 경사 하강법). 테스트 데이터로는 절대 학습하지 않습니다.

# %%
run = sb.train(f, Xtr, Ttr, lr=0.01, steps=1500, seed=0, batch_size=64, optimizer="adam")
test_acc = run.accuracy(Xte, Tte)
print(f"train accuracy {run.accuracy(Xtr, Ttr):.1%}, test accuracy {test_acc:.1%} "
      f"on {len(Xte)} held-out digits")

# %% [markdown]
# ## 어디서 틀리는가
#
# 혼동 행렬은 실제 숫자(행)마다 신경망이 무엇으로 예측했는지(열)를 셉니다. 대각선이 맞힌 것이고,
# 나머지는 모두 실수입니다. 그 옆에는 신경망이 틀린 테스트 숫자들이 있습니다.

# %%
pred = run.predict(Xte).argmax(axis=1)
truth = Tte.argmax(axis=1)
confusion = np.zeros((10, 10), dtype=int)
np.add.at(confusion, (truth, pred), 1)
wrong = np.flatnonzero(pred != truth)
print(f"{len(wrong)} of {len(truth)} held-out digits misclassified")

fig = plt.figure(figsize=(10, 4.4), dpi=100)
ax = fig.add_axes([0.05, 0.12, 0.4, 0.78])
off = np.where(np.eye(10, dtype=bool), 0, confusion)
ax.imshow(off, cmap="Reds", vmin=0, vmax=2 * max(1, off.max()))  # mistakes in mid red
for i in range(10):
    for j in range(10):
        if confusion[i, j]:
            ax.text(j, i, confusion[i, j], ha="center", va="center", fontsize=8,
                    color="#1e8449" if i == j else "white", fontweight="bold")
ax.set_xticks(range(10))
ax.set_yticks(range(10))
ax.set_xlabel("predicted digit")
ax.set_ylabel("true digit")
ax.set_title("confusion matrix (green: correct; red shade: mistakes)", fontsize=9)
shown = wrong[:12]
for k, i in enumerate(shown):
    sub = fig.add_axes([0.52 + 0.078 * (k % 6), 0.55 - 0.42 * (k // 6), 0.07, 0.3])
    sub.imshow(Xte[i].reshape(8, 8), cmap="gray_r")
    sub.set_title(f"said {pred[i]}\nis {truth[i]}", fontsize=8, color="#c0392b")
    sub.set_axis_off()
fig.text(0.75, 0.93, f"misclassified held-out digits ({len(shown)} of {len(wrong)})",
         ha="center", fontsize=9);

# %% [markdown]
# ## 연습 문제
#
# 신경망이 가장 자주 틀리는 숫자는 무엇입니까? 테스트 데이터에서 숫자마다 따로 정확도를
# 계산하세요(혼동 행렬의 대각선을 행의 합으로 나누거나, `pred`와 `truth`에서 바로).
#
# *아래 풀이 셀은 함수를 정의하기만 합니다. 먼저 풀어 본 뒤 열어서 `solution()`을
# 호출하세요.*

# %% tags=["solution"] jupyter={"source_hidden": true}
def solution():
    """Held-out accuracy per digit, and the hardest digit."""
    per_digit = {d: float((pred[truth == d] == d).mean()) for d in range(10)}
    assert np.allclose(list(per_digit.values()), np.diag(confusion) / confusion.sum(axis=1))
    return per_digit, min(per_digit, key=per_digit.get)


# %% tags=["headline", "remove-cell"] jupyter={"source_hidden": true, "outputs_hidden": true}
# headline checks, run by the tests: at least 95% on held-out digits, and every digit at 80%
assert test_acc >= 0.95
assert confusion.sum() == len(truth) and np.trace(confusion) == (pred == truth).sum()
per_digit, hardest = solution()
assert all(a >= 0.8 for a in per_digit.values())
print(f"test accuracy {test_acc:.1%}; hardest digit {hardest}")

# %% [markdown]
# ## 정리
#
# * 소프트맥스는 로짓 열 개를 확률로 바꿉니다. 교차 엔트로피 손실과 함께면 로짓에 대한 기울기가
#   $\hat y - t$로, 노트북 08의 시그모이드와 이진 교차 엔트로피와 같은 간단한 꼴입니다.
# * 미니배치와 Adam으로, 유도한 기울기만 써서 매개변수 2,410개짜리 신경망이 처음 보는 숫자를
#   95% 넘게 맞힙니다.
# * 혼동 행렬은 어떤 숫자가 어떤 숫자로 잘못 읽히는지 보여 줍니다.
#
# 이것으로 강의를 마칩니다. [강의 목차](README.md)로 돌아가거나, [00 · 미분](00_derivatives.ipynb)부터
# 다시 시작하세요.
