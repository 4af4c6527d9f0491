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
# # 07 · 행렬 형태: 한 번에 한 층씩
#
# [← 06 · 전부 전개하면 안 될까?](06_expanded_vs_chained.ipynb) · [강의 목차](README.md) ·
# 다음: [08 · 학습 →](08_training.ipynb)
#
# **학습 목표.** 이 노트북을 마치면 다음을 할 수 있습니다.
#
# 1. 층으로 된 신경망의 순전파를 행렬로 쓸 수 있습니다:
#    $z^{(l)} = W^{(l)} h^{(l-1)} + b^{(l)}$, $h^{(l)} = a(z^{(l)})$.
# 2. 역전파를 네 개의 행렬 식으로 쓰고, 각 식이 하는 일을 말할 수 있습니다.
# 3. 그 식들을 노트북 05의 스칼라 연쇄 법칙과 성분마다 비교해 확인할 수 있습니다.
#
# MLP를 행렬과 벡터로 표현하는 강의 노트는 노트북 05의 2-2-1 신경망을 층마다 행렬 하나로
# 씁니다. 이름은 노트북 05 그대로입니다. 은닉층의 가중합은 $h_1, h_2$, 출력의 가중합은 $y$, 손실은
# $E$입니다. 행렬 식에서 $z^{(l)}$은 한 층의 가중합을, $h^{(l)}$은 그 활성화 값을 나타냅니다:
# $z^{(1)} = (h_1, h_2)^\top$, $h^{(1)} = (a(h_1), a(h_2))^\top$, $z^{(2)} = y$,
# $h^{(2)} = a(y)$, 그리고 $h^{(0)} = x$.

# %%
import numpy as np
import sympy as sp
from IPython.display import Math, display

import symbackprop as sb

net = sb.mlp([2, 2, 1], activation="sigmoid", loss="half_se", naming="sequential")
mf = sb.matrix_form(net)
W1, W2 = mf.W
b1, b2 = mf.b
x = sp.Matrix(net.input_symbols)
L = lambda m: sb.latex(m, graph=net)
display(Math(r"z^{(1)} = W^{(1)} x + b^{(1)}:\quad " + L(mf.z[0]) + " = " + L(W1) + L(x)
             + " + " + L(b1)))
display(Math(r"z^{(2)} = W^{(2)} h^{(1)} + b^{(2)}:\quad " + L(mf.z[1]) + " = " + L(W2)
             + L(mf.h[1]) + " + " + L(b2)))

# %% [markdown]
# $W^{(l)}$의 $j$번째 행에는 뉴런 $j$로 *들어오는* 가중치가 있습니다. 그래서 $W^{(l)}$은 층 $l$의
# 뉴런마다 행이 하나, 층 $l-1$의 뉴런마다 열이 하나입니다. 첫 번째 행을 곱해 풀면
# $h_1 = w_1 x_1 + w_2 x_2 + b_1$이 다시 나옵니다.

# %%
print((W1 * x + b1)[0] == net.definition("h1").expr)

# %% [markdown]
# ## 숫자로 보는 순전파
#
# 노트북 05의 숫자를 이번에는 행렬로 계산합니다. 층마다 행렬 곱 한 번입니다.

# %%
point = {"x1": 0.05, "x2": 0.10, "w1": 0.15, "w2": 0.20, "w3": 0.25, "w4": 0.30,
         "b1": 0.35, "b2": 0.35, "w5": 0.40, "w6": 0.45, "b3": 0.60, "t": 0.01}
num = lambda m: np.array(m.xreplace({net.symbol(k): v for k, v in point.items()}), dtype=float)
sigma = lambda z: 1 / (1 + np.exp(-z))
xv, W1v, b1v, W2v, b2v = num(x), num(W1), num(b1), num(W2), num(b2)
z1 = W1v @ xv + b1v
h1v = sigma(z1)
z2 = W2v @ h1v + b2v
h2v = sigma(z2)
E = 0.5 * (0.01 - h2v[0, 0]) ** 2
print("z(1) =", z1.ravel(), " h(1) =", h1v.ravel())
print("z(2) =", z2.ravel(), " h(2) =", h2v.ravel(), " E =", round(E, 6))

