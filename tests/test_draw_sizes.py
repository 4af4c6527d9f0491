"""Graph drawings and the size study, rendered and checked as files."""

import csv

import pytest

import symbackprop as sb
from symbackprop.cli import main
from symbackprop.render.sizes import size_study

pytest.importorskip("matplotlib")


@pytest.mark.parametrize("suffix", ["png", "svg"])
def test_draw_writes_the_file(tmp_path, suffix):
    g = sb.parse_graph("q = x + y\nf = q*z")
    out = tmp_path / f"circuit.{suffix}"
    fig = sb.draw(g, at={"x": -2, "y": 5, "z": -4}, highlight="x", path=out)
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" if suffix == "png" else b"<svg" in data[:500]
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "-12" in texts and "-4" in texts  # f's value and x's gradient
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name]


def test_draw_highlights_only_paths_from_the_variable():
    net = sb.mlp([2, 2, 1], activation="sigmoid", naming="sequential")
    fig = sb.draw(net, highlight="w1")
    thick = [a for a in fig.axes[0].texts if getattr(a, "arrow_patch", None) is not None
             and a.arrow_patch.get_linewidth() > 2]
    # the network drawing: w1's edge x1 -> h1, then h1 -> y, then y -> E
    assert len(thick) == 3


MAZUR = {"x1": 0.05, "x2": 0.10, "t1": 0.01, "t2": 0.99, "w1": 0.15, "w2": 0.20, "w3": 0.25,
         "w4": 0.30, "w5": 0.40, "w6": 0.45, "w7": 0.50, "w8": 0.55, "b1": 0.35, "b2": 0.35,
         "b3": 0.60, "b4": 0.60}


def _overlaps(fig, texts):
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in texts]
    return [(texts[i].get_text(), texts[j].get_text()) for i in range(len(boxes))
            for j in range(i + 1, len(boxes)) if boxes[i].overlaps(boxes[j])]


@pytest.mark.parametrize(("layers", "at"), [([2, 2, 1], None), ([2, 2, 2], MAZUR),
                                            ([3, 4, 4, 2], "random")])
def test_network_drawings_are_laid_out_in_layers_without_overlap(tmp_path, layers, at):
    net = sb.mlp(layers, activation="sigmoid", naming="sequential")
    if at == "random":
        at = {s.name: (i % 7 - 3) / 10 for i, s in enumerate(net.leaf_symbols)}
    fig = sb.draw(net, at=at, highlight="w1", path=tmp_path / "net.png")
    ax = fig.axes[0]
    circles = [p for p in ax.patches if type(p).__name__ == "Circle"]
    assert len(circles) == sum(layers)  # one per neuron
    xs = sorted({round(c.center[0], 6) for c in circles})
    assert len(xs) == len(layers)  # one column per layer, left to right
    texts = [t for t in ax.texts if t.get_text() and getattr(t, "arrow_patch", None) is None]
    assert not _overlaps(fig, texts)
    labels = [t.get_text() for t in texts]
    if at is MAZUR:  # Mazur's numbers at his neurons, and the weights named on the edges
        assert "0.3775 → 0.5933" in labels and "$w_{8}$" in labels
        cells = [c.get_text().get_text() for c in fig.axes[1].tables[0].get_celld().values()]
        assert "0.0821670"[:6] in "".join(cells)  # ∂E/∂w5 = 0.08217 in the table
    if layers == [3, 4, 4, 2]:  # too many edges to name: the weights go to the matrices
        assert not any(t.startswith("$w") for t in labels)
        panel = " ".join(t.get_text() for t in fig.axes[1].texts)
        assert "W⁽1⁾" in panel and "W⁽3⁾" in panel
    assert (tmp_path / "net.png").read_bytes()[:4] == b"\x89PNG"


def test_draw_without_a_point_labels_local_derivatives():
    g = sb.parse_graph("h = sigmoid(z)\nf = h*w")
    fig = sb.draw(g)
    assert "h·(1 - h)" in [t.get_text() for t in fig.axes[0].texts]


def test_draw_bad_format(tmp_path):
    with pytest.raises(sb.InvalidValueError, match=r"use one of: \.png, \.svg, \.pdf"):
        sb.draw(sb.parse_graph("f = x*y"), path=tmp_path / "g.bmp")
    assert not list(tmp_path.iterdir())


def _count_tree(e):  # oracle: a plain recursive count over SymPy's args
    return 1 + sum(_count_tree(a) for a in e.args)


def test_size_study_counts_past_the_budget():
    rows = size_study(widths=[3], depths=[1, 2, 6], budget=5_000)
    small, middle, big = rows
    assert small["expanded_built"] and middle["expanded_built"] and not big["expanded_built"]
    for row, depth in ((small, 1), (middle, 2)):  # built rows: counted like the oracle
        net = sb.mlp([3] * (depth + 1) + [1], activation="sigmoid")
        assert row["expanded_tree"] == _count_tree(sb.expanded(net, "w1_11"))
    # growth: each hidden layer multiplies the expanded tree, the program grows by a step
    assert big["expanded_tree"] > middle["expanded_tree"] * 3**3
    assert big["chain_paths"] == 3**5
    assert big["backprop_tree"] < big["expanded_tree"] / 100


def test_cli_sizes_table_plot_csv(tmp_path, capsys):
    png, cfile = tmp_path / "sizes.png", tmp_path / "sizes.csv"
    code = main(["sizes", "--width", "1-2", "--depth", "1,3", "--activation", "tanh",
                 "--plot", str(png), "--csv", str(cfile)])
    out = capsys.readouterr().out
    assert code == 0
    assert "expanded tree" in out and "backprop program" in out
    assert png.read_bytes()[:4] == b"\x89PNG"
    with cfile.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["width"], r["depth"]) for r in rows] == [("1", "1"), ("2", "1"), ("1", "3"),
                                                          ("2", "3")]


@pytest.mark.parametrize(("arg", "message"), [("0-3", "from 1 to 64"), ("a-b", "range such as"),
                                              ("1-100", "from 1 to 64"),
                                              ("1-99999999999", "from 1 to 64")])
def test_cli_sizes_bad_ranges(capsys, arg, message):
    assert main(["sizes", "--width", arg]) == 2
    assert message in capsys.readouterr().err


def test_circuit_drawing_names_each_operation_and_explains_the_edges():
    g = sb.parse_graph("q = x*y\nm = max(z, w)\nf = q + m")
    fig = sb.draw(g, at={"x": 3, "y": -4, "z": 2, "w": -1})
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "= x·y" in texts and "= max(w, z)" in texts  # the gates, as the node computes them
    assert not any(t.startswith("= ") and t[2:] in "xyzw" for t in texts)  # leaves have none
    assert "local derivative ∂v/∂u" in fig.axes[0].get_title()
