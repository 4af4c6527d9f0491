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
# # 08 · 컴파일된 기울기로 학습하기
#
# [← 07 · 행렬 형태](07_matrix_form.ipynb) · [강의 목차](README.md) ·
# 다음: [09 · 기울기 소실 →](09_vanishing_gradients.ipynb)
#
# **학습 목표.** 이 노트북을 마치면 다음을 할 수 있습니다.
#
# 1. 컴파일된 기울기로 작은 신경망을 경사 하강법으로 학습시키고, 먼저 그 기울기를 중앙 차분으로
#    검산할 수 있습니다.
# 2. 이진 교차 엔트로피 손실 함수가 무엇이고 분류기가 왜 그것을 쓰는지 설명할 수 있습니다.
# 3. 학습률을 고르고, 모멘텀과 Adam이 기본 갱신식 $w \leftarrow w - \eta\,\partial L/\partial w$의
#    무엇을 바꾸는지 설명할 수 있습니다.
#
# 기울기는 노트북 05–07의 역전파 프로그램을 NumPy로 컴파일한 것에서 나옵니다. 배치 전체에 대해
# 손실과 모든 기울기를 돌려주는 함수 하나입니다. 먼저 XOR, 그다음 두 개의 반달(two moons),
# 그다음 학습률, 마지막으로 더 나은 갱신 방법 두 가지를 봅니다.

# %%
import matplotlib.pyplot as plt
import numpy as np

import symbackprop as sb
from symbackprop import datasets

X, T = datasets.xor()
net = sb.mlp([2, 4, 1], activation="tanh")
f = sb.compile(net)
print(f, "\n")
print(f.source)

# %% [markdown]
# 생성된 코드는 노트북 05의 프로그램을 배열 위에서 실행합니다. 순전파 값, 그다음 손실에서
# 거꾸로 델타, 그다음 각 기울기를 델타 곱하기 그 가중치에 곱해지는 값으로 계산해 배치에 대해
# 평균을 냅니다. 학습은 노트북 03의 반복문을 여기에 씌운 것입니다.

# %%
run = sb.train(net, X, T, lr=0.5, steps=2000, seed=1)
print("final loss", run.history["loss"][-1], "accuracy", run.accuracy(X, T))
print(np.round(run.predict(X).ravel(), 3), "targets", T.ravel())

# %% [markdown]
# 기울기를 믿기 전에 중앙 차분(노트북 04)으로 검산하세요. 무작위 점에서 검산합니다(최적점
# 근처에서는 기울기가 아주 작아 상대 오차가 별 의미가 없습니다).

# %%
theta_random = np.random.default_rng(0).normal(size=len(f.params))
check = sb.check_gradient(f, theta_random, X, T)
print(check)

# %% [markdown]
# ## 두 개의 반달, 그리고 분류를 위한 손실 함수
#
# 두 개의 반달은 분류 문제입니다. 각 점은 클래스 0 아니면 클래스 1입니다. 신경망의 출력
# $\hat y = \sigma(z)$를 클래스 1일 확률로 읽고, 손실 함수로는 **이진 교차 엔트로피**
# (`loss="bce"`)를 씁니다.
#
# $$L = -\big(t \log \hat y + (1 - t)\log(1 - \hat y)\big).$$
#
# 신경망이 정답 클래스에 준 확률의 음의 로그입니다. 확신을 갖고 맞히면 0에 가깝고, 확신을 갖고
# 틀리면 큽니다. 시그모이드 출력과 함께 쓰면 출력 가중합에 대한 기울기가 간단히 $\hat y - t$가
# 됩니다. 제곱 오차였다면 $\sigma'(z) \le 1/4$라는 인수가 더 붙는데, 이 인수는 신경망이 확신을
# 갖고 틀릴 때, 즉 가장 많이 배워야 할 때 거의 0이 되어 버립니다.

# %%
Xm, Tm = datasets.two_moons(n=200, noise=0.1, seed=0)
moons = sb.mlp([2, 16, 1], activation="tanh", loss="bce")
# symbackprop writes the loss from the output's weighted sum z (the logit): the same function,
# as softplus(z) - t z, which never takes the log of 0
print("L =", moons.definition(moons.output).expr)
run_m = sb.train(moons, Xm, Tm, lr=0.5, steps=3000, seed=1)
acc = run_m.accuracy(Xm, Tm)
print(f"training accuracy {acc:.1%}")