# %% [markdown]
# ## 네 개의 식으로 쓰는 역전파
#
# 층 $l$의 델타(노트북 05처럼 뉴런마다 하나)를 $\delta^{(l)} = \partial E/\partial z^{(l)}$로,
# 성분별 곱을 $\odot$로 씁니다. 그러면
#
# 1. $\delta^{(L)} = \nabla_{h^{(L)}} E \odot a'(z^{(L)})$: 출력층의 델타;
# 2. $\delta^{(l)} = \big((W^{(l+1)})^\top \delta^{(l+1)}\big) \odot a'(z^{(l)})$: 전치한 가중치를
#    거쳐 한 층 뒤로;
# 3. $\partial E/\partial W^{(l)} = \delta^{(l)}\, (h^{(l-1)})^\top$: 각 가중치의 기울기는 그
#    뉴런의 델타 곱하기 그 가중치에 곱해지는 값;
# 4. $\partial E/\partial b^{(l)} = \delta^{(l)}$: 편향의 기울기는 델타 그 자체.
#
# symbackprop은 이 신경망의 식들을 행렬 자체에서 유도하고, 델타 $\delta^{(2)}$, $\delta^{(1)}$을
# 기호로 남겨 각 줄이 위의 식 그대로 읽히게 합니다(편향의 기울기는 델타 그 자체이므로, 식 4).
# 이름은 강의 노트를 따릅니다. 여기서 $\boldsymbol{h}^{(1)}$은 은닉층의 가중합(위의 $z^{(1)}$),
# $a(\boldsymbol{h}^{(1)})$은 그 활성값(위의 $h^{(1)}$), $y$는 출력층의 가중합입니다.

# %%
display(Math(sb.latex(mf)))

# %% [markdown]
# 같은 네 식을 위의 숫자로 NumPy에서 계산해, 라이브러리의 역전파와 비교합니다.

# %%
d2 = (h2v - 0.01) * h2v * (1 - h2v)            # 1. output delta (sigmoid: a' = a(1 - a))
d1 = (W2v.T @ d2) * h1v * (1 - h1v)            # 2. one layer back
dW2, dW1 = d2 @ h1v.T, d1 @ xv.T               # 3. weights: delta times the input, transposed
db2, db1 = d2, d1                              # 4. biases
grads = sb.backprop(net).evaluate(point)
library = np.array([[float(grads[w]) for w in row] for row in W1.tolist()])
print("dE/dW(1) by the matrix equations:\n", dW1)
print("dE/dW(1) from sb.backprop:\n", library)

# %% [markdown]
# ## 왜 행렬인가?
#
# 이 식들은 층의 폭에 의존하지 않습니다. symbackprop은 역전파를 행렬 수준에서 유도하므로,
# 매개변수가 203,530개인 784-256-10 신경망도 2-2-1 신경망과 똑같은 네 줄을 얻습니다. 가중치마다
# 기호를 만들지 않으므로 몇 밀리초면 충분하고, 달라지는 것은 행렬의 크기뿐입니다. 입력 배치를
# $X$의 행으로 놓으면 곱은 행렬-행렬 곱이 되어, 배치 전체를 빠른 선형대수 호출 몇 번으로 처리할
# 수 있습니다. `sb.compile`도 이렇게 기울기를 계산합니다. 두 유도를 나란히 놓고 비교해 봅시다.

# %%
wide_net = sb.mlp([784, 256, 10], activation="sigmoid", loss="half_se", naming="sequential")
wide = sb.matrix_form(wide_net)  # derived on matrices: no symbol per weight is made
rows = [("δ(2)", mf.delta(2), wide.delta(2)), ("δ(1)", mf.delta(1), wide.delta(1)),
        ("∂E/∂W(2)", mf.grad(2), wide.grad(2)), ("∂E/∂W(1)", mf.grad(1), wide.grad(1))]
print(f"{'':10}{'2-2-1':38}784-256-10")
for name, small, big in rows:
    print(f"{name:10}{mf.text(small):38}{wide.text(big)}")
