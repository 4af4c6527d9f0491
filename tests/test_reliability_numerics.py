"""Issue 20, the compiled numbers: E1 (softmax cross-entropy for any targets), E3 (generated
names never meet a user's name; every direct term of the loss kept) with its property test,
and E13 (the built-in losses' matrix forms: wide softmax nets take the matrix path).

Every oracle here is independent of the code under test: losses written by hand in NumPy
(``scipy.special.log_softmax``), their central differences, or SymPy's own ``diff`` of the loss
written out in the leaves, evaluated by SymPy's ``lambdify``.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import sympy as sp
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from scipy.special import expit, log_softmax

import symbackprop as sb
from symbackprop.derive import full_substitution

from .catalogue import NUMBA_SOFTMAX, NUMBA_WIDE

BACKENDS = ["numpy", "jax", "numba"]
PATHS = ["scalar", "matrix"]


def slow_numba(cases):
    """The cases on numba marked slow: numba compiles for seconds a net (run with --slow)."""
    return [pytest.param(*c, marks=pytest.mark.slow) if "numba" in c else c for c in cases]


# ---- oracles -----------------------------------------------------------------------------------

def unpack(layers, theta):
    """theta: layer by layer, the weight matrix row by row, then the bias vector."""
    out, k = [], 0
    for n_in, n_out in itertools.pairwise(layers):
        W = theta[k:k + n_in * n_out].reshape(n_out, n_in)
        k += n_in * n_out
        out.append((W, theta[k:k + n_out]))
        k += n_out
    return out


def logits(layers, theta, X, hidden=np.tanh):
    h = X
    params = unpack(layers, theta)
    for i, (W, b) in enumerate(params):
        z = h @ W.T + b
        h = hidden(z) if i < len(params) - 1 else z
    return h


def softmax_ce(layers, theta, X, T, hidden=np.tanh):
    """-sum_j t_j log softmax(z)_j, the mean over the batch (PyTorch's meaning, any t)."""
    return float(np.mean(-np.sum(T * log_softmax(logits(layers, theta, X, hidden), axis=1),
                                 axis=1)))


def central(loss, theta, h=1e-6, which=None):
    which = range(len(theta)) if which is None else which
    out = []
    for i in which:
        e = np.zeros_like(theta)
        e[i] = h
        out.append((loss(theta + e) - loss(theta - e)) / (2 * h))
    return np.array(out)


def sympy_reference(g, theta, X, T):
    """Mean loss and gradient from SymPy's own diff of the loss written out in the leaves."""
    loss = sb.as_sympy(full_substitution(g)[g.output])
    leaves = [*g.param_symbols, *g.input_symbols, *g.target_symbols]
    fn = sp.lambdify(leaves, [loss, *[sp.diff(loss, p) for p in g.param_symbols]],
                     modules="numpy", dummify=True)
    T = np.zeros((len(X), 0)) if T is None else T
    rows = np.array([[float(v) for v in fn(*theta, *x, *t)] for x, t in zip(X, T, strict=True)])
    return rows[:, 0].mean(), rows[:, 1:].mean(axis=0)


def compiled(g, backend, path):
    if backend != "numpy":
        pytest.importorskip(backend)
    return sb.compile(g, backend=backend, path=path)


# ---- E1: softmax cross-entropy for targets that do not sum to 1 -------------------------------

TARGETS = np.array([[1.0, 1.0, 0.0], [0.0, 0.0, 0.0], [0.5, 0.5, 0.5]])
E1_NETS = {"identity-2-3": ([2, 3], "identity"), "softplus-2-4-3": NUMBA_SOFTMAX[:2]}
HIDDEN = {"identity": lambda z: z, "softplus": lambda z: np.logaddexp(0, z)}


@pytest.mark.timeout(120)
@pytest.mark.parametrize(("net_name", "backend", "path"), slow_numba([
    (n, b, p) for n in E1_NETS for b in BACKENDS for p in PATHS
    if b != "numba" or n == "softplus-2-4-3"]))  # numba: one net, shared with other tests
def test_E1_softmax_ce_is_minus_sum_t_log_softmax_for_any_targets(net_name, backend, path):
    layers, act = E1_NETS[net_name]
    net = sb.mlp(layers, activation=act, loss="softmax_ce")
    f = compiled(net, backend, path)
    rng = np.random.default_rng(1)
    theta = rng.normal(size=len(f.params)) * 2
    X = rng.normal(size=(3, layers[0]))
    hidden = HIDDEN[act]

    def oracle(th):
        return softmax_ce(layers, th, X, TARGETS, hidden)

    loss, grad = f(theta, X, TARGETS)
    assert loss == pytest.approx(oracle(theta), rel=1e-12)
    assert f.loss(theta, X, TARGETS) == pytest.approx(oracle(theta), rel=1e-12)
    assert grad == pytest.approx(central(oracle, theta), rel=1e-6, abs=1e-8)
    assert sb.check_gradient(f, theta, X, TARGETS).max_rel_error < 1e-6
    # the predictions are the softmax, whatever the targets
    P = np.exp(log_softmax(logits(layers, theta, X, hidden), axis=1))
    assert f.predict(theta, X) == pytest.approx(P, rel=1e-12)


@pytest.mark.timeout(60)
def test_E1_symbolic_loss_gradient_and_stable_form_agree_for_any_targets():
    net = sb.mlp([2, 3], activation="identity", loss="softmax_ce")
    zs, ts = list(net.preactivations[-1]), list(net.target_symbols)
    # the graph's loss is -sum t log softmax(z), written by hand here, at exact points
    softmax = [sp.exp(z) / sum(sp.exp(v) for v in zs) for z in zs]
    ce = -sum(t * sp.log(s) for t, s in zip(ts, softmax, strict=True))
    entry = sb.LOSSES["softmax_ce"]
    rng = np.random.default_rng(2)
    for row in [[1, 1, 0], [0, 0, 0], [sp.Rational(1, 2)] * 3, [3, -1, 2]]:
        at = dict(zip(ts, row, strict=True))
        at.update({z: sp.Rational(int(rng.integers(-40, 40)), 7) for z in zs})
        want = ce.subs(at).evalf(40)
        for form in (entry(zs, ts), entry.stable(zs, ts)):
            got = sb.as_sympy(form).subs(at).evalf(40)
            assert float(got - want) == pytest.approx(0, abs=1e-30)
    # the gradient with respect to the logits is (sum_k t_k) yhat_j - t_j
    prog = sb.backprop(net)
    for z, p, t in zip(zs, net.predictions, ts, strict=True):
        assert sp.expand(prog.gradient(z, form="program") - (sum(ts) * p - t)) == 0
        assert sp.expand(sp.diff(entry(zs, ts), z) - sp.diff(ce, z)).rewrite(sp.exp) \
            .subs({v: 0.3 * k for k, v in enumerate(zs)}).subs({t: 0.7 for t in ts}) \
            .evalf() == pytest.approx(0, abs=1e-12)


@pytest.mark.timeout(120)
def test_E1_notes_and_matrix_form_write_the_sum_of_the_targets():
    net = sb.mlp([2, 2, 3], activation="tanh", loss="softmax_ce")
    mf = sb.matrix_form(net)
    ts = net.target_symbols
    assert sp.expand(mf.deltas[-1][0] - (sum(ts) * net.predictions[0] - ts[0])) == 0
    tex = sb.notes(net, wrt=["b2_1"])
    assert r"\Bigl(\sum_k t_k\Bigr) \hat{\boldsymbol{y}} - \boldsymbol{t} \tag{BP1}" in tex
    assert r"\delta^{(2)}_{1} &= \left(t_{1} + t_{2} + t_{3}\right) \hat{y}_{1} - t_{1}" in tex


# ---- E3: a loss or an activation that reads a parameter -------------------------------------

def _l2_on(name):
    def loss(y, t):
        return (sum((yj - tj) ** 2 for yj, tj in zip(y, t, strict=True))
                + sp.Symbol(name, real=True) ** 2)
    return loss


def e3_net(naming="sequential", name="b1"):
    return sb.mlp([2, 2, 1], activation="sigmoid", naming=naming, loss=_l2_on(name))


E3_DATA = (np.array([0.15, 0.2, 0.25, 0.3, 0.35, 0.35, 0.4, 0.45, 0.6]),
           np.array([[0.05, 0.1], [0.3, -0.7], [1.0, 0.5]]), np.array([[0.01], [0.9], [0.4]]))


def sigmoid_l2_oracle(theta, X, T, which):
    """The E3 net's loss by hand: (y - t)^2 + theta[which]^2 (theta in the net's order)."""
    (W1, b1), (W2, b2) = unpack([2, 2, 1], theta)
    y = expit(expit(X @ W1.T + b1) @ W2.T + b2)
    return float(np.mean(np.sum((y - T) ** 2, axis=1)) + theta[which] ** 2)


@pytest.mark.timeout(120)
@pytest.mark.parametrize(("naming", "name", "backend", "path"), slow_numba([
    (n, w, b, p) for n, w in [("sequential", "b1"), ("textbook", "w1_11")] for b in BACKENDS
    for p in PATHS if b != "numba" or n == "sequential"]))  # numba: one net
def test_E3_a_loss_that_reads_a_parameter_is_right_on_every_path(naming, name, backend, path):
    net = e3_net(naming, name)
    f = compiled(net, backend, path)
    theta, X, T = E3_DATA
    which = [p.name for p in f.params].index(name)
    loss, grad = f(theta, X, T)
    assert loss == pytest.approx(sigmoid_l2_oracle(theta, X, T, which), rel=1e-12)
    want = central(lambda th: sigmoid_l2_oracle(th, X, T, which), theta)
    assert grad == pytest.approx(want, rel=1e-7, abs=1e-9)
    ref_loss, ref_grad = sympy_reference(net, theta, X, T)
    assert loss == pytest.approx(ref_loss, rel=1e-12)
    assert grad == pytest.approx(ref_grad, rel=1e-10, abs=1e-13)


@pytest.mark.timeout(120)
def test_E3_train_on_the_matrix_path_follows_the_true_gradient():
    net = e3_net()
    theta, X, T = E3_DATA
    f = sb.compile(net)
    assert f.path == "matrix"
    run = sb.train(f, X, T, lr=0.5, steps=200, theta0=theta)
    which = [p.name for p in f.params].index("b1")
    ref = theta.copy()
    for _ in range(200):  # gradient descent on the hand-written loss's central differences
        ref -= 0.5 * central(lambda th: sigmoid_l2_oracle(th, X, T, which), ref)
    assert run.theta == pytest.approx(ref, rel=1e-6, abs=1e-9)


@pytest.mark.timeout(120)
@pytest.mark.parametrize(("naming", "name", "entry"), [
    ("sequential", "b1", r"\frac{\partial L}{\partial b_{1}} &= \delta_{h_{1}} + 2 b_{1}"),
    ("textbook", "w1_11",
     r"\frac{\partial L}{\partial w^{(1)}_{11}} &= \delta^{(1)}_{1} x_{1} + 2 w^{(1)}_{11}"),
])
def test_E3_matrix_form_and_notes_keep_the_direct_term(naming, name, entry):
    net = e3_net(naming, name)
    sym = net.symbol(name)
    mf = sb.matrix_form(net)
    delta = sb.delta_symbol(net, net.preactivations[0][0])
    x1 = net.input_symbols[0]
    want = delta + 2 * sym if naming == "sequential" else delta * x1 + 2 * sym
    assert sp.expand(mf.gradient(name) - want) == 0
    assert mf.direct == {sym: 2 * sym}
    assert f"∂L/∂{name} = " in str(mf) and "2*" + name in str(mf)
    # substituted into the leaves, the matrix form's entry is SymPy's own derivative
    full = sb.as_sympy(full_substitution(net)[net.output])
    rng = np.random.default_rng(3)
    at = {s: sp.Float(rng.normal()) for s in net.leaf_symbols}
    got = sb.as_sympy(mf.in_leaves(mf.gradient(name))).evalf(30, subs=at)
    assert float(got - sp.diff(full, sym).evalf(30, subs=at)) == pytest.approx(0, abs=1e-20)
    tex = sb.notes(net, wrt=[name])
    assert entry in tex


def prelu_oracle(theta, X, T):
    """The PReLU-style net by hand: a(z) = max(z, 0) + b1 min(z, 0) in both layers."""
    (W1, b), (W2, c) = unpack([2, 2, 1], theta)
    k = theta[4]  # b1, in the sequential order w1..w4, b1, b2, w5, w6, b3

    def a(z):
        return np.maximum(z, 0) + k * np.minimum(z, 0)
    y = a(a(X @ W1.T + b) @ W2.T + c)
    return float(np.mean(np.sum((T - y) ** 2 / 2, axis=1)))


def prelu_net():
    b1 = sp.Symbol("b1", real=True)
    return sb.mlp([2, 2, 1], activation=lambda z: sp.Max(z, 0) + b1 * sp.Min(z, 0),
                  naming="sequential")


@pytest.mark.timeout(120)
@pytest.mark.parametrize("backend", BACKENDS)
def test_E3_an_activation_that_reads_a_parameter_takes_the_scalar_path(backend):
    net = prelu_net()
    if backend != "numpy":
        pytest.importorskip(backend)
    with pytest.raises(sb.InvalidValueError, match=r"matrix path cannot.*a_h1.*reads b1"):
        sb.compile(net, backend=backend, path="matrix")
    if backend == "numba":
        return  # the numba scalar path is the one every small net takes; compiled elsewhere
    f = sb.compile(net, backend=backend)
    assert f.path == "scalar"
    assert "matrix path cannot" in f.reason and "reads b1" in f.reason
    rng = np.random.default_rng(4)
    theta = rng.normal(size=len(f.params))
    X, T = rng.normal(size=(4, 2)), rng.normal(size=(4, 1))
    loss, grad = f(theta, X, T)
    assert loss == pytest.approx(prelu_oracle(theta, X, T), rel=1e-12)
    assert grad == pytest.approx(central(lambda th: prelu_oracle(th, X, T), theta), rel=1e-7,
                                 abs=1e-9)


@pytest.mark.timeout(120)
def test_E3_matrix_form_and_notes_refuse_an_activation_that_reads_a_parameter():
    net = prelu_net()
    with pytest.raises(sb.InvalidValueError, match=r"a_h1 = .* reads b1"):
        sb.matrix_form(net)
    tex = sb.notes(net, wrt=["b1"])
    part = tex.split("Matrix form")[1]
    assert "reads $b_{1}$ itself" in part and "BP1" not in part


@pytest.mark.timeout(120)
def test_E3_a_loss_that_reads_a_hidden_node_is_not_silently_wrong():
    net = sb.mlp([2, 2, 1], activation="tanh", output_activation="identity",
                 loss=lambda y, t: (y[0] - t[0]) ** 2 + sp.Symbol("h1_1", real=True) ** 2)
    with pytest.raises(sb.InvalidValueError, match=r"matrix path cannot.*h1_1"):
        sb.compile(net, path="matrix")
    f = sb.compile(net)
    assert f.path == "scalar" and "h1_1" in f.reason
    rng = np.random.default_rng(5)
    theta, X, T = rng.normal(size=len(f.params)), rng.normal(size=(3, 2)), rng.normal(size=(3, 1))
    ref_loss, ref_grad = sympy_reference(net, theta, X, T)
    loss, grad = f(theta, X, T)
    assert (loss, list(grad)) == (pytest.approx(ref_loss), pytest.approx(list(ref_grad)))
    # the matrix form keeps the direct term in that neuron's delta
    mf = sb.matrix_form(net)
    full = sb.as_sympy(full_substitution(net)[net.output])
    at = {s: sp.Float(rng.normal()) for s in net.leaf_symbols}
    for w in net.param_symbols:
        got = sb.as_sympy(mf.in_leaves(mf.gradient(w))).evalf(30, subs=at)
        assert float(got - sp.diff(full, w).evalf(30, subs=at)) == pytest.approx(0, abs=1e-20)


# ---- E3, "What must work" 2: no user name can meet a generated name ------------------------

# the generated code's own vocabulary: its locals, the modules it calls, what it unpacks
VOCABULARY = ["b1", "b2", "W1", "W2", "H0", "H1", "Z1", "Z2", "D1", "D2", "T", "P2", "gW1",
              "gb1", "delta_h1", "delta_z1", "dE_dw1", "numpy", "math", "scipy", "jax", "np",
              "theta", "X", "B", "g", "loss", "grad", "i", "j", "s", "r0", "p0", "l_max",
              "numba", "max", "range", "lambda", "float", "sum"]

TEXT_GRAPH = """\
# params: {p1} {p2} {p3}
# targets: {t}
# inputs: {x1} {x2}
{a} = {p1}*{x1} + {p2}*{x2}
{h} = tanh({a}) + {p3}*{x2}
{e} = ({t} - {h})**2/2 + {p1}**2/10
"""


def _text_graph(names):
    keys = ["p1", "p2", "p3", "t", "x1", "x2", "a", "h", "e"]
    return sb.parse_graph(TEXT_GRAPH.format(**dict(zip(keys, names, strict=True))))


def _api_graph(names):
    """The same graph through the Python API, which also takes keywords such as lambda."""
    g = sb.Graph()
    p1, p2, p3 = g.params(names[:3])
    (t,) = g.targets([names[3]])
    x1, x2 = g.inputs(names[4:6])
    a = g.node(names[6], p1 * x1 + p2 * x2)
    h = g.node(names[7], sp.tanh(a) + p3 * x2)
    g.node(names[8], (t - h) ** 2 / 2 + p1**2 / 10)
    return g


def _check_graph(g, backend, path, seed):
    f = sb.compile(g, backend=backend, path=path)
    rng = np.random.default_rng(seed)
    theta = rng.normal(size=len(f.params))
    X = rng.normal(size=(3, len(f.inputs)))
    T = rng.normal(size=(3, len(f.targets)))
    ref_loss, ref_grad = sympy_reference(g, theta, X, T)
    loss, grad = f(theta, X, T)
    assert loss == pytest.approx(ref_loss, rel=1e-12), f.source
    assert grad == pytest.approx(ref_grad, rel=1e-10, abs=1e-13), f.source


@pytest.mark.timeout(300)
@settings(max_examples=20, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow], phases=[Phase.explicit, Phase.generate])
@given(names=st.lists(st.sampled_from(VOCABULARY), min_size=9, max_size=9, unique=True),
       backend=st.sampled_from(["numpy", "jax"]))
