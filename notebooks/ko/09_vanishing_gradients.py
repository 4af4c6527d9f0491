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
# # 09 · 기울기 소실: 활성화 함수와 초기화
#
# [← 08 · 학습](08_training.ipynb) · [강의 목차](README.md) ·
# 다음: [10 · 회귀와 선형성 →](10_regression_and_linearity.ipynb)
#
# **학습 목표.** 이 노트북을 마치면 다음을 할 수 있습니다.
#
# 1. 행렬 형태로부터 기울기가 층을 거칠 때마다 왜 작아지거나(소실) 커지는지(폭발) 설명할 수
#    있습니다.
# 2. 활성화 함수가 기여하는 것(시그모이드는 $a' \le 1/4$)과 가중치가 기여하는 것(층마다 약
#    $\sqrt{n}\,\sigma_w$)을 구별할 수 있습니다.
# 3. 기울기의 크기를 유지하는 초기화를 고를 수 있습니다(tanh에는 Xavier, ReLU에는 He).
#
# MLP를 행렬과 벡터로 표현하는 강의 노트에 따르면, 시그모이드와 tanh의 도함수는 1보다 작고 연쇄
# 법칙은 층마다 그것을 하나씩 곱하므로, 신경망이 깊을수록 앞쪽 층에 도달하는 기울기가 작아집니다
# (기울기 소실, vanishing gradient). 역전파의 행렬 형태
# $\delta^{(l)} = ((W^{(l+1)})^\top \delta^{(l+1)}) \odot a'(z^{(l)})$를 보면 그 인수들이 어디서
# 오는지 보입니다. 층마다 가중치 행렬 하나와 $a'$ 하나입니다. 그러니 기울기의 크기는 둘 다에
# 달려 있습니다. 활성화 함수의 도함수, *그리고* 초기화가 정하는 가중치의 크기입니다.
#
# 실험: 같은 신경망(뉴런 16개짜리 은닉층 10개, 두 개의 반달, 교차 엔트로피)에서, 초기 상태의 각
# 가중치 행렬의 기울기 노름을 잽니다. 활성화 함수 세 가지와 명시한 가중치 초기화 세 가지(편향은
# 0)에 대해, 시드 다섯 개의 기하 평균을 냅니다.
#
# * **small**: $w \sim N(0, 0.1^2)$;
# * **Xavier**(Glorot): $w \sim U(-\sqrt{6/(n_{in} + n_{out})}, \sqrt{6/(n_{in} + n_{out})})$,
#   분산 $2/(n_{in} + n_{out})$. `sb.train`의 기본 시작점입니다.
# * **N(0, 1)**: $w \sim N(0, 1)$, "그냥" 무작위로 시작하는 경우입니다.

# %%
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Math, display

import symbackprop as sb
from symbackprop import datasets

X, T = datasets.two_moons(n=128, seed=0)
depth, width = 10, 16
INITS = ("small", "Xavier", "N(0, 1)")


def initial(net, kind, seed):
    """Weights drawn as stated above (biases 0), in the order of the compiled parameters."""
    rng = np.random.default_rng(seed)
    theta = np.zeros(len(net.param_symbols))
    for i, s in enumerate(net.param_symbols):
        meta = net.meta[s.name]
        if meta["role"] == "weight":
            n_in, n_out = net.layers[meta["layer"] - 1], net.layers[meta["layer"]]
            theta[i] = {"small": 0.1 * rng.normal(),
                        "Xavier": rng.uniform(-1, 1) * np.sqrt(6 / (n_in + n_out)),
                        "N(0, 1)": rng.normal()}[kind]
    return theta


norms = {}
for act in ("sigmoid", "tanh", "relu"):
    net = sb.mlp([2] + [width] * depth + [1], activation=act, loss="bce")
    f = sb.compile(net)
    layer_of = [net.meta[s.name].get("layer") if net.meta[s.name]["role"] == "weight" else None
                for s in f.params]
    for kind in INITS:
        per_seed = []
        for seed in range(5):
            _, grad = f(initial(net, kind, seed), X, T)
            per_seed.append([np.linalg.norm(grad[[i for i, l in enumerate(layer_of) if l == k]])
                             for k in range(1, depth + 2)])
        norms[act, kind] = np.exp(np.mean(np.log(per_seed), axis=0))

fig, axes = plt.subplots(1, 3, figsize=(12, 3.6), dpi=100, sharey=True)
for ax, act in zip(axes, ("sigmoid", "tanh", "relu"), strict=True):
    for kind, style in zip(INITS, ("s:", "o-", "^--"), strict=True):
        ax.semilogy(range(1, depth + 2), norms[act, kind], style, label=kind)
    ax.set_title(act)
    ax.set_xlabel("layer $l$ (1 = next to the input)")
    ax.grid(True, which="both", alpha=0.3)
