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
# # 00 · 미분: 기울기, 다섯 가지 규칙, 그리고 그래디언트
#
# [강의 목차](README.md) · 다음: [01 · 연쇄 법칙 →](01_chain_rule.ipynb)
#
# **학습 목표.** 이 노트북을 마치면 다음을 할 수 있습니다.
#
# 1. 미분이 무엇인지 말할 수 있습니다: 접선의 기울기이자, 할선 기울기의 극한입니다.
# 2. 역전파가 노드마다 쓰는 다섯 가지 미분 규칙을 적용하고, 그 결과를 SymPy와 중앙 차분으로
#    검산할 수 있습니다.
# 3. 편미분을 구하고, 편미분들을 모아 만든 그래디언트(기울기 벡터)가 오르막 방향을 가리킨다는
#    것을 설명할 수 있습니다.
#
# 역전파(backpropagation)가 계산하는 것은 결국 모두 미분입니다. 그래서 미분이 무엇인지부터
# 시작합니다. 수치 미분과 편미분을 다룬 강의 노트는 이를 한 줄로 정리합니다. 한 점에서의
# 미분계수는 순간변화율이고, 곧 *접선의 기울기*입니다.

# %%
import matplotlib.pyplot as plt
import numpy as np
import sympy as sp
from IPython.display import Math, display

import symbackprop as sb

g = sb.parse_graph("f = x**3 - 2*x")
x = g.symbol("x")
df = sb.expanded(g, x)  # the derivative, as an expression
display(Math(r"f(x) = " + sb.latex(g.definition("f").expr) + r",\qquad f'(x) = " + sb.latex(df)))

# %% [markdown]
# ## 미분은 접선의 기울기입니다
#
# $x$와 $x + h$를 지나는 할선의 기울기 $\frac{f(x+h) - f(x)}{h}$는 평균변화율입니다. $h$를
# 줄여 가면 할선은 접선에 다가가고, 그 기울기는 $f'(x)$에 다가갑니다.

# %%
f_num = sp.lambdify(x, g.definition("f").expr, "numpy")
df_num = sp.lambdify(x, df, "numpy")
x0 = 1.2
for h in (1.0, 0.1, 0.01, 0.001):
    print(f"h = {h:<6} secant slope {(f_num(x0 + h) - f_num(x0)) / h:.6f}")
print(f"           f'({x0}) = {df_num(x0):.6f}")

xs = np.linspace(-2, 2, 200)
fig, ax = plt.subplots(figsize=(8, 3.8), dpi=110)
ax.plot(xs, f_num(xs), "k", lw=2, label="$f(x) = x^3 - 2x$")
for p, color in ((-1.2, "#1f77b4"), (0.0, "#2ca02c"), (x0, "#d62728")):
    slope = df_num(p)
    ax.plot(xs, f_num(p) + slope * (xs - p), color=color, lw=1.2,
            label=f"tangent at x = {p}: slope {slope:.2f}")
    ax.plot([p], [f_num(p)], "o", color=color)
for h, ls in ((1.0, "--"), (0.4, ":")):  # two secants through x0, closing in on the tangent
    s = (f_num(x0 + h) - f_num(x0)) / h
    ax.plot(xs, f_num(x0) + s * (xs - x0), ls, color="#d62728", lw=1,
            label=f"secant x0 → x0 + {h}: slope {s:.2f}")
ax.set_ylim(-3, 3)
ax.set_xlabel("x")
ax.set_ylabel("f(x)")
ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))  # beside the plot, not on it
ax.set_title("secant slopes close in on the tangent's slope at x0 = 1.2")
ax.grid(alpha=0.3)
fig.tight_layout();

# %% [markdown]
# ## 다섯 가지 규칙
#
# 역전파는 신경망 전체를 한 번에 미분하지 않습니다. 노드 하나하나에 몇 가지 규칙을 적용할
# 뿐입니다. 거의 모든 일을 하는 규칙은 다섯 가지입니다. 상수는 사라지고, 거듭제곱은 지수가
# 앞으로 내려오고, 합은 나누어 미분하고, 곱은 번갈아 미분하고, 합성함수는 곱합니다(연쇄 법칙,
# 다음 노트북의 주제). 아래에서 각 규칙을 SymPy의 `diff`와, 강의 노트가 권하는
# $h = 10^{-4}$의 중앙 차분으로 확인합니다.

