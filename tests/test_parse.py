"""The text format: what it accepts, and the adversarial inputs it must refuse without running."""

import pytest
import sympy as sp

import symbackprop as sb


def test_declarations_and_output():
    g = sb.parse_graph("""
# inputs: x2 x1
# params: w1, w2 b
# targets: t
z = w1*x1 + w2*x2 + b
h = sigmoid(z)
E = (t - h)**2/2
""")
    assert [s.name for s in g.input_symbols] == ["x2", "x1"]
    assert [s.name for s in g.param_symbols] == ["w1", "w2", "b"]
    assert [s.name for s in g.target_symbols] == ["t"]
    assert g.output.name == "E"
    assert g.definition("h").expr == sb.sigmoid(g.symbol("z"))


def test_any_order_and_output_comment():
    g = sb.parse_graph("f = q*z\nq = x + y\n# output: f")
    assert [n.name for n in g.nodes] == ["q", "f"]
    assert g.output.name == "f"
    g = sb.parse_graph("f = q*z\nq = x + y")  # last assignment is the output
    assert g.output.name == "q"


def test_every_allowed_function():
    g = sb.parse_graph("f = exp(x) + log(y) + sqrt(y) + abs(x) + sin(x) + cos(x) + tanh(x)"
                       " + sigmoid(x) + relu(x) + softplus(x) + max(x, y) + min(x, y, 1)")
    x, y = g.symbol("x"), g.symbol("y")
    want = (sp.exp(x) + sp.log(y) + sp.sqrt(y) + sp.Abs(x) + sp.sin(x) + sp.cos(x) + sp.tanh(x)
            + sb.sigmoid(x) + sb.relu(x) + sb.softplus(x) + sp.Max(x, y) + sp.Min(x, y, 1))
    assert sp.simplify(g.definition("f").expr - want) == 0


def test_numbers_and_unary():
    g = sb.parse_graph("f = -x + +2.5 * x**2 / 4")
    x = g.symbol("x")
    assert sp.simplify(g.definition("f").expr - (-x + sp.Float(2.5) * x**2 / 4)) == 0


@pytest.mark.parametrize(("text", "message", "line", "col"), [
    ("f = __import__('os').system('echo pwned')", "attribute access", 1, 5),
    ("f = x.real", "attribute access", 1, 5),
    ("f = x[0]", "subscripts", 1, 5),
    ("f = (lambda: 1)()", "only calls of plain function names", 1, 5),
    ("f = [x for x in y]", "comprehensions", 1, 5),
    ("import os", "assignment", 1, 1),
    ("f = 'text'", "only numbers", 1, 5),
    ("f = eval('1')", "unknown function 'eval'", 1, 5),
    ("f = open('x')", "unknown function 'open'", 1, 5),
    ("f = __builtins__", "not allowed", 1, 5),
    ("f = _x + 1", "not allowed", 1, 5),
    ("q = x\nf = q + exp(x, y)", "exactly 1 argument", 2, 9),
    ("f = exp(x=1)", "positional arguments only", 1, 5),
    ("f = max(x)", "at least 2 arguments", 1, 5),
    ("f = 9**9**9", "digits", 1, 5),
    ("f = x**100000", "exponent", 1, 5),
    ("f = x // 2", "operator FloorDiv", 1, 5),
    ("f = x if y else z", "if-else", 1, 5),
    ("f = x < y", "comparisons", 1, 5),
    ("f = True", "only numbers", 1, 5),
    ("f = 1j", "only numbers", 1, 5),
    ("f = x / 0", "division by zero", 1, 5),
    ("f = (x", "not valid syntax", 1, 5),
    ("a, b = x, y", "exactly one plain name", 1, 1),
    ("f.y = x", "exactly one plain name", 1, 1),
    ("exp = x + 1", "function name", 1, 1),
    ("f = exp", "is a function", 1, 5),
    ("", "no assignment", None, None),
    ("# params: w\nw = x", "declared as a param", 2, 1),
    ("f = x\n# output: g", "output 'g' is not assigned", 2, 1),
    ("f = x + 1e999", "not finite", 1, 9),
])
def test_refused_with_line_and_column(text, message, line, col):
    with pytest.raises(sb.ParseError, match=message) as info:
        sb.parse_graph(text)
    assert info.value.line == line
    assert info.value.col == col


def test_declared_but_unused_leaf_has_zero_gradient():
    g = sb.parse_graph("# targets: t\n# inputs: x u\nf = 2*x")
    assert g.kind("t") == "target" and g.kind("u") == "input"
    grads = sb.backprop(g).evaluate({"x": 1, "u": 5, "t": 3})
    assert grads[g.symbol("t")] == 0 and grads[g.symbol("x")] == 2
    with pytest.raises(sb.DuplicateNameError, match="declared twice"):
        sb.parse_graph("# params: w\n# targets: w\nf = w")


def test_nothing_runs(tmp_path, monkeypatch):
    marker = tmp_path / "pwned"
    monkeypatch.chdir(tmp_path)
    for text in (f"f = __import__('os').system('touch {marker}')",
                 f"f = open('{marker}', 'w')",
                 "f = exec('import os')"):
        with pytest.raises(sb.ParseError):
            sb.parse_graph(text)
    assert not marker.exists()


def test_duplicates_and_cycles():
    with pytest.raises(sb.DuplicateNameError, match="assigned twice") as info:
        sb.parse_graph("f = x\nf = y")
    assert "line 2" in str(info.value)
    with pytest.raises(sb.CycleError, match="cycle: a -> b -> a"):
        sb.parse_graph("a = b + 1\nb = a * x")
    with pytest.raises(sb.CycleError, match="cycle"):
        sb.parse_graph("f = f + 1")


def test_error_message_shows_the_line():
    with pytest.raises(sb.ParseError) as info:
        sb.parse_graph("q = x + y\nf = q.real")
    text = str(info.value)
    assert text.splitlines()[0].startswith("line 2, column 5:")
    assert "    f = q.real" in text
    assert text.splitlines()[-1].strip() == "^"


def test_deep_nesting_and_huge_text_are_refused():
    with pytest.raises(sb.ParseError):
        sb.parse_graph("f = " + "(" * 100_000 + "x" + ")" * 100_000)
    with pytest.raises(sb.LimitError, match="the limit is 1,000,000"):
        sb.parse_graph("f = x\n" + "#" * 2_000_000)


def test_read_graph(tmp_path):
    p = tmp_path / "circuit.txt"
    p.write_text("q = x + y\nf = q*z\n", encoding="utf-8")
    g = sb.read_graph(p)
    assert g.name == "circuit" and g.output.name == "f"
    with pytest.raises(sb.ParseError, match="does not exist"):
        sb.read_graph(tmp_path / "missing.txt")
    with pytest.raises(sb.ParseError, match="not a regular file"):
        sb.read_graph(tmp_path)
