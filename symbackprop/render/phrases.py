"""Every heading and sentence of the notes and slides, one table per language.

Adding a language is adding one table with the same keys (a test checks that every table has
every key and the same placeholders). Sentences are LaTeX text: inline mathematics in ``$``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import replace as with_fields
from types import MappingProxyType

__all__ = ["LANGUAGES", "PHRASES", "Language", "check_language", "packages", "phrase",
           "register_language"]

EN = {
    "title_network": "Backpropagation through the {shape} network",
    "title_graph": "Backpropagation through the graph of ${out}$",
    "title_function": "The partial derivatives of ${out}$",
    "notation": "Notation",
    "col_symbol": "symbol",
    "col_meaning": "meaning",
    "col_value": "value",
    "col_param": "parameter",
    "col_new": "after the step",
    "n_inputs": "inputs",
    "n_weights": "weights",
    "n_biases": "biases",
    "n_pre": "weighted inputs (pre-activations) of the neurons",
    "n_act": "activations: the hidden neurons' outputs",
    "n_fn": "the activation function",
    "n_pred": "the network's prediction",
    "n_target": "the target",
    "n_targets": "the targets",
    "n_loss": "the loss",
    "n_delta": "a neuron's delta, $\\partial {E}/\\partial {z}$",
    "n_leaves": "the variables",
    "n_nodes": "intermediate nodes",
    "n_output": "the output",
    "n_delta_graph": "a node's delta, $\\partial {E}/\\partial v$",
    "n_lr": "the learning rate",
    "network": "The network",
    "network_intro": "Inputs {inputs}, targets {targets}, {layers} layer{s} of weights.",
    "network_intro_1": "Inputs {inputs}, target {targets}, {layers} layer{s} of weights.",
    "figure_caption": "The network: each circle is a neuron with its weighted input; each arrow "
                      "carries a weight.",
    "figure_caption_at": "The network at the given point: above each neuron its output, below "
                         "it its delta; the highlighted arrows are the paths derived in full "
                         "below.",
    "hidden_activation": "Hidden activation: {what}.",
    "activation_both": "Activation (hidden and output layers): {what}.",
    "output_activation": "Output: {what}.",
    "output_softmax": "Output: {what}, the probabilities of the classes.",
    "name_softmax": "softmax",
    "identity": "the identity (a linear output)",
    "generic": "a generic activation $a(\\cdot)$ with derivative $a'$",
    "forward": "Forward pass",
    "forward_intro": "Each quantity is computed from the ones before it, ending with the "
                     "loss ${E}$.",
    "forward_intro_at": "Each quantity is computed from the ones before it, ending with the "
                        "loss ${E}$; the numbers are at the given point.",
    "forward_graph": "Each quantity is computed from the ones before it, ending with the "
                     "output ${E}$.",
    "forward_graph_at": "Each quantity is computed from the ones before it, ending with the "
                        "output ${E}$; the numbers are at the given point.",
    "circuit_caption": "The circuit: each node is a gate, each wire carries a value forward.",
    "circuit_caption_at": "The circuit at the given point: above each wire the value it "
                          "carries forward, below it the gradient of the output that flows "
                          "back.",
    "deltas": "Backward pass: the deltas",
    "delta_net": "The \\emph{{delta}} of a neuron is the derivative of the loss ${E}$ with "
                 "respect to its weighted input:",
    "delta_net_after": "Backpropagation computes the deltas once each, from the output layer "
                       "down; every gradient is then a delta times an input.",
    "output_layer": "Output layer",
    "hidden_layer": "Hidden layer {l}",
    "delta_output": "The loss reaches a weighted input through the neuron's activation, so its "
                    "delta is the derivative of the loss times the derivative of the "
                    "activation:",
    "delta_output_linear": "The output is linear (the prediction is the weighted input), so "
                           "each delta is the derivative of the loss ${E}$ itself:",
    "delta_output_logits": "The loss is computed from the weighted inputs (the logits) "
                           "directly, so each delta is its derivative there:",
    "delta_hidden": "A neuron of layer {l} feeds every neuron above it, so its delta adds up "
                    "their deltas {up}, each times the weight between them, times the "
                    "derivative of its own activation:",
    "gradients": "The gradients",
    "gradients_intro": "A weight enters one weighted input, so its gradient is that neuron's "
                       "delta times the weight's input; a bias's gradient is the delta "
                       "itself. For one weight per layer the chain rule is written out in "
                       "full first.",
    "chain_full": "The chain rule for ${v}$, in full.",
    "chain_title": "The chain rule in full: ${d}$",
    "chain_one": "One path leads from ${v}$ to ${E}$:",
    "chain_many": "It sums the {n} paths from ${v}$ to ${E}$, one per line:",
    "chain_none": "${v}$ does not reach ${E}$, so ${d} = 0$.",
    "chain_self": "${v}$ is the output itself, so ${d} = 1$.",
    "chain_too_many": "There are {n} paths from ${v}$ to ${E}$, too many to write out; the "
                      "deltas sum them.",
    "local_intro": "Each factor is the derivative of one quantity with respect to one it "
                   "uses:",
    "local_intro_at": "Each factor is the derivative of one quantity with respect to one it "
                      "uses, with its value:",
    "product_intro": "Multiplied along the path:",
    "product_intro_many": "Multiplied along each path, then added:",
    "product_intro_at": "Multiplied along the path, with the numbers:",
    "product_intro_many_at": "Multiplied along each path, then added, with the numbers:",
    "expanded_intro": "Written out in the values the computation starts from, the same "
                      "derivative reads:",
    "with_delta_one": "With the delta {eq}:",
    "with_delta_intro": "With the deltas {eq}, every gradient of this layer:",
    "activation_note": "For {what}: {formula}.",
    "backward": "Backward pass",
    "backward_intro": "Backpropagation starts at the output with $\\partial {E}/\\partial {E} "
                      "= 1$ and walks back; each node's delta "
                      "$\\delta_v = \\partial {E}/\\partial v$ is its children's deltas times "
                      "their local derivatives, computed once:",
    "rule_add": "An \\emph{{add}} gate distributes: each input gets the gradient unchanged "
                "(local derivative $1$).",
    "rule_mul": "A \\emph{{multiply}} gate swaps: each input gets the gradient times the "
                "other input.",
    "rule_max": "A \\emph{{max}} gate routes: the larger input gets the whole gradient, the "
                "other none.",
    "partials": "Partial derivatives",
    "partial_intro": "With respect to ${v}$, holding {others} fixed, term by term:",
    "check": "Check with central differences",
    "check_intro": "Each gradient again, from ${E}$ alone: move one variable by $h = 10^{{-4}}$ "
                   "each way.",
    "values": "Values at the point",
    "values_intro": "Forward values and, backward, the gradient of ${E}$ with respect to "
                    "each (backpropagation starts from $\\partial {E}/\\partial {E} = 1$).",
    "step": "One step of gradient descent",
    "step_intro": "Every parameter $\\theta$ moves against its gradient, with learning rate "
                  "$\\eta = {lr}$:",
    "step_all": "All the parameters are updated at once by {eq}, each from its gradient at "
                "the old values:",
    "step_after": "After the step the loss goes from ${E} = {before}$ to ${E} = {after}$.",
    "step_weights_only": "Updating only the weights, with the biases kept, gives "
                         "${E} = {after}$.",
    "matrix": "Matrix form",
    "matrix_intro": "For whole layers at once ({shape} network; $\\odot$ multiplies entry by "
                    "entry), Nielsen's four equations of backpropagation:",
    "matrix_vectors": "Here {vectors}.",
    "matrix_explicit": "Layer by layer, with the deltas of the layer above as symbols:",
    "matrix_dimensions": "The sizes: {dims}.",
    "matrix_layers": "For this network, from the output down:",
    "matrix_expanded": "With every delta and every layer substituted, one matrix expression "
                       "in the weights, the biases, the input and the target:",
    "matrix_at": "At the point of these notes:",
    "matrix_sum_t": "For targets that sum to 1 (one-hot labels) this is {yhat}.",
    "matrix_direct": "The loss also reads {names} itself, so its partial derivative there is "
                     "added to the equations above:",
    "matrix_none": "Here {node} reads {reads} itself, so Nielsen's four equations do not hold "
                   "as they stand; the chain rule above derives every gradient.",
    "continued": "continued",
    "ex_title": "Exercises: {what}",
    "ex_title_key": "Answer key: {what}",
    "ex_problem": "Problem {n}",
    "ex_point": "At the point {point}:",
    "ex_q_forward": "Compute the forward pass and the loss ${E}$.",
    "ex_q_grad": "Compute ${d}$ by backpropagation.",
    "ex_q_check": "Check ${d}$ with central differences, $h = 10^{{-4}}$.",
    "ex_q_dead": "Compute ${d}$. Why is it what it is? (Look at ${z}$.)",
    "ex_answers": "Answers:",
    "ex_alike": "The activations not written out are computed in the same way, for example "
                "{example}.",
    "ex_check_answer": "central difference for ${v}$: ${value}$",
    "ex_forward": "Forward pass:",
    "ex_gradients": "The asked gradients, each a delta times an input:",
    "ex_dead_answer": "${z} = {value} < 0$, so the ReLU is inactive there: its derivative, "
                      "its delta and the gradients of the weights into it are $0$.",
}

KO = {
    "title_network": "{shape} 신경망의 역전파",
    "title_graph": "${out}$ 계산 그래프의 역전파",
    "title_function": "${out}$의 편미분",
    "notation": "기호",
    "col_symbol": "기호",
    "col_meaning": "뜻",
    "col_value": "값",
    "col_param": "매개변수",
    "col_new": "갱신 후",
    "n_inputs": "입력",
    "n_weights": "가중치",
    "n_biases": "편향",
    "n_pre": "각 뉴런의 가중합(활성화 함수의 입력)",
    "n_act": "은닉 뉴런의 출력(활성값)",
    "n_fn": "활성화 함수",
    "n_pred": "신경망의 예측값",
    "n_target": "목표값",
    "n_targets": "목표값",
    "n_loss": "손실 함수",
    "n_delta": "뉴런의 델타, $\\partial {E}/\\partial {z}$",
    "n_leaves": "변수",
    "n_nodes": "중간 노드",
    "n_output": "출력",
    "n_delta_graph": "노드의 델타, $\\partial {E}/\\partial v$",
    "n_lr": "학습률",
    "network": "신경망",
    "network_intro": "입력은 {inputs}, 목표값은 {targets}이고, 가중치 층은 {layers}개입니다.",
    "network_intro_1": "입력은 {inputs}, 목표값은 {targets}이고, 가중치 층은 {layers}개입니다.",
    "figure_caption": "신경망의 구조: 원은 뉴런이고 안에 가중합의 이름을, 화살표에는 가중치를 "
                      "적었습니다.",
    "figure_caption_at": "주어진 점에서의 신경망: 뉴런 위에는 출력값, 아래에는 델타를 적었습니다. 굵은 "
                         "화살표는 아래에서 연쇄 법칙을 끝까지 풀어 쓰는 경로입니다.",
    "hidden_activation": "은닉층의 활성화 함수: {what}.",
    "activation_both": "활성화 함수(은닉층과 출력층): {what}.",
    "output_activation": "출력층: {what}.",
    "output_softmax": "출력층: {what}. 각 클래스의 확률입니다.",
    "name_softmax": "소프트맥스",
    "identity": "항등 함수(선형 출력)",
    "generic": "도함수가 $a'$인 일반적인 활성화 함수 $a(\\cdot)$",
    "forward": "순전파",
    "forward_intro": "각 값을 앞의 값들로부터 차례로 계산하고, 마지막으로 손실 함수 ${E}$의 "
                     "값을 구합니다.",
    "forward_intro_at": "각 값을 앞의 값들로부터 차례로 계산하고, 마지막으로 손실 함수 ${E}$의 "
                        "값을 구합니다. 숫자는 주어진 점에서의 값입니다.",
    "forward_graph": "각 값을 앞의 값들로부터 차례로 계산하고, 마지막으로 출력 ${E}$의 값을 "
                     "구합니다.",
    "forward_graph_at": "각 값을 앞의 값들로부터 차례로 계산하고, 마지막으로 출력 ${E}$의 값을 "
                        "구합니다. 숫자는 주어진 점에서의 값입니다.",
    "circuit_caption": "계산 그래프: 각 노드는 게이트이고, 선을 따라 값이 앞으로 전달됩니다.",
    "circuit_caption_at": "주어진 점에서의 계산 그래프: 선 위에는 앞으로 전달되는 값, 아래에는 "
                          "거꾸로 흐르는 기울기를 적었습니다.",
    "deltas": "역전파: 델타",
    "delta_net": "뉴런의 \\emph{{델타}}는 그 뉴런의 가중합에 대한 손실 함수 ${E}$의 "
                 "편미분입니다:",
    "delta_net_after": "역전파는 출력층에서 시작해 아래층으로 내려가며 델타를 하나씩 한 번만 "
                       "계산합니다. 그러면 모든 기울기는 델타와 입력의 곱이 됩니다.",
    "output_layer": "출력층",
    "hidden_layer": "은닉층 {l}",
    "delta_output": "손실 함수는 뉴런의 활성화 함수를 거쳐 가중합에 닿으므로, 델타는 손실 "
                    "함수의 편미분에 활성화 함수의 도함수를 곱한 것입니다:",
    "delta_output_linear": "출력층이 선형이어서 예측값이 곧 가중합이므로, 델타는 손실 함수 "
                           "${E}$의 편미분 그대로입니다:",
    "delta_output_logits": "손실 함수를 가중합(로짓)에서 바로 계산하므로, 델타는 그 "
                           "편미분입니다:",
    "delta_hidden": "{l}층의 뉴런은 위층의 모든 뉴런으로 이어지므로, 델타는 위층의 델타(식 "
                    "{up})에 각각 연결 가중치를 곱해 더한 뒤 자기 활성화 함수의 도함수를 "
                    "곱한 것입니다:",
    "gradients": "기울기",
    "gradients_intro": "가중치는 한 뉴런의 가중합에만 들어가므로, 그 기울기는 그 뉴런의 "
                       "델타에 가중치의 입력을 곱한 것입니다. 편향의 기울기는 델타 "
                       "그대로입니다. 층마다 가중치 하나에 대해서는 먼저 연쇄 법칙을 끝까지 "
                       "풀어 씁니다.",
    "chain_full": "${v}$에 대한 연쇄 법칙을 끝까지 풀어 씁니다.",
    "chain_title": "연쇄 법칙으로 풀어 쓰기: ${d}$",
    "chain_one": "${v}$에서 ${E}$까지 가는 경로는 하나입니다:",
    "chain_many": "${v}$에서 ${E}$까지 가는 경로 {n}개를 더합니다(한 줄에 경로 하나):",
    "chain_none": "${v}$에서 ${E}$로 가는 경로가 없으므로 ${d} = 0$입니다.",
    "chain_self": "${v}$ 자신이 출력이므로 ${d} = 1$입니다.",
    "chain_too_many": "${v}$에서 ${E}$까지 가는 경로가 {n}개로 너무 많아 모두 쓰지 않습니다. "
                      "델타가 이 합을 계산합니다.",
    "local_intro": "각 인수는 한 값을 그 값에 바로 들어오는 값으로 편미분한 국소 미분입니다:",
    "local_intro_at": "각 인수는 한 값을 그 값에 바로 들어오는 값으로 편미분한 국소 미분입니다. "
                      "주어진 점에서의 값도 함께 적습니다:",
    "product_intro": "국소 미분을 경로를 따라 곱하면:",
    "product_intro_many": "국소 미분을 경로마다 곱해 더하면:",
    "product_intro_at": "국소 미분을 경로를 따라 곱하고 숫자를 넣으면:",
    "product_intro_many_at": "국소 미분을 경로마다 곱해 더하고 숫자를 넣으면:",
    "expanded_intro": "계산이 시작하는 값들로 모두 풀어 쓰면 같은 편미분은 다음과 같습니다:",
    "with_delta_one": "식 {eq}의 델타로 쓰면:",
    "with_delta_intro": "식 {eq}의 델타로 쓰면 이 층의 기울기는 모두 다음과 같습니다:",
    "activation_note": "{what}의 도함수: {formula}.",
    "backward": "역전파",
    "backward_intro": "역전파는 출력에서 $\\partial {E}/\\partial {E} = 1$로 시작해 거꾸로 "
                      "진행합니다. 각 노드의 델타 $\\delta_v = \\partial {E}/\\partial v$는 "
                      "그 노드를 쓰는 노드들의 델타에 국소 미분을 곱해 한 번만 구합니다:",
    "rule_add": "\\emph{{덧셈}} 게이트는 기울기를 그대로 나누어 줍니다(국소 미분 $1$).",
    "rule_mul": "\\emph{{곱셈}} 게이트는 서로 바꿔 곱합니다: 각 입력은 기울기에 다른 입력을 "
                "곱한 값을 받습니다.",
    "rule_max": "\\emph{{max}} 게이트는 기울기를 큰 입력 쪽으로만 보냅니다.",
    "partials": "편미분",
    "partial_intro": "${v}$에 대해 편미분합니다. {others}의 값은 고정하고 항별로 미분하면:",
    "check": "중앙 차분으로 확인하기",
    "check_intro": "미분 없이 ${E}$만으로 다시 구합니다: 변수 하나를 $h = 10^{{-4}}$만큼 양쪽으로 "
                   "움직입니다.",
    "values": "주어진 점에서의 값",
    "values_intro": "순방향 값과, 역방향으로 구한 각 기호에 대한 ${E}$의 기울기"
                    "(역전파는 $\\partial {E}/\\partial {E} = 1$에서 시작합니다).",
    "step": "경사 하강법 한 걸음",
    "step_intro": "모든 매개변수 $\\theta$를 학습률 $\\eta = {lr}$로 기울기의 반대 방향으로 "
                  "옮깁니다:",
    "step_all": "모든 매개변수를 식 {eq}에 따라 한꺼번에 갱신하며, 기울기는 모두 갱신 전의 "
                "값에서 구합니다:",
    "step_after": "한 걸음 뒤 손실 함수의 값은 ${E} = {before} \\;\\to\\; {after}$입니다.",
    "step_weights_only": "편향은 그대로 두고 가중치만 갱신하면 ${E} = {after}$입니다.",
    "matrix": "행렬 형태",
    "matrix_intro": "층 전체를 한 번에 계산하는 역전파의 네 식(Nielsen의 BP1--BP4, {shape} "
                    "신경망, $\\odot$는 성분별 곱):",
    "matrix_vectors": "여기서 {vectors}.",
    "matrix_explicit": "층별로, 위층의 델타를 기호로 둔 행렬:",
    "matrix_dimensions": "각 행렬의 크기: {dims}.",
    "matrix_layers": "이 신경망에서는 출력층부터 차례로 다음과 같습니다.",
    "matrix_expanded": "델타와 모든 층을 대입하면, 가중치와 편향, 입력, 목표값만으로 된 하나의 "
                       "행렬 식이 됩니다.",
    "matrix_at": "이 노트의 점에서 값은 다음과 같습니다.",
    "matrix_sum_t": "목표값의 합이 1이면(원-핫 레이블) 이 식은 {yhat}입니다.",
    "matrix_direct": "손실 함수가 {names}을(를) 직접 쓰므로, 그 편미분을 위 식에 더합니다:",
    "matrix_none": "여기서 {node}이(가) {reads}을(를) 직접 쓰므로 Nielsen의 네 식은 그대로 "
                   "성립하지 않습니다. 위의 연쇄 법칙으로 모든 기울기를 구합니다.",
    "continued": "계속",
    "ex_title": "연습 문제: {what}",
    "ex_title_key": "풀이: {what}",
    "ex_problem": "문제 {n}",
    "ex_point": "다음 점에서 답하시오: {point}.",
    "ex_q_forward": "순전파를 계산하고 손실 함수 ${E}$의 값을 구하시오.",
    "ex_q_grad": "역전파로 ${d}$의 값을 구하시오.",
    "ex_q_check": "${d}$의 값을 중앙 차분($h = 10^{{-4}}$)으로 확인하시오.",
    "ex_q_dead": "${d}$의 값을 구하고, 왜 그 값이 되는지 설명하시오(${z}$의 값을 보시오).",
    "ex_answers": "답:",
    "ex_alike": "적지 않은 활성화도 같은 방식으로 계산합니다. 예: {example}.",
    "ex_check_answer": "${v}$에 대한 중앙 차분: ${value}$",
    "ex_forward": "순전파:",
    "ex_gradients": "구하는 기울기(각각 델타와 입력의 곱):",
    "ex_dead_answer": "${z} = {value} < 0$이므로 ReLU가 꺼져 있습니다. 도함수와 델타, 그 뉴런으로 "
                      "들어가는 가중치의 기울기가 모두 $0$입니다.",
}

@dataclass(frozen=True)
class Language:
    """A language of the notes: its phrases and what its text needs from LaTeX.

    ``phrases`` has every key the English table has. ``packages`` are loaded by the preamble
    of a document in this language, or of any document whose text has a character of
    ``script`` (a Korean title on English notes still needs kotex). ``bold_emphasis``: the
    script has no italic, so emphasis is set in bold.
    """

    code: str
    name: str
    phrases: Mapping[str, str]
    packages: tuple[str, ...] = ()
    script: str = ""  # a regular-expression character class, e.g. "[\\uac00-\\ud7a3]"
    bold_emphasis: bool = False


LANGUAGES: dict[str, Language] = {}
"""Code -> :class:`Language`; ``register_language`` adds one."""


def register_language(language: Language, replace: bool = False) -> Language:
    """Add a language of the notes: a table of phrases (every English key) and its preamble."""
    from ..core.errors import DuplicateNameError, InputTypeError, InvalidValueError
    if not isinstance(language, Language):
        raise InputTypeError(f"register_language takes a Language (its code, name and phrases), "
                             f"not {type(language).__name__}")
    if language.code in LANGUAGES and not replace:
        raise DuplicateNameError(f"the language {language.code!r} is already registered; pass "
                                 "replace=True to replace it")
    missing = sorted(set(EN) - set(language.phrases))
    if missing:
        raise InvalidValueError(f"the language {language.code!r} has no phrase for "
                                f"{', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''}")
    for key, text in language.phrases.items():  # the same placeholders as English
        want = set(re.findall(r"(?<!\{)\{(\w+)\}", EN.get(key, ""))) - {"s"}
        have = set(re.findall(r"(?<!\{)\{(\w+)\}", text)) - {"s"}
        if key in EN and have - want:
            raise InvalidValueError(f"the language {language.code!r}: the phrase {key!r} uses "
                                    f"{', '.join(sorted(have - want))}, which English does not")
    frozen = with_fields(language, phrases=MappingProxyType(dict(language.phrases)))
    LANGUAGES[language.code] = frozen
    return frozen


def packages(lang: str, text: str) -> tuple[str, ...]:
    """The LaTeX packages a document in ``lang`` with this text needs for its languages."""
    out: list[str] = []
    for language in LANGUAGES.values():
        if language.code == lang or (language.script and re.search(language.script, text)):
            out += [p for p in language.packages if p not in out]
    return tuple(out)


def check_language(lang: object) -> None:
    """Nothing for a registered language's code; a clear error listing them otherwise."""
    from ..core.errors import InputTypeError, UnknownNameError
    if not isinstance(lang, str):
        raise InputTypeError(f"lang must be a language code, one of {', '.join(LANGUAGES)}; not "
                             f"{type(lang).__name__}")
    if lang not in LANGUAGES:
        raise UnknownNameError("language", lang, LANGUAGES)


def phrase(lang: str, key: str, **values) -> str:
    """One sentence of a language, with its placeholders filled."""
    from ..core.errors import UnknownNameError
    if lang not in LANGUAGES:
        raise UnknownNameError("language", lang, LANGUAGES)
    return LANGUAGES[lang].phrases[key].format(**values)


register_language(Language("en", "English", EN))
register_language(Language("ko", "Korean", KO, packages=("kotex",),
                           script="[\\u1100-\\u11ff\\u3130-\\u318f\\uac00-\\ud7a3]",
                           bold_emphasis=True))
PHRASES = {code: language.phrases for code, language in LANGUAGES.items()}
"""Code -> phrase table (the built-in languages, as they were registered)."""