def test_E3_property_no_user_name_meets_a_generated_name_in_text_graphs(names, backend):
    pytest.importorskip(backend)
    g = _api_graph(names)
    if not {"lambda", "max"} & set(names):  # the text format refuses keywords and its functions
        g = _text_graph(names)
    _check_graph(g, backend, "scalar", seed=len("".join(names)))
    with pytest.raises(sb.InvalidValueError, match="matrix path needs a network"):
        sb.compile(g, backend=backend, path="matrix")


@pytest.mark.slow  # a dozen nets compiled, JAX's among them
@pytest.mark.timeout(300)
@settings(max_examples=12, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow], phases=[Phase.explicit, Phase.generate])
@given(naming=st.sampled_from(["sequential", "textbook"]),
       reads=st.lists(st.integers(0, 12), min_size=1, max_size=3, unique=True),
       outputs=st.sampled_from([1, 2]), backend=st.sampled_from(["numpy", "jax"]),
       path=st.sampled_from(PATHS))
def test_E3_property_a_loss_reading_the_nets_own_names_is_right(naming, reads, outputs,
                                                                backend, path):
    """A custom loss that reads some of the net's own parameters and inputs (names such as
    b1, w1, x1 that the generated code once used for its own arrays)."""
    pytest.importorskip(backend)
    shape = [2, 2, outputs]
    probe = sb.mlp(shape, activation="sigmoid", naming=naming)
    own = [*probe.param_symbols, *probe.input_symbols]
    extra = [sp.Symbol(own[k % len(own)].name, real=True) for k in reads]

    def loss(y, t):
        return (sum((yj - tj) ** 2 for yj, tj in zip(y, t, strict=True))
                + sum((k + 1) * s**2 for k, s in enumerate(extra)) + extra[0] * sum(y))

    net = sb.mlp(shape, activation="sigmoid", naming=naming, loss=loss)
    _check_graph(net, backend, path, seed=sum(reads))
    assert sb.compile(net, backend=backend).path == "matrix"