gx, gy = np.meshgrid(np.linspace(-1.5, 2.5, 200), np.linspace(-1, 1.5, 150))
P = run_m.predict(np.c_[gx.ravel(), gy.ravel()]).reshape(gx.shape)
fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), dpi=100)
# a pale background for the net's probability, the boundary in black, and the points in two
# markers that stand out from it: open circles (class 0) and filled triangles (class 1)
axes[0].contourf(gx, gy, P, levels=20, cmap="RdBu_r", alpha=0.35, vmin=-0.2, vmax=1.2)
axes[0].contour(gx, gy, P, levels=[0.5], colors="k", linewidths=1.5)
zero, one = Tm[:, 0] < 0.5, Tm[:, 0] > 0.5
axes[0].scatter(Xm[zero, 0], Xm[zero, 1], marker="o", facecolors="white", edgecolors="#1a5276",
                s=22, linewidths=1.2, label="class 0")
axes[0].scatter(Xm[one, 0], Xm[one, 1], marker="^", c="#922b21", edgecolors="k", s=26,
                linewidths=0.6, label="class 1")
axes[0].plot([], [], "k-", label="boundary, P(class 1) = 0.5")
axes[0].legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=3)
axes[0].set_xlabel("$x_1$")
axes[0].set_ylabel("$x_2$")
axes[0].set_title(f"decision boundary, training accuracy {acc:.1%}")
axes[1].semilogy(run_m.history["loss"])
axes[1].set_xlabel("step")
axes[1].set_ylabel("cross-entropy (log scale)")
axes[1].set_title("the loss falls as the boundary bends")
fig.tight_layout();

# %% [markdown]
# ## 학습률: 너무 작을 때, 알맞을 때, 너무 클 때

# %%
outcomes = {}
fig, ax = plt.subplots(figsize=(8, 3.6), dpi=110)
for lr in (0.01, 2.0, 100.0):
    try:
        r = sb.train(moons, Xm, Tm, lr=lr, steps=600, seed=1)
        losses = r.history["loss"]
        outcomes[lr] = losses[-1]
    except sb.DivergenceError as err:
        losses = err.history["loss"]
        outcomes[lr] = float("inf")
        print(f"lr={lr}: {err}")
    ax.semilogy(losses, label=f"η = {lr}")
ax.set_xlabel("step")
ax.set_ylabel("cross-entropy (log scale)")
ax.set_title("learning rate: too small creeps, too large jumps")
ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1))
fig.tight_layout()
print({lr: round(v, 4) for lr, v in outcomes.items()})

# %% [markdown]
# 너무 작으면 손실이 느릿느릿 줄어듭니다. 알맞으면 빠르게 떨어집니다. 너무 크면 걸음이 골짜기를
# 넘어가 손실이 자리 잡지 못하고 널뛰거나, 발산해서 학습이 멈춥니다(몇 번째 걸음인지 알려 주고,
# 마지막으로 정상이던 매개변수를 남깁니다).
#
# ## 더 나은 걸음: 모멘텀과 Adam
#
# 노트북 03에서 기본 경사 하강법이 길쭉한 골짜기를 가로질러 지그재그로 가고, 골짜기를 따라서는
# 느릿느릿 기어가는 것을 보았습니다. 갱신식을 바꾸는 두 가지 방법이 있고, 둘 다 `sb.train`의
# 선택지입니다.
#
# * **모멘텀**(`optimizer="momentum"`)은 지난 걸음들의 누적인 속도 $v$를 유지합니다:
#   $v \leftarrow \mu v - \eta\, \nabla L$, $w \leftarrow w + v$, 기본값은 $\mu = 0.9$입니다.
#   같은 쪽을 향하는 걸음(골짜기를 따라)은 쌓이고, 번갈아 바뀌는 걸음(골짜기를 가로질러)은
#   서로 상쇄됩니다.
# * **Adam**(`optimizer="adam"`)은 기울기의 이동 평균 $m$과 기울기 제곱의 이동 평균 $s$를
#   유지하고(감쇠율 $\beta_1 = 0.9$, $\beta_2 = 0.999$),
#   $w \leftarrow w - \eta\, \hat m / (\sqrt{\hat s} + \epsilon)$로 한 걸음 갑니다. 여기서
#   $\hat m, \hat s$는 평균이 0에서 시작하는 것을 보정한 값입니다. $\sqrt{\hat s}$로 나누기
#   때문에 기울기의 크기와 상관없이 모든 가중치가 대략 $\eta$만큼씩 움직이고, 가파른 방향과
#   완만한 방향이 비슷하게 움직입니다. 보통 학습률은 더 작게, 0.001–0.01 정도를 씁니다.

