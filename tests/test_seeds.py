"""The seeds' worked examples, and a published one, at the precision they print."""

import pytest
import sympy as sp

import symbackprop as sb

# ---- seed 001: f(x, y, z) = (x + y) z at x = -2, y = 5, z = -4 ----------------------------

@pytest.fixture
def circuit():
    g = sb.Graph()
    x, y, z = g.inputs("x y z")
    q = g.node("q", x + y)
    g.node("f", q * z)
    return g


def test_seed001_forward_values(circuit):
    g = circuit
    vals = g.evaluate({"x": -2, "y": 5, "z": -4})
    assert vals[g.symbol("q")] == 3
    assert vals[g.symbol("f")] == -12


def test_seed001_gradients_every_form(circuit):
    g = circuit
    x, y, z, q = (g.symbol(n) for n in "xyzq")
    at = {x: -2, y: 5, z: -4}
    grads = sb.backprop(g).evaluate(at)
    assert grads[x] == -4
    assert grads[y] == -4
    assert grads[z] == 3
    assert grads[q] == -4  # df/dq = z
    assert grads[g.output] == 1  # df/df = 1, where backprop starts
    for v, want in ((x, -4), (y, -4), (z, 3)):
        assert sb.expanded(g, v).subs(at) == want
        assert sb.chain(g, v).doit().subs(at) == want


def test_seed001_symbolic(circuit):
    g = circuit
    x, y, z = (g.symbol(n) for n in "xyz")
    assert sb.expanded(g, x) == z
    assert sb.expanded(g, y) == z
    assert sb.expanded(g, z) == x + y
    c = sb.chain(g, x)
    assert len(c.paths) == 1
    (path,) = c.paths
    assert [str(f) for f in path.factors] == ["∂f/∂q", "∂q/∂x"]
    assert [f.local for f in path.factors] == [z, 1]
    assert path.factors[0].leibniz == sp.Derivative(g.symbol("f"), g.symbol("q"), evaluate=False)
    assert sb.backprop(g).gradient(z) == x + y


def test_seed001_from_text():
    g = sb.parse_graph("q = x + y\nf = q*z")
    assert sb.backprop(g).evaluate({"x": -2, "y": 5, "z": -4})[g.symbol("x")] == -4


# ---- seed 003: f(x, y) = 2x + 3xy + y^3 ---------------------------------------------------

def test_seed003_partials():
    g = sb.parse_graph("f = 2*x + 3*x*y + y**3")
    x, y = g.symbol("x"), g.symbol("y")
    assert sp.expand(sb.expanded(g, x) - (2 + 3 * y)) == 0
    assert sp.expand(sb.expanded(g, y) - (3 * x + 3 * y**2)) == 0
    bp = sb.backprop(g)
    assert sp.expand(bp.gradient(x) - (2 + 3 * y)) == 0
    assert sp.expand(bp.gradient(y) - (3 * x + 3 * y**2)) == 0


def test_seed003_staged():
    # the same function written in stages: the chain form must still give the seed's answer
    g = sb.parse_graph("u = x*y\nv = y**3\nf = 2*x + 3*u + v")
    x, y = g.symbol("x"), g.symbol("y")
    assert sp.expand(sb.chain(g, x).doit() - (2 + 3 * y)) == 0
    assert sp.expand(sb.chain(g, y).doit() - (3 * x + 3 * y**2)) == 0
    assert len(sb.chain(g, x).paths) == 2  # x -> f directly and x -> u -> f


# ---- seed 004: the 2-2-1 net with generic a(.) and E = 1/2 (t - a(y))^2 -------------------

@pytest.fixture
def seed004():
    return sb.mlp([2, 2, 1], activation="a", loss="half_se", naming="sequential")


def test_seed004_wiring(seed004):
    net = seed004
    s = net.symbol
    h1, h2, y = (net.definition(n).expr for n in ("h1", "h2", "y"))
    assert h1 == s("w1") * s("x1") + s("w2") * s("x2") + s("b1")
    assert h2 == s("w3") * s("x1") + s("w4") * s("x2") + s("b2")
    assert y == s("w5") * s("a_h1") + s("w6") * s("a_h2") + s("b3")
    a = sb.generic_activation("a")
    assert net.definition("E").expr == sp.Rational(1, 2) * (s("t") - a(s("y"))).subs(
        a(s("y")), s("a_y")) ** 2