print()
for (s, shape), (_, wide_shape) in zip(mf.dimensions(), wide.dimensions(), strict=True):
    print(f"{s.name:5} {shape[0]} x {shape[1]:<8} {wide_shape[0]} x {wide_shape[1]}")
display(Math(sb.latex(wide)))

# %% [markdown]
# ## 연습 문제
#
# 같은 신경망에서 입력만 $x = (1, -1)$로 바꿉니다. 네 식을 NumPy로 써서(위의 코드를 다시 써도
# 됩니다) $\partial E/\partial W^{(1)}$과 $\partial E/\partial b^{(1)}$을 계산하고,
# `sb.backprop(net).evaluate(...)`와 비교하세요.
#
# *아래 풀이 셀은 함수를 정의하기만 합니다. 먼저 풀어 본 뒤 열어서 `solution()`을
# 호출하세요.*

# %% tags=["solution"] jupyter={"source_hidden": true}
def solution():
    """dE/dW(1) and dE/db(1) at x = (1, -1), checked against sb.backprop."""
    at = dict(point, x1=1.0, x2=-1.0)
    xn = np.array([[1.0], [-1.0]])
    h1n = sigma(W1v @ xn + b1v)
    h2n = sigma(W2v @ h1n + b2v)
    d2n = (h2n - 0.01) * h2n * (1 - h2n)
    d1n = (W2v.T @ d2n) * h1n * (1 - h1n)
    g = sb.backprop(net).evaluate(at)
    assert np.allclose(d1n @ xn.T, [[float(g[w]) for w in row] for row in W1.tolist()],
                       atol=1e-14)
    assert np.allclose(d1n.ravel(), [float(g[b]) for b in b1], atol=1e-14)
    return d1n @ xn.T, d1n


# %% tags=["headline", "remove-cell"] jupyter={"source_hidden": true, "outputs_hidden": true}
# headline checks, run by the tests: the matrix forward pass and equations give the scalar
# numbers, and every entry of the matrix form equals the scalar derivation symbolically
assert abs(E - float(net.evaluate(point)[net.output])) < 1e-15
assert np.allclose(dW1, library, atol=1e-15)
assert np.allclose(dW2.ravel(), [float(grads[net.symbol(n)]) for n in ("w5", "w6")], atol=1e-15)
assert np.allclose(db1.ravel(), [float(grads[net.symbol(n)]) for n in ("b1", "b2")], atol=1e-15)
checked = 0
for p in net.param_symbols:
    diff = mf.in_leaves(mf.gradient(p)) - sb.expanded(net, p)
    pt = {v: sp.Rational(i + 2, 11) for i, v in enumerate(net.leaf_symbols)}
    assert abs(float(diff.xreplace(pt).evalf(30))) < 1e-25
    checked += 1
assert checked == 9
# the 784-wide net: the same equations, only the dimensions differ, no scalar graph made
assert [mf.text(s) for _, s, _ in rows] == [wide.text(b) for _, _, b in rows]
assert wide.grad(1).shape == (256, 784) and not wide_net.scalar_built
solution()
print(f"matrix form = scalar form for all {checked} parameters; dE/dW(1)[0, 0] = {dW1[0, 0]:.6g}")

# %% [markdown]
# ## 정리
#
# * 순전파, 층마다: $z^{(l)} = W^{(l)} h^{(l-1)} + b^{(l)}$, $h^{(l)} = a(z^{(l)})$.
# * 역전파, 층마다: 출력층의 델타, 그다음
#   $\delta^{(l)} = ((W^{(l+1)})^\top \delta^{(l+1)}) \odot a'(z^{(l)})$, 그리고 기울기
#   $\delta^{(l)} (h^{(l-1)})^\top$와 $\delta^{(l)}$.
# * 성분 하나하나는 노트북 05의 스칼라 연쇄 법칙 곱과 같습니다. 행렬로 쓰면 폭과 상관없는 식이
#   되고, 행렬 곱으로 계산됩니다.
#
# **다음:** [08 · 학습 →](08_training.ipynb): 이 기울기를 컴파일해서 실제 신경망을 학습시킵니다.