# %%
rules = [
    ("constant", "f = 7 + 0*x", r"(c)' = 0"),
    ("power", "f = x**5", r"(x^n)' = n x^{n-1}"),
    ("sum", "f = sin(x) + x**2", r"(u + v)' = u' + v'"),
    ("product", "f = x**2 * exp(x)", r"(uv)' = u'v + uv'"),
    ("chain", "f = log(1 + x**2)", r"(u(v(x)))' = u'(v(x))\, v'(x)"),
]
checks = []
for name, text, formula in rules:
    gr = sb.parse_graph(text)
    xv = gr.symbol("x")
    d = sb.expanded(gr, xv)
    sympy_d = sp.diff(gr.definition("f").expr, xv)
    numeric = sb.numerical_gradient(gr, {"x": 0.7})[xv]
    exact = float(d.subs(xv, 0.7))
    checks.append((name, sp.simplify(d - sympy_d) == 0, abs(numeric - exact)))
    display(Math(rf"\textbf{{{name}}}: {formula}\qquad \frac{{d}}{{dx}}\left({sp.latex(gr.definition('f').expr)}\right) = {sb.latex(d)}"))
for name, same, err in checks:
    print(f"{name:9s} symbackprop = sympy.diff: {same}; central difference off by {err:.1e}")

# %% [markdown]
# 활성화 함수마다 두 가지가 더 등장합니다: $(e^x)' = e^x$와 $(\log x)' = 1/x$. 이 둘을 함께
# 쓰면 시그모이드의 유명한 도함수 $\sigma'(z) = \sigma(z)(1 - \sigma(z))$가 나옵니다. 노드의
# 출력을 $h = \sigma(z)$라 하면, symbackprop은 교과서처럼 $h(1 - h)$로 씁니다.

# %%
sig = sb.parse_graph("h = sigmoid(z)")
display(Math(r"h = \sigma(z),\qquad \frac{\partial h}{\partial z} = "
             + sb.latex(sb.local_partial(sig, "h", "z"))))

# %% [markdown]
# ## 편미분
#
# 변수가 여러 개일 때 편미분은 변수 하나만 움직이고 나머지는 고정합니다. 강의 노트의 예:
# $f(x, y) = 2x + 3xy + y^3$이면 $\partial f/\partial x = 2 + 3y$,
# $\partial f/\partial y = 3x + 3y^2$입니다.

# %%
p = sb.parse_graph("f = 2*x + 3*x*y + y**3")
fx, fy = sb.expanded(p, "x"), sb.expanded(p, "y")
display(Math(r"\frac{\partial f}{\partial x} = " + sb.latex(fx)
             + r",\qquad \frac{\partial f}{\partial y} = " + sb.latex(fy)))

# %% [markdown]
# ## 그래디언트는 벡터이고, 오르막을 가리킵니다
#
# 편미분을 모두 모아 하나의 벡터로 만들면 그래디언트
# $\nabla f = (\partial f/\partial x_0, \partial f/\partial x_1)$가 됩니다. 그래디언트는 $f$가
# 가장 빠르게 커지는 방향을 가리키므로, $-\nabla f$는 가장 가파르게 내려가는 방향입니다. 여기서는
# $f(x_0, x_1) = x_0^2 + x_1^2$, 즉 *둥근* 그릇 모양의 함수를 봅니다. 화살표는 격자의 각 점에서
# 컴파일된 역전파 프로그램으로 계산한 $-\nabla f$입니다. 둥근 그릇에서는 화살표가 우연히도
# 최솟값을 똑바로 가리킵니다. 그렇지 않은 길쭉한 그릇은 노트북 03에서 봅니다.

# %%
bowl = sb.parse_graph("# params: x0 x1\nf = x0**2 + x1**2")
fb = sb.compile(bowl)
grid = np.linspace(-2, 2, 9)
G0, G1 = np.meshgrid(grid, grid)
arrows = np.array([fb(np.array([a, b]), np.zeros((1, 0)))[1]
                   for a, b in zip(G0.ravel(), G1.ravel(), strict=True)])
fig, ax = plt.subplots(figsize=(4.8, 4.4), dpi=110)
fine = np.linspace(-2.2, 2.2, 100)
F0, F1 = np.meshgrid(fine, fine)
cs = ax.contour(F0, F1, F0**2 + F1**2, levels=[0.5, 1, 2, 3, 4, 6], colors="0.55",
                linewidths=0.8)
