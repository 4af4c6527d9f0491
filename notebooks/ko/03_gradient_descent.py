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
# # 03 · 경사 하강법: 왜 빼는가, 어느 쪽이 내리막인가, 어디서 멈추는가
#
# [← 02 · 회로와 게이트](02_circuits_and_gates.ipynb) · [강의 목차](README.md) ·
# 다음: [04 · 수치 미분과 기호 미분 →](04_numerical_vs_symbolic.ipynb)
#
# **학습 목표.** 이 노트북을 마치면 다음을 할 수 있습니다.
#
# 1. 경사 하강법이 왜 기울기를 *빼는지* 설명할 수 있습니다:
#    $w \leftarrow w - \eta\, \partial L/\partial w$, 여기서 $\eta$는 학습률입니다.
# 2. $-\nabla L$은 *지금 이 자리에서* 가장 가파른 내리막일 뿐 최솟값으로 가는 방향은 아니라는 것,
#    그리고 길쭉한 골짜기에서 그것이 무엇을 뜻하는지 볼 수 있습니다.
# 3. 지역 최솟값과 전역 최솟값을 구별하고, 경사 하강법을 뉴턴 방법과 비교하고, 기울기에 대한
#    임계치로 하강을 멈출 수 있습니다.
#
# 역전파는 각 가중치에 대한 손실 함수의 미분 $\partial L/\partial w$를 주고, 경사 하강법은 그것을
# 씁니다. 손실 함수와 그 미분을 다룬 강의 노트는 왜 기울기를 빼는지 설명하고, 경사 하강법을 다룬
# 강의 노트는 지역·전역 최솟값, 1차와 2차 방법, 그리고 언제 멈출지를 덧붙입니다. 모든 걸음을
# 그림으로 그릴 수 있도록, 가중치가 하나인 손실부터 시작합니다.

# %%
import matplotlib.pyplot as plt
import numpy as np
import sympy as sp
from IPython.display import Math, display

import symbackprop as sb

bowl = sb.parse_graph("# params: w\nL = (w - 3)**2 + 1")
f = sb.compile(bowl)
w_ = bowl.symbol("w")
display(Math(r"L(w) = " + sb.latex(bowl.definition("L").expr) + r",\qquad \frac{dL}{dw} = "
             + sb.latex(sb.expanded(bowl, w_))))
NO_DATA = np.zeros((1, 0))  # these losses have no inputs: one (empty) example


def loss_and_slope(w):
    loss, grad = f(np.array([w]), NO_DATA)
    return loss, grad[0]


# %% [markdown]
# ## 왜 뺄까요?
#
# 최솟값에서 기울기는 0입니다. 최솟값의 *오른쪽*에서는 기울기가 양수이므로 $\eta \cdot$ 기울기를
# 빼면 $w$가 왼쪽으로 움직입니다. *왼쪽*에서는 기울기가 음수이므로 빼면 $w$가 오른쪽으로
# 움직입니다. 어느 쪽이든 걸음은 최솟값을 향하고, 기울기가 완만해질수록 걸음도 작아집니다.
# $\eta = 0.15$로 양쪽에서 열두 걸음씩 가 봅니다.

# %%
fig, ax = plt.subplots(figsize=(8.5, 3.6), dpi=110)
ws = np.linspace(-0.5, 6.5, 200)
ax.plot(ws, [loss_and_slope(w)[0] for w in ws], "k", lw=2, label="L(w)")
paths = {}
for start, color in ((6.0, "#c0392b"), (0.0, "#2874a6")):
    run = sb.train(bowl, NO_DATA, None, lr=0.15, steps=12, theta0=[start])
    w_path = [start]
    for _ in range(12):  # the same steps, by hand: w <- w - eta dL/dw
        w_path.append(w_path[-1] - 0.15 * loss_and_slope(w_path[-1])[1])
    paths[start] = (w_path, run.theta[0])
    ax.plot(w_path, [loss_and_slope(w)[0] for w in w_path], "o-", color=color, ms=4,
            label=f"from w = {start}: slope {loss_and_slope(start)[1]:+.1f} at the start")
ax.plot([3], [1], "k*", ms=14, label="minimum, w = 3")
ax.set_xlabel("w")
ax.set_ylabel("L(w)")
ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
ax.set_title("subtracting the slope steps towards the minimum from either side")
fig.tight_layout();