@pytest.mark.timeout(300)
@pytest.mark.slow
def test_E3_no_user_name_meets_a_generated_name_in_numba():
    pytest.importorskip("numba")
    names = ["b1", "W1", "theta", "numpy", "T", "X", "Z1", "math", "D1"]
    _check_graph(_text_graph(names), "numba", "scalar", seed=7)
    _check_graph(e3_net(), "numba", "matrix", seed=8)


# ---- E13: the built-in losses' matrix forms ----------------------------------------------------

def hand_loss(name, shape, theta, X, T):
    """The mean loss of a tanh net by hand (output activation: identity except for bce and
    softmax_ce, computed from the logits)."""
    z = logits(shape, theta, X)
    if name == "softmax_ce":
        return float(np.mean(-np.sum(T * log_softmax(z, axis=1), axis=1)))
    if name == "bce":
        return float(np.mean(np.sum(np.logaddexp(0, z) - T * z, axis=1)))
    r = T - z
    if name == "half_se":
        each = r**2 / 2
    elif name == "mse":
        each = r**2 / shape[-1]
    else:  # huber
        each = np.where(np.abs(r) <= 1, r**2 / 2, np.abs(r) - 0.5)
    return float(np.mean(np.sum(each, axis=1)))


@pytest.mark.timeout(120)
@pytest.mark.parametrize("backend", ["numpy", "jax"])
@pytest.mark.parametrize("loss", ["softmax_ce", "bce", "half_se", "mse", "huber"])
def test_E13_every_builtin_loss_has_a_matrix_form_that_is_its_function(loss, backend):
    assert sb.LOSSES[loss].matrix is not None
    shape = [3, 4, 3]
    out = None if loss in ("bce", "softmax_ce") else "identity"
    net = sb.mlp(shape, activation="tanh", output_activation=out, loss=loss)
    f = compiled(net, backend, "matrix")
    rng = np.random.default_rng(6)
    theta = rng.normal(size=len(f.params))
    X = rng.normal(size=(5, 3)) * 2
    T = rng.uniform(size=(5, 3)) if loss in ("bce", "softmax_ce") else rng.normal(size=(5, 3))

    def oracle(th):
        return hand_loss(loss, shape, th, X, T)

    got_loss, grad = f(theta, X, T)
    assert got_loss == pytest.approx(oracle(theta), rel=1e-12)
    assert grad == pytest.approx(central(oracle, theta), rel=1e-6, abs=1e-8)