axes[0].set_ylabel(r"$\|\partial L/\partial W^{(l)}\|$ at initialisation")
fig.legend(*axes[0].get_legend_handles_labels(), title="initial weights", loc="upper center",
           bbox_to_anchor=(0.5, 0.02), ncol=3, fontsize=9)
fig.suptitle("gradient size per layer at initialisation: sigmoid always shrinks towards the "
             "input; tanh and ReLU depend on the weights", fontsize=10)
fig.tight_layout(rect=(0, 0.08, 1, 0.97));

# %%
ratio = {key: n[0] / n[-1] for key, n in norms.items()}
per_layer = {key: r ** (1 / depth) for key, r in ratio.items()}  # geometric mean per layer
for (act, kind), r in ratio.items():
    print(f"{act:8s} {kind:8s} first layer / last layer = {r:.2e}, "
          f"about x{per_layer[act, kind]:.2f} per layer")

# %% [markdown]
# **왜 다를까요.** 한 층 뒤로 갈 때마다 델타에 $W^\top$과 $a'(z)$가 곱해집니다. 뉴런마다 입력이
# $n$개이면 $W^\top$은 델타를 약 $\sqrt{n}\,\sigma_w$배 하고, $a'(z)$는 많아야 그 최댓값만큼
# 곱합니다: $\sigma'(z) \le 1/4$, $\tanh'(z) \le 1$($z = 0$에서 1), ReLU의 도함수는 정확히
# 0 아니면 1입니다. 그러니 층마다 델타에 곱해지는 값은 많아야 약
# $\sqrt{n}\,\sigma_w \cdot \max a'$입니다.
#
# *시그모이드*: 활성화 함수만으로도 델타가 층마다 적어도 4로 나뉩니다. Xavier 가중치
# ($\sqrt{n}\,\sigma_w = \sqrt{16} \cdot 0.25 = 1$)로는 이것을 메울 것이 없습니다. 위의 출력은 층마다
# 약 $\times 0.25$를 보여 줍니다(가중치가 작아 $z$가 0 근처에 머물고, 거기서 $\sigma' = 1/4$입니다).
# small 가중치에서는 $0.4 \cdot 1/4 \approx 0.1$입니다. 더 큰 가중치는 일부를 메울 수 있습니다.
# $N(0, 1)$이면 $\sqrt{16} \cdot 1 = 4$가 기껏해야 1/4을 상쇄합니다. 하지만 큰 가중치는 $z$를 0에서
# 멀리 밀어내고, 거기서 $\sigma'$은 1/4보다 훨씬 작으므로, 잰 값(위에 출력된 약 $\times 0.5$)은
# 1보다 작게 남습니다. 가중치가 무엇이든 시그모이드 신경망의 앞쪽 층은 뒤쪽 층보다 적게 받고,
# 출력도 0을 중심으로 하지 않습니다. 이것이 강의 노트가 말하는 기울기 소실입니다.
#
# *tanh*는 초기화가 결정합니다. Xavier의 $\sigma_w^2 \approx 1/n$에서는 두 인수가 상쇄되어
# ($\sqrt{n}\,\sigma_w \approx 1$, 0 근처에서 $\tanh' \approx 1$) 열 개 층 내내 기울기가 크기를
# 유지합니다. small 가중치에서는 각 층이 신호의 $\sqrt{16} \cdot 0.1 = 0.4$만 앞으로도 뒤로도
# 전합니다. 가중치의 기울기는 그 뉴런의 델타(입력 쪽으로 갈수록 작아짐) 곱하기 그 가중치가 읽는
# 활성화 값(출력 쪽으로 갈수록 작아짐)이므로, 층들끼리는 비슷한 크기를 유지하지만 모든 기울기가
# Xavier일 때보다 만 배쯤 작습니다. 신경망 전체가 소실된 것입니다. $N(0, 1)$에서는 뉴런이 포화될
# 때까지 층마다 델타가 약 $\sqrt{16} = 4$배가 되어, 오히려 입력 쪽으로 갈수록 기울기가 커집니다
# (기울기 폭발).
#
# *ReLU*는 활성화된 뉴런에서 델타를 줄이지 않으므로 층 사이의 비가 1 근처에 머뭅니다. 하지만
# 전체 크기는 $\sqrt{n}\,\sigma_w$만으로 정해집니다. $N(0, 1)$이면 기울기가 수천에 이릅니다. He
# 초기화($\sigma_w^2 = 2/n$, 아래 연습 문제)가 ReLU를 위한 선택입니다.
#
# 기호로 보면: 가는 시그모이드 신경망의 첫 번째 층 가중치에 대한 연쇄에는 층마다 $\sigma'$ 인수가
# 하나씩 있고, 각각은 그 뉴런의 활성화 값 $h$로 $h(1-h) \le 1/4$라고 쓰여 있습니다.