# %% [markdown]
# ## 가장 가파른 길이 최솟값으로 곧장 가는 길은 아닙니다
#
# 가중치가 두 개면 기울기는 벡터이고, (노트북 00에서 본 것처럼) $-\nabla L$은 *현재 위치에서*
# $L$이 가장 빨리 줄어드는 방향입니다. 둥근 그릇에서는 그 방향이 우연히 최솟값을 가리킵니다.
# 길쭉한 그릇에서는 그렇지 않습니다. $L(w_1, w_2) = \frac12 (w_1^2 + 10\, w_2^2)$를 봅시다.
# 골짜기를 가로지르는 방향이 골짜기를 따라가는 방향보다 열 배 가파릅니다. $(-4, 1)$ 같은
# 점에서 화살표 $-\nabla L = (4, -10)$은 대부분 골짜기를 *가로지르는* 쪽을 가리키지만,
# 최솟값은 골짜기를 따라 놓여 있습니다.

# %%
valley = sb.parse_graph("# params: w1 w2\nL = (w1**2 + 10*w2**2)/2")
fv = sb.compile(valley)
start = np.array([-4.0, 1.0])
grad0 = fv(start, NO_DATA)[1]
cos = float(-grad0 @ -start / (np.linalg.norm(grad0) * np.linalg.norm(start)))
print(f"-grad at {start}: {-grad0}; direction to the minimum: {-start}; "
      f"angle between them {np.degrees(np.arccos(cos)):.0f} degrees")

vpaths = {}
for lr in (0.05, 0.18):
    trail = [start]
    sb.train(valley, NO_DATA, None, lr=lr, steps=40, theta0=start,
             callback=lambda step, theta, loss, trail=trail: trail.append(theta.copy()))
    vpaths[lr] = np.array(trail)

fig, ax = plt.subplots(figsize=(8.5, 3.8), dpi=110)
a, b = np.meshgrid(np.linspace(-4.5, 1.5, 200), np.linspace(-1.5, 1.5, 120))
ax.contour(a, b, (a**2 + 10 * b**2) / 2, levels=[0.25, 1, 2.5, 5, 8, 12], colors="0.6",
           linewidths=0.8)
for lr, color in ((0.05, "#2874a6"), (0.18, "#c0392b")):
    pth = vpaths[lr]
    ax.plot(pth[:, 0], pth[:, 1], "o-", color=color, ms=3, lw=1,
            label=f"gradient descent, η = {lr}: after 40 steps L = "
                  f"{fv.loss(pth[-1], NO_DATA):.1e}")
ax.annotate("", xy=start - 0.1 * grad0, xytext=start,
            arrowprops={"arrowstyle": "-|>", "color": "k", "lw": 1.5})
ax.text(start[0] + 0.1, start[1] - 0.05, r"$-\nabla L$", fontsize=9, va="top")
ax.plot([0], [0], "k*", ms=14, label="minimum (0, 0)")
ax.set_aspect("equal")
ax.set_xlabel("$w_1$")
ax.set_ylabel("$w_2$")
ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
ax.set_title("on an elongated valley $-\\nabla L$ points across it: descent zigzags", fontsize=10)
fig.tight_layout();

# %% [markdown]
# 작은 $\eta$는 먼저 골짜기 바닥으로 떨어진 뒤 바닥을 따라 느릿느릿 기어갑니다. 더 큰 $\eta$는
# 가파른 방향으로 넘쳐서 지그재그로 갑니다. 가파른 방향이 허락하는 걸음 크기(여기서는
# $\eta < 2/10$, 이보다 크면 지그재그가 점점 커집니다)는 완만한 방향에는 턱없이 작습니다. 이것이
# 모멘텀과 Adam(노트북 08), 그리고 아래의 뉴턴 방법이 풀려는 문제입니다.
#
# ## 지역 최솟값과 전역 최솟값
#
# 실제 손실 함수에는 골짜기가 여럿 있습니다. 가장 낮은 것이 전역 최솟값(최솟값)이고, 나머지는
# 지역 최솟값(극소값)입니다. 경사 하강법은 출발한 곳에서 내리막을 따라 걷다가, 그곳이 속한
# 골짜기에서 멈춥니다. 아래 경로는 네 출발점에서 시작한 하강($\eta = 0.02$)의 모든 걸음입니다.

