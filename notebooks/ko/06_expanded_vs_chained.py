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
# # 06 · 전부 전개해서 미분하면 안 될까?
#
# [← 05 · 2-2-1 신경망을 손으로](05_mlp_by_hand.ipynb) · [강의 목차](README.md) ·
# 다음: [07 · 행렬 형태 →](07_matrix_form.ipynb)
#
# **학습 목표.** 이 노트북을 마치면 다음을 할 수 있습니다.
#
# 1. 깊은 신경망의 완전히 전개한 미분이 왜 거대해지는지 설명할 수 있습니다: 경로마다 곱을
#    하나씩 쓰는데, 경로의 수는 층마다 곱절로 늘어납니다.
# 2. 로그 눈금 그래프에서 증가율을 읽을 수 있습니다.
# 3. 역전파가 무엇을 아끼는지 말할 수 있습니다: 델타를 한 번 계산해 다시 씁니다.
#
# 손실 함수와 그 미분을 다룬 강의 노트는 대놓고 묻습니다. 손실 전체를 식 하나로 다 풀어 쓴 뒤
# 한꺼번에 편미분하면 안 될까? 그 크기를 재 봅시다. 은닉층이 `depth`개이고 층마다 뉴런이
# `width`개인 신경망에서, 첫 번째(가장 깊은) 가중치에 대한 손실의 미분을 세 가지 형태로 잽니다.
#
# * **expanded(전개)**: 모든 노드를 대입한 뒤 미분한 식(5,000개 노드를 넘으면 만들지 않고 셉니다).
# * **chain(연쇄)**: 경로마다 국소 미분을 곱해 더한 식, 국소 기호로 씁니다.
# * **backprop(역전파)**: *모든* 기울기를 주는 프로그램 전체, 델타마다 한 번씩 계산합니다.

# %%
import numpy as np

import symbackprop as sb
from symbackprop.render.plot import plot_size_study
from symbackprop.render.sizes import size_study, study_table

rows = size_study(widths=range(1, 5), depths=range(1, 9), activation="sigmoid")
print(study_table(rows))

# %%
fig = plot_size_study(rows, title="∂E/∂w for the first weight: expanded grows exponentially,"
                                  "\nbackprop barely")

# %% [markdown]
# 로그 눈금에서 직선은 지수적 증가를 뜻합니다. 전개한 미분(실선)은 폭이 클수록 기울기가 가파른
# 직선을 따라 올라갑니다. 역전파 프로그램(점선)은 기울기 하나가 아니라 전부를 담고 있는데도
# 거의 평평합니다.

# %% [markdown]
# ## 증가율
#
# 깊이 3–8에서 $\log(\text{size}) = a + \text{depth}\cdot\log r$을 맞춥니다. $r$은 층이 하나
# 늘 때마다 크기가 몇 배가 되는지를 나타냅니다.

# %%
factors = {}
for w in range(1, 5):
    rs = sorted((r for r in rows if r["width"] == w and r["depth"] >= 3), key=lambda r: r["depth"])
    d = np.array([r["depth"] for r in rs])
    for form in ("expanded_tree", "chain_tree", "backprop_tree"):
        slope = np.polyfit(d, np.log([r[form] for r in rs]), 1)[0]
        factors[(w, form)] = float(np.exp(slope))
for w in range(1, 5):
    print(f"width {w}: per extra layer, expanded x{factors[(w, 'expanded_tree')]:.2f}, "
          f"chain x{factors[(w, 'chain_tree')]:.2f}, "
          f"backprop x{factors[(w, 'backprop_tree')]:.2f}")

# %% [markdown]
# 폭이 $n$이면 전개 형태와 연쇄 형태 모두 층마다 약 $n$배씩 커집니다. 첫 번째 층 가중치에서
# 손실까지의 경로 수가 층마다 $n$배가 되고, 두 형태 모두 경로마다 무언가를 쓰기 때문입니다.
# 전개 형태가 더 높은 곳에서 시작하는 것은 각 인수가 대입된 하위 신경망 전체를 달고 다니기
# 때문입니다. 역전파는 층마다 일정한 *양*만큼 커집니다(증가율이 1에 가까워집니다). 각 층은 자기
# 델타를 한 번 더할 뿐이고, 그 아래의 모든 가중치가 그것을 다시 씁니다.