# %%
thin = sb.mlp([1, 1, 1, 1, 1], activation="sigmoid")
display(Math(sb.latex(sb.chain(thin, "w1_11"))))

# %% [markdown]
# ## 연습 문제
#
# He 초기화는 ReLU 가중치를 $N(0, 2/n_{in})$에서 뽑습니다. 인수 2는 꺼져 있는 절반의 뉴런을
# 메웁니다. 이 초기화로 ReLU 신경망의 층별 기울기 노름을 계산하고, 첫 번째 층과 마지막 층이 서로
# 5배 이내이며 노름이 (수천이 아니라) 1 정도인지 확인하세요.
#
# *아래 풀이 셀은 함수를 정의하기만 합니다. 먼저 풀어 본 뒤 열어서 `solution()`을
# 호출하세요.*

# %% tags=["solution"] jupyter={"source_hidden": true}
def solution():
    """Per-layer gradient norms of the ReLU net under He initialisation (geometric mean of 5)."""
    relu_net = sb.mlp([2] + [width] * depth + [1], activation="relu", loss="bce")
    f_relu = sb.compile(relu_net)
    he_norms = []
    for seed in range(5):
        rng = np.random.default_rng(seed)
        theta = np.zeros(len(f_relu.params))
        for i, s in enumerate(f_relu.params):
            meta = relu_net.meta[s.name]
            if meta["role"] == "weight":
                theta[i] = rng.normal() * np.sqrt(2 / relu_net.layers[meta["layer"] - 1])
        _, grad = f_relu(theta, X, T)
        he_norms.append([np.linalg.norm(grad[[i for i, s in enumerate(f_relu.params)
                                              if relu_net.meta[s.name].get("layer") == k
                                              and relu_net.meta[s.name]["role"] == "weight"]])
                         for k in range(1, depth + 2)])
    he = np.exp(np.mean(np.log(he_norms), axis=0))
    assert 0.2 < he[0] / he[-1] < 5 and 0.01 < he.max() < 10
    return he


# %% tags=["headline", "remove-cell"] jupyter={"source_hidden": true, "outputs_hidden": true}
# headline checks, run by the tests: sigmoid vanishes under every initialisation (below 1 per
# layer, about 1/4 with Xavier); tanh depends on it (kept by Xavier, tiny everywhere when small,
# growing towards the input from N(0, 1)); ReLU keeps the ratio but N(0, 1) makes it huge
assert all(ratio["sigmoid", kind] < 0.05 for kind in INITS)
assert all(per_layer["sigmoid", kind] < 1 for kind in INITS)
assert 0.2 < per_layer["sigmoid", "Xavier"] < 0.3 and per_layer["sigmoid", "small"] < 0.15
assert 0.3 < per_layer["sigmoid", "N(0, 1)"] < 0.8
assert ratio["sigmoid", "Xavier"] < 1e-4
assert 0.3 < ratio["tanh", "Xavier"] < 3
assert norms["tanh", "small"].max() < 1e-3 * norms["tanh", "Xavier"].min()
assert ratio["tanh", "N(0, 1)"] > 3
assert all(0.2 < ratio["relu", kind] < 5 for kind in ("Xavier", "N(0, 1)"))
assert norms["relu", "N(0, 1)"].min() > 100 * norms["relu", "Xavier"].max()
solution()
print({f"{a}/{k}": f"x{r:.2f} per layer" for (a, k), r in per_layer.items()})

# %% [markdown]
# ## 정리
#
# * 한 층 뒤로 갈 때마다 델타에 $W^\top$(약 $\sqrt{n}\,\sigma_w$)과 $a'(z)$가 곱해지고, 층이
#   많아지면 이 인수들이 쌓입니다.
# * 시그모이드의 $\sigma' \le 1/4$ 때문에 여기서 시험한 모든 초기화에서 기울기가 소실됩니다.
#   tanh는 Xavier 초기화로 기울기를 유지하고, ReLU는 층 사이의 비를 유지하며 He 초기화가 크기를
#   유지합니다.
# * 기울기 소실과 폭발은 같은 곱의 양면입니다. 활성화 함수와 초기화를 함께 고르세요.
#
# **다음:** [10 · 회귀와 선형성 →](10_regression_and_linearity.ipynb): 신경망에 왜 비선형 활성화
# 함수가 필요한가.
