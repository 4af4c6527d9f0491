"""Every heading and sentence of the notes and slides, one table per language.

Adding a language is adding one table with the same keys (a test checks that every table has
every key and the same placeholders). Sentences are LaTeX text: inline mathematics in ``$``.
"""

from __future__ import annotations

__all__ = ["LANGUAGES", "PHRASES", "phrase"]

EN = {
    "title_network": "Backpropagation through the {shape} network",
    "title_graph": "Backpropagation through the graph of ${out}$",
    "network": "The network",
    "network_intro": "Inputs {inputs}; targets {targets}; {layers} layer{s} of weights.",
    "hidden_activation": "Hidden activation: {what}.",
    "activation_both": "Activation (hidden and output layers): {what}.",
    "output_activation": "Output: {what}.",
    "loss_is": "Loss: {what}.",
    "forward": "Forward pass",
    "forward_intro": "Each node is computed from the ones before it.",
    "forward_intro_at": "Each node is computed from the ones before it; the numbers are at the "
                        "given point.",
    "delta_net": "The derivative of ${E}$ with respect to a neuron's weighted input (its "
                 "pre-activation) is called the neuron's \\emph{{delta}}; for example",
    "delta_net_after": "Each delta is computed once, from the deltas of the layer above, and "
                       "every weight into the neuron reuses it.",
    "delta_graph": "Backpropagation computes, for every node $v$, its \\emph{{delta}} "
                   "$\\delta_v = \\partial {E}/\\partial v$ once, from the deltas of the nodes "
                   "that use $v$.",
    "values": "Values at the point",
    "values_intro": "Forward values and, backward, the gradient of ${E}$ with respect to every "
                    "leaf and node (backpropagation starts from "
                    "$\\partial {E}/\\partial {E} = 1$).",
    "col_symbol": "symbol",
    "col_value": "value",
    "not_reached": "---: the loss is computed from the logits, so it does not pass through "
                   "this node.",
    "table_left_out": "The table of all {n} values is left out; ask for a point's values with "
                      "\\texttt{{sb.backprop(g).evaluate(point)}}.",
    "derivative": "The derivative ${d}$",
    "chain": "Chain rule",
    "chain_one": "One path leads from ${v}$ to ${E}$:",
    "chain_many": "A sum over the {n} paths from ${v}$ to ${E}$, one per line:",
    "chain_none": "${v}$ does not reach ${E}$, so ${d} = 0$.",
    "chain_self": "${v}$ is the output itself, so ${d} = 1$.",
    "chain_too_many": "There are {n} paths from ${v}$ to ${E}$, too many to write out; the "
                      "deltas below sum them.",
    "local": "Local derivatives",
    "local_intro": "Each factor is the derivative of one node with respect to a node it uses:",
    "local_intro_at": "Each factor is the derivative of one node with respect to a node it uses, "
                      "with its value at the point:",
    "product": "Along the path",
    "product_intro": "The local derivatives multiplied along the path:",
    "product_intro_many": "The local derivatives multiplied along each path, then added:",
    "product_intro_at": "The local derivatives multiplied along the path, with their values:",
    "product_intro_many_at": "The local derivatives multiplied along each path, then added, with "
                             "their values:",
    "with_delta": "With the deltas",
    "with_delta_intro": "The same derivative as backpropagation computes it, from the output "
                        "down, each delta once:",
    "expanded": "Fully substituted",
    "expanded_intro": "Every node written out in the leaves ({n} node{s} in the expression tree); "
                      "this is what differentiating the whole expression at once gives:",
    "expanded_too_long": "Written out in the leaves this derivative has {n} nodes in its "
                         "expression tree ({chars} characters of LaTeX, more than {lines} lines), "
                         "so it is left out; the chain form above is the same derivative.",
    "expanded_too_large": "Substituting every node would give an expression of about {n} nodes, "
                          "far too long to print; the chain form above is the same derivative.",
    "update": "Gradient descent",
    "update_intro": "With learning rate $\\eta = {lr}$ the parameter moves against its "
                    "gradient:",
    "others": "Only the first weight and the first bias of each layer are derived here; ask for "
              "others with \\texttt{{wrt=[...]}} (command line: \\texttt{{--wrt {example}}}), "
              "or for every parameter with \\texttt{{--wrt all}}.",
    "matrix": "Matrix form",
    "matrix_intro": "For whole layers at once ({shape} network; $\\odot$ multiplies entry by "
                    "entry), Nielsen's four equations of backpropagation:",
    "matrix_vectors": "Here {vectors}.",
    "matrix_explicit": "Layer by layer, with the deltas of the layer above as symbols:",
    "matrix_sum_t": "For targets that sum to 1 (one-hot labels) this is {yhat}.",
    "matrix_direct": "The loss also reads {names} itself, so its partial derivative there is "
                     "added to the equations above:",
    "matrix_none": "Here {node} reads {reads} itself, so Nielsen's four equations do not hold "
                   "as they stand; the chain rule above derives every gradient.",
    "activation_note": "For {what}: {formula}.",
    "relu_zero": "taken as $0$ at $z = 0$, as in PyTorch",
    "generic": "a generic activation $a(\\cdot)$ with derivative $a'$",
    "identity": "the identity (a linear output)",
    "continued": "continued",
}