ax.clabel(cs, fontsize=7)
ax.quiver(G0.ravel(), G1.ravel(), -arrows[:, 0], -arrows[:, 1], color="#c0392b",
          angles="xy", scale_units="xy", scale=8)
ax.plot([0], [0], "k*", ms=12)
ax.annotate("minimum", (0, 0), (0.25, -0.45), fontsize=8)
ax.set_aspect("equal")
ax.set_xlabel("$x_0$")
ax.set_ylabel("$x_1$")
ax.set_title("$-\\nabla f$ (arrows) points downhill; on a round bowl,\nstraight at the minimum"
             " (contours: $f = x_0^2 + x_1^2$)", fontsize=9);

# %% [markdown]
# 숫자로 확인해 봅시다. 모든 단위 방향 $d$ 중에서, 작은 한 걸음에 $f$를 가장 많이 줄이는
# 방향은 $-\nabla f$ 방향입니다.

# %%
point = np.array([1.0, 0.5])
grad = fb(point, np.zeros((1, 0)))[1]
angles = np.linspace(0, 2 * np.pi, 360, endpoint=False)
dirs = np.c_[np.cos(angles), np.sin(angles)]
drops = [fb.loss(point, np.zeros((1, 0))) - fb.loss(point + 1e-3 * d, np.zeros((1, 0)))
         for d in dirs]
best = dirs[int(np.argmax(drops))]
print("best direction", np.round(best, 3), " -grad/|grad|", np.round(-grad / np.linalg.norm(grad), 3))

# %% [markdown]
# ## 연습 문제
#
# symbackprop으로 $\frac{d}{dz}\tanh(z)$를 구하세요(노드가 `h = tanh(z)` 하나인 그래프).
# 그 결과가 $1 - \tanh^2(z)$와 같은지, 그리고 $z = 0.5$에서의 값이 중앙 차분과 맞는지
# 확인하세요.
#
# *풀이는 다음 셀에 접혀 있습니다. 함수를 정의하기만 하므로 노트북을 실행해도 아무것도
# 보이지 않습니다. 먼저 직접 풀어 본 뒤 셀을 열고 `solution()`을 호출해 보세요.*

# %% tags=["solution"] jupyter={"source_hidden": true}
def solution():
    """tanh'(z) from symbackprop, checked symbolically and at z = 0.5."""
    th = sb.parse_graph("h = tanh(z)")
    z = th.symbol("z")
    d_tanh = sb.expanded(th, z)
    assert sp.simplify(d_tanh - (1 - sp.tanh(z) ** 2)) == 0
    numeric = sb.numerical_gradient(th, {"z": 0.5})[z]
    assert abs(numeric - (1 - np.tanh(0.5) ** 2)) < 1e-8
    return d_tanh


# %% tags=["headline", "remove-cell"] jupyter={"source_hidden": true, "outputs_hidden": true}
# headline checks, run by the tests: the tangent is the limit of secants, every rule holds,
# -grad is the steepest descent, and the solution checks itself
assert abs((f_num(x0 + 1e-6) - f_num(x0)) / 1e-6 - df_num(x0)) < 1e-4
assert all(same and err < 1e-7 for _, same, err in checks)
assert sp.expand(fx - (2 + 3 * p.symbol("y"))) == 0
assert sp.expand(fy - (3 * p.symbol("x") + 3 * p.symbol("y") ** 2)) == 0
assert np.allclose(best, -grad / np.linalg.norm(grad), atol=0.02)
solution()
print("secants -> tangent; five rules check out; -grad is the steepest way down")

# %% [markdown]
# ## 정리
#
# * 미분은 접선의 기울기이며, $h \to 0$일 때 할선 기울기의 극한입니다.
# * 다섯 가지 규칙(상수, 거듭제곱, 합, 곱, 연쇄)이 역전파의 거의 모든 단계를 담당합니다.
#   symbackprop의 미분은 SymPy, 중앙 차분과 일치합니다.
# * 편미분은 변수 하나를 움직입니다. 그래디언트는 편미분을 모두 모은 벡터로 오르막을
#   가리키므로, $-\nabla f$가 가장 가파른 내리막 방향입니다.
#
# **다음:** [01 · 연쇄 법칙 →](01_chain_rule.ipynb), 합성함수의 미분은 왜 곱이 되는가.