# %% [markdown]
# ## 신경망 하나를 나란히
#
# 작은 신경망 하나에 대해 비교표는 DAG 크기(SymPy는 반복되는 부분 트리를 메모리에서 공유합니다)와
# 공통 부분식 제거(CSE) 뒤의 크기도 보여 줍니다. CSE는 역전파가 아끼는 것의 상당 부분을 되찾지만,
# 역전파가 처음부터 구조적으로 재사용하는 것을 나중에 찾아내야 합니다.

# %%
print(sb.compare_sizes(sb.mlp([2, 3, 3, 1], activation="sigmoid"), "w1_11"))

# %% [markdown]
# 그리고 깊고 넓은 신경망의 전개 형태를 요청하면, 만들어졌을 크기를 알려 주며 바로 거절합니다.

# %%
try:
    sb.expanded(sb.mlp([4, 4, 4, 4, 4, 4, 4, 4, 4, 1]), "w1_11")
except sb.ExpressionTooLargeError as err:
    print(err)

# %% [markdown]
# ## 연습 문제
#
# 연쇄 형태가 긴 것은 *경로*마다 곱을 하나씩 쓰기 때문입니다. 은닉층이 `depth`개, 층마다 뉴런이
# `width`개, 출력이 하나인 신경망에서 첫 번째 가중치 $w^{(1)}_{11}$에서 손실까지 가는 경로는 몇
# 개입니까? 공식을 찾은 다음, 폭 2–4와 깊이 1–6에 대해 `sb.count_paths`(경로를 나열하지 않고
# 셉니다)로 확인하세요.
#
# *아래 풀이 셀은 함수를 정의하기만 합니다. 먼저 풀어 본 뒤 열어서 `solution()`을
# 호출하세요.*

# %% tags=["solution"] jupyter={"source_hidden": true}
def solution():
    """The path count, checked for widths 2-4 and depths 1-6."""
    # w1_11 feeds one neuron of the first hidden layer; from there every later hidden layer
    # offers `width` choices and the output one: width ** (depth - 1) paths
    for w in (2, 3, 4):
        for d in range(1, 7):
            n = sb.count_paths(sb.mlp([2] + [w] * d + [1], activation="sigmoid"), "w1_11")
            assert n == w ** (d - 1), (w, d, n)
    return "width ** (depth - 1)"


# %% tags=["headline", "remove-cell"] jupyter={"source_hidden": true, "outputs_hidden": true}
# headline checks, run by the tests: expanded grows about x width per layer, backprop only slowly
for w in (2, 3, 4):
    assert factors[(w, "expanded_tree")] > 0.9 * w
    assert factors[(w, "backprop_tree")] < 1.3
big = next(r for r in rows if r["width"] == 4 and r["depth"] == 8)
assert big["expanded_tree"] > 1000 * big["backprop_tree"]
solution()
print(f"4 wide, 8 deep: expanded {big['expanded_tree']:.3g} nodes vs backprop "
      f"{big['backprop_tree']:,} for all {big['params']} gradients")

# %% [markdown]
# ## 정리
#
# * 첫 번째 층 가중치의 전개한 미분은 손실까지 가는 모든 경로를 써냅니다. 경로는 약
#   $\text{width}^{\text{depth}-1}$개이므로 크기가 깊이에 따라 지수적으로 커집니다.
# * 연쇄 형태는 경로 하나당 더 짧지만 여전히 모든 경로를 나열합니다.
# * 역전파는 각 뉴런의 델타를 한 번 계산해 그 아래의 모든 가중치에 다시 씁니다. 프로그램은 층마다
#   일정한 양만큼 커지고, *모든* 기울기를 담습니다.
#
# **다음:** [07 · 행렬 형태 →](07_matrix_form.ipynb): 같은 재사용을 층 단위로, 행렬로 씁니다.