KO = {
    "title_network": "{shape} 신경망의 역전파",
    "title_graph": "${out}$ 계산 그래프의 역전파",
    "network": "신경망",
    "network_intro": "입력 {inputs}, 목표값 {targets}, 가중치 층 {layers}개.",
    "hidden_activation": "은닉층 활성화 함수: {what}.",
    "activation_both": "활성화 함수(은닉층과 출력층): {what}.",
    "output_activation": "출력층: {what}.",
    "loss_is": "손실 함수: {what}.",
    "forward": "순전파 (forward pass)",
    "forward_intro": "각 노드는 앞의 노드들로부터 계산합니다.",
    "forward_intro_at": "각 노드는 앞의 노드들로부터 계산합니다. 숫자는 주어진 점에서의 값입니다.",
    "delta_net": "역전파에서는 뉴런의 활성화 함수 입력(pre-activation)에 대한 ${E}$의 미분을 그 "
                 "뉴런의 \\emph{{델타}}라고 부릅니다. 예를 들어",
    "delta_net_after": "델타는 위층의 델타로부터 한 번만 계산하고, 그 뉴런으로 들어가는 모든 "
                       "가중치가 재사용합니다.",
    "delta_graph": "역전파는 모든 노드 $v$에 대해 \\emph{{델타}} "
                   "$\\delta_v = \\partial {E}/\\partial v$를 $v$를 사용하는 노드들의 델타로부터 "
                   "한 번만 계산합니다.",
    "values": "주어진 점에서의 값",
    "values_intro": "순방향 값과, 역방향으로 모든 입력·매개변수·노드에 대한 ${E}$의 기울기 "
                    "(역전파는 $\\partial {E}/\\partial {E} = 1$에서 시작합니다).",
    "col_symbol": "기호",
    "col_value": "값",
    "not_reached": "---: 손실은 로짓에서 바로 계산하므로 이 노드를 지나지 않습니다.",
    "table_left_out": "값 {n}개의 표는 생략합니다. 한 점에서의 값은 "
                      "\\texttt{{sb.backprop(g).evaluate(point)}}로 구할 수 있습니다.",
    "derivative": "미분 ${d}$",
    "chain": "연쇄 법칙 (chain rule)",
    "chain_one": "${v}$에서 ${E}$까지의 경로는 하나입니다:",
    "chain_many": "${v}$에서 ${E}$까지의 경로 {n}개에 대한 합, 한 줄에 경로 하나:",
    "chain_none": "${v}$는 ${E}$에 영향을 주지 않으므로 ${d} = 0$입니다.",
    "chain_self": "${v}$는 출력 자체이므로 ${d} = 1$입니다.",
    "chain_too_many": "${v}$에서 ${E}$까지의 경로는 {n}개로 모두 쓰기에는 너무 많습니다. 아래의 "
                      "델타가 이 합을 계산합니다.",
    "local": "국소 미분",
    "local_intro": "각 인수는 한 노드를 그 노드가 사용하는 노드로 미분한 것입니다:",
    "local_intro_at": "각 인수는 한 노드를 그 노드가 사용하는 노드로 미분한 것이며, 주어진 점에서의 "
                      "값을 함께 적습니다:",
    "product": "경로를 따라 곱하기",
    "product_intro": "국소 미분을 경로를 따라 곱합니다:",
    "product_intro_many": "국소 미분을 각 경로를 따라 곱한 뒤 더합니다:",
    "product_intro_at": "국소 미분을 경로를 따라 곱합니다. 숫자로는:",
    "product_intro_many_at": "국소 미분을 각 경로를 따라 곱한 뒤 더합니다. 숫자로는:",
    "with_delta": "델타로 계산하기",
    "with_delta_intro": "역전파가 계산하는 방식 그대로, 출력층에서부터 델타를 한 번씩 구합니다:",
    "expanded": "모두 대입한 식",
    "expanded_intro": "모든 노드를 입력과 매개변수로 풀어 쓴 식입니다(식 트리의 노드 {n}개). 전체 식을 "
                      "한 번에 미분하면 이렇게 됩니다:",
    "expanded_too_long": "입력과 매개변수로 풀어 쓰면 이 미분은 식 트리의 노드가 {n}개"
                         "(LaTeX {chars}자, {lines}줄 이상)이므로 생략합니다. 위의 연쇄 법칙 식이 "
                         "같은 미분입니다.",
    "expanded_too_large": "모든 노드를 대입하면 노드가 약 {n}개인 식이 되어 쓸 수 없습니다. 위의 "
                          "연쇄 법칙 식이 같은 미분입니다.",
    "update": "경사 하강법 (gradient descent)",
    "update_intro": "학습률 $\\eta = {lr}$로 매개변수를 기울기의 반대 방향으로 옮깁니다:",
    "others": "여기서는 각 층의 첫 가중치와 첫 바이어스만 미분합니다. 다른 매개변수는 "
              "\\texttt{{wrt=[...]}}(명령줄: \\texttt{{--wrt {example}}})로, 모든 매개변수는 "
              "\\texttt{{--wrt all}}로 구할 수 있습니다.",
    "matrix": "행렬 형태",
    "matrix_intro": "층 전체를 한 번에 계산하는 역전파의 네 식(Nielsen의 BP1--BP4, {shape} "
                    "신경망, $\\odot$는 성분별 곱):",
    "matrix_vectors": "여기서 {vectors}.",
    "matrix_explicit": "층별로, 위층의 델타를 기호로 둔 행렬:",
    "matrix_sum_t": "목표값의 합이 1이면(원-핫 레이블) 이 식은 {yhat}입니다.",
    "matrix_direct": "손실이 {names}을(를) 직접 읽으므로, 그 편미분을 위 식에 더합니다:",
    "matrix_none": "여기서 {node}이(가) {reads}을(를) 직접 읽으므로 Nielsen의 네 식은 그대로 "
                   "성립하지 않습니다. 위의 연쇄 법칙이 모든 기울기를 구합니다.",
    "activation_note": "{what}의 미분: {formula}.",
    "relu_zero": "$z = 0$에서는 PyTorch처럼 $0$으로 둡니다",
    "generic": "미분이 $a'$인 일반적인 활성화 함수 $a(\\cdot)$",
    "identity": "항등 함수(선형 출력)",
    "continued": "계속",
}

PHRASES = {"en": EN, "ko": KO}
LANGUAGES = tuple(PHRASES)


def phrase(lang: str, key: str, **values) -> str:
    """One sentence of a language, with its placeholders filled."""
    from ..core.errors import UnknownNameError
    if lang not in PHRASES:
        raise UnknownNameError("language", lang, PHRASES)
    return PHRASES[lang][key].format(**values)