@pytest.mark.timeout(120)
@pytest.mark.parametrize("classes", [10, 20])
def test_E13_wide_softmax_nets_take_the_matrix_path_in_well_under_a_second(classes):
    shape = [64, 32, classes]
    # the time limit fails a hang; before, 9 classes took 12 s and 10 took the scalar path
    f = sb.compile(sb.mlp(shape, activation="tanh", loss="softmax_ce"))
    assert f.path == "matrix", f.reason
    # each stable step once, whatever the number of classes
    # (the shifted logits' exponentials, their sum, its log: each once)
    assert f.source.count("numpy.max(") == 1 and f.source.count("numpy.exp(_l_shifted)") == 1
    assert f.source.count("numpy.log(") == 1 and "logsumexp" not in f.source
    rng = np.random.default_rng(classes)
    theta = rng.normal(size=len(f.params)) * 0.3
    X = rng.normal(size=(16, 64))
    T = np.eye(classes)[rng.integers(classes, size=16)]

    def oracle(th):
        return hand_loss("softmax_ce", shape, th, X, T)

    loss, grad = f(theta, X, T)
    assert loss == pytest.approx(oracle(theta), rel=1e-12)
    which = rng.choice(len(theta), size=60, replace=False)
    assert grad[which] == pytest.approx(central(oracle, theta, which=which), rel=1e-5,
                                        abs=1e-8)