# %%
wavy = sb.parse_graph("# params: w\nL = w**4 - 3*w**2 + w")
fw = sb.compile(wavy)
L_expr = wavy.definition("L").expr
dL_expr = sb.expanded(wavy, "w")
roots = sorted(float(r) for r in sp.Poly(dL_expr, wavy.symbol("w")).nroots() if abs(sp.im(r)) < 1e-12)
print("critical points (dL/dw = 0):", [round(r, 4) for r in roots])
Lw = lambda w: float(fw.loss(np.array([w]), NO_DATA))
ends, wpaths = {}, {}
fig, ax = plt.subplots(figsize=(8.5, 3.8), dpi=110)
ws = np.linspace(-2.1, 2.1, 300)
ax.plot(ws, [Lw(w) for w in ws], "k", lw=2, label="$L(w) = w^4 - 3w^2 + w$")
for st, color in ((-2.0, "#2874a6"), (-0.2, "#117a65"), (0.3, "#b9770e"), (2.0, "#c0392b")):
    trail = [st]
    run = sb.train(wavy, NO_DATA, None, lr=0.02, steps=400, theta0=[st],
                   callback=lambda step, theta, loss, trail=trail: trail.append(theta[0]))
    ends[st], wpaths[st] = run.theta[0], trail
    ax.plot(trail, [Lw(w) for w in trail], ".-", color=color, ms=4, lw=0.8,
            label=f"descent from {st:+.1f}: ends at {ends[st]:+.3f}")
ax.plot([roots[0]], [Lw(roots[0])], "k*", ms=15, label=f"global minimum, w = {roots[0]:.3f}")
ax.plot([roots[2]], [Lw(roots[2])], "kD", ms=8, mfc="white",
        label=f"local minimum, w = {roots[2]:.3f}")
ax.set_xlabel("w")
ax.set_ylabel("L(w)")
ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
ax.set_title("descent ends in the valley it starts in")
fig.tight_layout();

# %% [markdown]
# ## 1차 방법과 2차 방법
#
# 경사 하강법을 다룬 강의 노트는 방법들을 쓰는 미분의 차수로 비교합니다. 경사 하강법(1차)은
# 기울기만 압니다. 뉴턴 방법(2차)은 곡률 $L''$도 써서, 현재 점에서 $L$에 맞춘 포물선의 바닥으로
# 단번에 뛰어갑니다: $w \leftarrow w - L'(w)/L''(w)$. $L$이 볼록한 곳에서는 몇 걸음이면
# 충분하지만, 극댓값을 포함해 *어떤* 평평한 점에도 끌려가고, 신경망에서는 $L''$이 가중치 쌍마다
# 항이 하나씩 있는 행렬이라 계산하기에 너무 큽니다. symbackprop은 미분을 한 번 더 미분해서
# $L''$을 구합니다.

# %%
second = sb.Graph()
wv = second.params("w")
second.node("dL", dL_expr.xreplace({wavy.symbol("w"): wv}))
d2L_expr = sb.expanded(second, wv)
display(Math(r"L'(w) = " + sb.latex(dL_expr) + r",\qquad L''(w) = " + sb.latex(d2L_expr)))
dL = sp.lambdify(wavy.symbol("w"), dL_expr)
d2L = sp.lambdify(wv, d2L_expr)


def descend(start, step, n=60, tol=1e-10):
    path = [start]
    for _ in range(n):
        w = path[-1]
        path.append(step(w))
        if abs(dL(path[-1])) < tol:
            break
    return path


newton = descend(2.0, lambda w: w - dL(w) / d2L(w))
gd = descend(2.0, lambda w: w - 0.02 * dL(w), n=2000)
newton_max = descend(0.3, lambda w: w - dL(w) / d2L(w))
print(f"from w = 2: Newton {len(newton) - 1} steps to {newton[-1]:.6f}, gradient descent "
      f"{len(gd) - 1} steps to {gd[-1]:.6f}")
print(f"from w = 0.3 (L'' < 0 there) Newton climbs to the maximum at {newton_max[-1]:.4f}")

fig, ax = plt.subplots(figsize=(6.5, 3.4), dpi=110)
ax.semilogy([abs(dL(w)) + 1e-16 for w in gd], label="gradient descent (η = 0.02)")
ax.semilogy([abs(dL(w)) + 1e-16 for w in newton], "o-", label="Newton")
ax.set_xlabel("step")
ax.set_ylabel("|L'(w)| (log scale)")
ax.set_title("from w = 2: Newton reaches the nearby (local) minimum in a few steps", fontsize=10)
ax.legend(loc="upper right")
ax.grid(True, which="both", alpha=0.3);

# %% [markdown]
# ## 언제 멈출까: 기울기에 대한 임계치
#
# 강의 노트는 기울기가 임계치 아래로 떨어지면 하강을 멈춥니다. `sb.train`은 매 걸음 뒤에
# 호출되는 콜백(callback)을 받고, 콜백이 True를 돌려주면 학습을 멈춥니다. 여기서는 콜백이
# 기울기를 봅니다.