def test_seed004_dE_dw1_single_path(seed004):
    net = seed004
    s = net.symbol
    a = sb.generic_activation("a")
    ap = sb.generic_activation("a'")
    c = sb.chain(net, "w1")
    assert len(c.paths) == 1
    # seed 004: dE/dw1 = -(t - a(y)) a'(y) w5 a'(h1) x1, in the neighbouring symbols
    want_local = -(s("t") - s("a_y")) * ap(s("y")) * s("w5") * ap(s("h1")) * s("x1")
    assert sp.expand(c.local - want_local) == 0
    # and written in the leaves, against SymPy's own diff of the substituted loss
    h1 = s("w1") * s("x1") + s("w2") * s("x2") + s("b1")
    h2 = s("w3") * s("x1") + s("w4") * s("x2") + s("b2")
    y = s("w5") * a(h1) + s("w6") * a(h2) + s("b3")
    E = sp.Rational(1, 2) * (s("t") - a(y)) ** 2
    for p in net.param_symbols:
        oracle = sp.diff(E, p)
        assert sp.expand(sb.expanded(net, p) - oracle) == 0, p
        assert sp.expand(sb.chain(net, p).doit() - oracle) == 0, p
        assert sp.expand(sb.backprop(net).gradient(p) - oracle) == 0, p


def test_seed004_path_counts(seed004):
    assert [len(sb.chain(seed004, p).paths) for p in seed004.param_symbols] == [1] * 9
    assert len(sb.chain(seed004, "x1").paths) == 2  # through h1 and through h2


# ---- a published worked example ------------------------------------------------------------
# Matt Mazur, "A Step by Step Backpropagation Example" (2015), mattmazur.com: a 2-2-2 sigmoid
# net, E_total = sum 1/2 (target - out)^2, with i1=.05, i2=.10, targets .01 and .99, w1..w8 as
# below, b1=.35 (shared by the hidden layer) and b2=.60 (shared by the output layer).

MAZUR = {"x1": 0.05, "x2": 0.10, "t1": 0.01, "t2": 0.99, "w1": 0.15, "w2": 0.20, "w3": 0.25,
         "w4": 0.30, "w5": 0.40, "w6": 0.45, "w7": 0.50, "w8": 0.55, "b1": 0.35, "b2": 0.35,
         "b3": 0.60, "b4": 0.60}


def test_mazur_worked_example():
    net = sb.mlp([2, 2, 2], activation="sigmoid", naming="sequential")
    vals = net.evaluate(MAZUR)
    s = net.symbol
    assert float(vals[s("h1")]) == pytest.approx(0.3775, abs=1e-9)  # net_h1
    assert float(vals[s("a_h1")]) == pytest.approx(0.593269992, abs=1e-9)  # out_h1
    assert float(vals[s("a_h2")]) == pytest.approx(0.596884378, abs=1e-9)  # out_h2
    assert float(vals[s("a_y1")]) == pytest.approx(0.75136507, abs=1e-8)  # out_o1
    assert float(vals[s("a_y2")]) == pytest.approx(0.772928465, abs=1e-9)  # out_o2
    assert float(vals[s("E")]) == pytest.approx(0.298371109, abs=1e-9)  # E_total
    grads = sb.backprop(net).evaluate(MAZUR)
    assert float(grads[s("w5")]) == pytest.approx(0.082167041, abs=1e-9)
    assert float(grads[s("w1")]) == pytest.approx(0.000438568, abs=1e-9)
    # the update w <- w - eta dE/dw with eta = 0.5 (seed 000)
    assert 0.40 - 0.5 * float(grads[s("w5")]) == pytest.approx(0.35891648, abs=1e-8)
    assert 0.45 - 0.5 * float(grads[s("w6")]) == pytest.approx(0.408666186, abs=1e-9)
    assert 0.50 - 0.5 * float(grads[s("w7")]) == pytest.approx(0.511301270, abs=1e-9)
    assert 0.55 - 0.5 * float(grads[s("w8")]) == pytest.approx(0.561370121, abs=1e-9)
    assert 0.15 - 0.5 * float(grads[s("w1")]) == pytest.approx(0.149780716, abs=1e-9)
    assert 0.20 - 0.5 * float(grads[s("w2")]) == pytest.approx(0.19956143, abs=1e-8)
    assert 0.25 - 0.5 * float(grads[s("w3")]) == pytest.approx(0.24975114, abs=1e-8)
    assert 0.30 - 0.5 * float(grads[s("w4")]) == pytest.approx(0.29950229, abs=1e-8)
    # the chain for w1 has two paths: through out_o1 and through out_o2
    assert len(sb.chain(net, "w1").paths) == 2