@pytest.mark.timeout(300)
@pytest.mark.parametrize("backend", ["jax", pytest.param("numba", marks=pytest.mark.slow)])
def test_E13_jax_and_numba_take_the_matrix_form_too(backend):
    pytest.importorskip(backend)
    shape, act, loss, _ = NUMBA_WIDE  # ten classes (the numba tests' shared net)
    f = sb.compile(sb.mlp(shape, activation=act, loss=loss), backend=backend, path="matrix")
    assert f.path == "matrix"
    if backend == "jax":
        assert f.source.count("jax.numpy.exp(_l_shifted)") == 1
        assert f.source.count("jax.numpy.log(") == 1
    else:  # loops over the outputs, one per step, not one line per class
        # one log of the sum of exponentials each in the gradient and the loss (the
        # predictions divide by the sum and need none)
        assert f.source.count("math.log(") == 2
        assert "z2_10" not in f.source and "t10" not in f.source
    rng = np.random.default_rng(9)
    theta = rng.normal(size=len(f.params))
    X = rng.normal(size=(6, shape[0]))
    T = rng.uniform(size=(6, 10))  # targets that do not sum to 1

    def oracle(th):
        return hand_loss("softmax_ce", shape, th, X, T)

    loss, grad = f(theta, X, T)
    assert loss == pytest.approx(oracle(theta), rel=1e-12)
    assert grad == pytest.approx(central(oracle, theta), rel=1e-6, abs=1e-8)
    assert f.predict(theta, X) == pytest.approx(np.exp(log_softmax(logits(shape, theta, X),
                                                                   axis=1)), rel=1e-12)


@pytest.mark.timeout(60)
def test_E13_a_fallback_from_the_matrix_path_says_why():
    f = sb.compile(prelu_net())
    assert f.path == "scalar" and f.reason.startswith("the matrix path cannot")
    assert sb.compile(e3_net()).reason == "a network built by mlp(...) takes the matrix path"
    g = sb.parse_graph("# params: w\nf = w*x")
    assert "not a network" in sb.compile(g).reason