# %%
stops = {}
for threshold in (1e-2, 1e-4, 1e-6):
    def small(step, theta, loss, threshold=threshold):
        return abs(loss_and_slope(theta[0])[1]) < threshold
    run = sb.train(bowl, NO_DATA, None, lr=0.1, steps=10_000, theta0=[6.0], callback=small)
    stops[threshold] = (run.steps, run.theta[0])
    print(f"threshold {threshold:g}: stopped after {run.steps} steps at w = {run.theta[0]:.8f}")

# %% [markdown]
# 임계치를 백 배 줄일 때마다 늘어나는 걸음 수는 거의 같습니다(약 20걸음). 최솟값 근처에서는 최솟값까지의 거리가
# 매 걸음 같은 비율 $(1 - 2\eta)$로 줄어들기 때문입니다.
#
# ## 연습 문제
#
# $L(w) = (w - 3)^2 + 1$에서 한 걸음은 $w - 3$을 $(1 - 2\eta)(w - 3)$으로 바꿉니다. 어떤 학습률
# $\eta$에서 경사 하강법이 발산합니까? 경계의 양쪽에서 `sb.train`으로 답을 확인하세요(발산하는
# 학습은 `sb.DivergenceError`를 냅니다).
#
# *아래 풀이 셀은 함수를 정의하기만 합니다. 먼저 풀어 본 뒤 열어서 `solution()`을
# 호출하세요.*

# %% tags=["solution"] jupyter={"source_hidden": true}
def solution():
    """The boundary, checked with sb.train on both sides of it."""
    # |1 - 2 eta| > 1, i.e. eta > 1, makes |w - 3| grow every step
    boundary = 1.0
    ok = sb.train(bowl, NO_DATA, None, lr=0.99 * boundary, steps=2000, theta0=[6.0])
    assert abs(ok.theta[0] - 3) < 1  # shrinks, slowly (factor 0.98 a step)
    try:
        sb.train(bowl, NO_DATA, None, lr=1.01 * boundary, steps=100_000, theta0=[6.0])
    except sb.DivergenceError:
        return boundary
    raise AssertionError("expected divergence")


# %% tags=["headline", "remove-cell"] jupyter={"source_hidden": true, "outputs_hidden": true}
# headline checks, run by the tests: subtracting steps to the minimum from both sides; on the
# elongated valley -grad points well away from the minimum; descent finds the valley it starts
# in; Newton needs a handful of steps where GD needs hundreds; the threshold stops the run
assert abs(paths[6.0][1] - 3) < 0.1 and abs(paths[0.0][1] - 3) < 0.1
assert paths[6.0][0][1] < 6.0 and paths[0.0][0][1] > 0.0
assert np.degrees(np.arccos(cos)) > 45
assert fv.loss(vpaths[0.05][-1], NO_DATA) > 0.05 and fv.loss(vpaths[0.18][-1], NO_DATA) < 1e-3
assert np.any(np.diff(np.sign(vpaths[0.18][:, 1])) != 0)  # the zigzag crosses the valley floor
glob, loc = roots[0], roots[2]
assert abs(ends[-2.0] - glob) < 1e-3 and abs(ends[2.0] - loc) < 1e-3
assert abs(ends[-0.2] - glob) < 1e-3 and abs(ends[0.3] - loc) < 1e-3
assert Lw(glob) < Lw(loc)
assert len(newton) - 1 <= 8 and len(gd) - 1 > 100 and abs(newton[-1] - loc) < 1e-9
assert abs(newton_max[-1] - roots[1]) < 1e-6
assert stops[1e-2][0] < stops[1e-4][0] < stops[1e-6][0]
assert solution() == 1.0
print(f"global minimum at w = {glob:.4f}, local at {loc:.4f}; Newton {len(newton) - 1} steps, "
      f"gradient descent {len(gd) - 1}")

# %% [markdown]
# ## 정리
#
# * $w \leftarrow w - \eta\,\partial L/\partial w$: 기울기를 빼면 언제나 내리막으로 한 걸음 가고,
#   기울기가 완만해질수록 걸음이 작아집니다.
# * $-\nabla L$은 현재 위치에서 가장 가파른 내리막이지 최솟값으로 가는 길이 아닙니다. 길쭉한
#   골짜기에서 하강은 지그재그로 가거나 느릿느릿 기어갑니다.
# * 하강은 출발한 골짜기에서 멈춥니다(지역 최솟값일 수도 있습니다). 뉴턴 방법은 곡률을 써서
#   훨씬 적은 걸음으로 가지만 어떤 평평한 점으로든 향하고, 신경망에는 너무 비쌉니다. 기울기에
#   대한 임계치가 언제 멈출지를 정합니다.
#
# **다음:** [04 · 수치 미분과 기호 미분 →](04_numerical_vs_symbolic.ipynb): 기울기는 어디서
# 오고, 얼마나 비싼가.