# %%
compare = {}
fig, ax = plt.subplots(figsize=(8, 3.6), dpi=110)
for opt, lr in (("gd", 0.5), ("momentum", 0.5), ("adam", 0.01)):
    r = sb.train(moons, Xm, Tm, lr=lr, steps=1000, seed=1, optimizer=opt)
    compare[opt] = r.history["loss"][-1]
    ax.semilogy(r.history["loss"], label=f"{opt}, η = {lr}: final loss {compare[opt]:.3f}")
ax.set_xlabel("step")
ax.set_ylabel("cross-entropy (log scale)")
ax.set_title("the same net and start: momentum and Adam get lower, sooner")
ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8)
fig.tight_layout();

# %% [markdown]
# ## 연습 문제
#
# 두 개의 반달에서 학습 정확도 97%에 이르기까지 각 최적화 방법에 몇 걸음이 필요합니까?
# $\eta = 0.5$, 시드 1로 `optimizer="gd"`와 `"momentum"`을 쓰고, 50걸음마다 정확도를 확인해
# 목표에 이르면 학습을 멈추는 `callback`(노트북 03)을 쓰세요. (`f_moons.predict(theta, Xm)`은
# 매개변수 벡터에 대한 예측값을 줍니다.)
#
# *아래 풀이 셀은 함수를 정의하기만 합니다. 먼저 풀어 본 뒤 열어서 `solution()`을
# 호출하세요.*

# %%
f_moons = sb.compile(moons)


# %% tags=["solution"] jupyter={"source_hidden": true}
def solution():
    """Steps to 97% for plain descent and for momentum."""
    def steps_to(optimizer, target=0.97, limit=4000):
        seen = {}

        def cb(step, theta, loss):
            if step % 50 == 0:
                pred = f_moons.predict(theta, Xm)[:, 0] > 0.5
                if (pred == (Tm[:, 0] > 0.5)).mean() >= target:
                    seen["step"] = step
                    return True
            return False

        sb.train(f_moons, Xm, Tm, lr=0.5, steps=limit, seed=1, optimizer=optimizer, callback=cb)
        return seen.get("step", limit)

    return steps_to("gd"), steps_to("momentum")


# %% tags=["headline", "remove-cell"] jupyter={"source_hidden": true, "outputs_hidden": true}
# headline checks, run by the tests: XOR learned, two moons at least 97%, the middle learning
# rate wins, momentum and Adam beat plain descent, and momentum reaches 97% sooner
assert run.history["loss"][-1] < 1e-3 and run.accuracy(X, T) == 1.0
assert acc >= 0.97
assert check.max_rel_error < 1e-5
assert outcomes[2.0] < outcomes[0.01] and outcomes[2.0] < outcomes[100.0]
assert compare["momentum"] < compare["gd"] and compare["adam"] < compare["gd"]
plain, heavy = solution()
assert heavy < plain
print(f"XOR loss {run.history['loss'][-1]:.2e}; two moons {acc:.1%}; 97% after {plain} steps "
      f"(gd), {heavy} (momentum)")

# %% [markdown]
# ## 정리
#
# * `sb.compile`은 역전파 프로그램을 NumPy 함수 하나로 만들고, `sb.train`은 그것으로 경사
#   하강법을 돌립니다. 기울기를 믿기 전에 중앙 차분으로 검산하세요.
# * 분류기는 이진 교차 엔트로피를 씁니다. 시그모이드 출력과 함께면 기울기가 $\hat y - t$로,
#   신경망이 확신을 갖고 틀릴 때 정확히 커집니다.
# * 학습률은 느릿느릿 기어갈지 널뛸지를 정합니다. 모멘텀은 일관된 걸음을 쌓고, Adam은 각
#   가중치의 걸음을 최근 기울기의 크기로 맞춥니다.
#
# **다음:** [09 · 기울기 소실 →](09_vanishing_gradients.ipynb): 깊은 신경망의 앞쪽 층이 왜 학습을
# 멈출 수 있는가.
