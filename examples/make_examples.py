"""Regenerate the examples: lecture notes (.tex, .pdf) and pictures of their pages (.png).

Run:  python examples/make_examples.py   (needs pdflatex, pdftoppm and Pillow; Korean needs
texlive-lang-korean)
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import symbackprop as sb

# Matt Mazur, "A Step by Step Backpropagation Example": the 2-2-2 sigmoid net, whose hidden
# biases are both 0.35 and output biases both 0.60 (b1 = b2 = 0.35, b3 = b4 = 0.60 here)
MAZUR = {"x1": 0.05, "x2": 0.10, "t1": 0.01, "t2": 0.99, "w1": 0.15, "w2": 0.20, "w3": 0.25,
         "w4": 0.30, "w5": 0.40, "w6": 0.45, "w7": 0.50, "w8": 0.55, "b1": 0.35, "b2": 0.35,
         "b3": 0.60, "b4": 0.60}


def mazur_net():
    return sb.mlp([2, 2, 2], activation="sigmoid", naming="sequential")


EXAMPLES = {
    # Mazur's worked example as a lesson: every parameter, each step with its numbers (9 digits,
    # as he prints them), the step and the loss after it
    "mazur_2-2-2": lambda: sb.notes(mazur_net(), wrt="all", at=MAZUR, digits=9,
                                    title="Backpropagation, step by step: Mazur's 2-2-2 "
                                          "network"),
    # the same as a Beamer deck, revealed equation by equation (4 digits)
    "mazur_2-2-2_slides": lambda: sb.notes(mazur_net(), wrt=["w5", "w1"], at=MAZUR,
                                           slides=True),
    # the lecture notes' 2-2-1 net with a generic activation a(.), in English and in Korean
    "net_2-2-1_generic": lambda: sb.notes(
        sb.mlp([2, 2, 1], activation="a", naming="sequential"), wrt=["w1", "w5"]),
    "net_2-2-1_ko": lambda: sb.notes(
        sb.mlp([2, 2, 1], activation="sigmoid", naming="sequential"),
        at={"x1": 0.05, "x2": 0.1, "t": 0.01, "w1": 0.15, "w2": 0.2, "w3": 0.25, "w4": 0.3,
            "b1": 0.35, "b2": 0.35, "w5": 0.4, "w6": 0.45, "b3": 0.6},
        lang="ko", title="2-2-1 신경망의 역전파 (시그모이드)"),
    # the lecture notes' (x + y) z circuit, each gate's rule where it is used
    "circuit_xyz": lambda: sb.notes(sb.parse_graph("q = x + y\nf = q*z", name="circuit"),
                                        at={"x": -2, "y": 5, "z": -4}),
    # f(x, y) = 2x + 3xy + y^3 of the lecture notes: a lesson on partial derivatives
    "function_2x_3xy_y3": lambda: sb.notes(sb.parse_graph("f = 2*x + 3*x*y + y**3"),
                                         at={"x": 1, "y": 2}),
    # a 2-3-2 tanh net with softmax cross-entropy, every parameter
    "softmax_2-3-2": lambda: sb.notes(softmax_net(), wrt="all", at=SOFTMAX_POINT),
}


def softmax_net():
    return sb.mlp([2, 3, 2], activation="tanh", loss="softmax_ce")


SOFTMAX_POINT = {"x1": 0.5, "x2": -0.2, "w1_11": 0.1, "w1_12": -0.3, "w1_21": 0.4,
                 "w1_22": 0.2, "w1_31": -0.4, "w1_32": 0.3, "b1_1": -0.1, "b1_2": 0.0,
                 "b1_3": 0.2, "w2_11": -0.2, "w2_12": 0.5, "w2_13": 0.1, "w2_21": -0.3,
                 "w2_22": 0.4, "w2_23": 0.3, "b2_1": -0.4, "b2_2": 0.3, "t1": 1, "t2": 0}

# the pictures the README shows: one page each, readable at the README's width
PAGES = {"mazur_2-2-2": (1, 1), "net_2-2-1_generic": (1, 1), "net_2-2-1_ko": (1, 1),
         "circuit_xyz": (1, 1), "function_2x_3xy_y3": (1, 1), "softmax_2-3-2": (1, 1)}


def grid(pngs: list[Path], out: Path, cols: int) -> None:
    """Pages side by side, with a grey gap."""
    from PIL import Image
    ims = [Image.open(p).convert("RGB") for p in pngs]
    w, h = max(i.width for i in ims), max(i.height for i in ims)
    rows = -(-len(ims) // cols)
    g = Image.new("RGB", (cols * w + (cols - 1) * 8, rows * h + (rows - 1) * 8), (150, 150, 150))
    for k, im in enumerate(ims):
        g.paste(im, ((k % cols) * (w + 8), (k // cols) * (h + 8)))
    g.save(out)


def pictures(name: str, pdf: Path, tmp: Path) -> None:
    if name.endswith("_slides"):  # one frame, in its final state (handout), as the README shows it
        tex = (HERE / f"{name}.tex").read_text(encoding="utf-8")
        handout = tmp / "handout.tex"
        handout.write_text(tex.replace("aspectratio=169]", "aspectratio=169,handout]"),
                           encoding="utf-8")
        pdf = sb.compile_pdf(handout).path
        page = 1
        while "the deltas" not in subprocess.run(  # the first frame of the deltas
                ["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"],
                capture_output=True, text=True, check=True).stdout:
            page += 1
        subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", str(page), "-l", str(page),
                        "-singlefile", str(pdf), str(tmp / "page0")], check=True)
        grid(sorted(tmp.glob("page*.png")), HERE / f"{name}.png", cols=1)
        return
    else:
        first, last = PAGES[name]
        res = 70
    subprocess.run(["pdftoppm", "-png", "-r", str(res), "-f", str(first), "-l", str(last),
                    str(pdf), str(tmp / "page")], check=True)
    pngs = sorted(tmp.glob("page*.png"))
    grid(pngs, HERE / f"{name}.png", cols=min(len(pngs), 3))


def main() -> None:
    for name, make in EXAMPLES.items():
        tex = HERE / f"{name}.tex"
        sb.write_notes(make(), tex, force=True)
        pdf = sb.compile_pdf(tex, force=True)
        if pdf.overfull:
            print("overfull lines in", name, pdf.overfull[:2])
        if shutil.which("pdftoppm"):
            with tempfile.TemporaryDirectory() as tmp:
                pictures(name, pdf.path, Path(tmp))
        print("wrote", tex.name, pdf.path.name, f"{name}.png")
    # a problem set of three variants and its answer key
    ps = sb.exercises(sb.mlp([2, 2, 1], activation="sigmoid", naming="sequential"), n=3, seed=1)
    for name, answers in (("exercises_2-2-1", False), ("exercises_2-2-1_key", True)):
        tex = HERE / f"{name}.tex"
        sb.write_notes(ps.tex(answers=answers), tex, force=True)
        pdf = sb.compile_pdf(tex, force=True)
        if pdf.overfull:
            print("overfull lines in", name, pdf.overfull[:2])
        print("wrote", tex.name, pdf.path.name)
    # drawings: the (x + y) z circuit and Mazur's network, as a slide shows them
    circuit = sb.parse_graph("q = x + y\nf = q*z", name="circuit")
    sb.draw(circuit, at={"x": -2, "y": 5, "z": -4}, highlight="x",
            path=HERE / "circuit_xyz_graph.png", force=True)
    sb.draw(mazur_net(), at=MAZUR, highlight="w1", path=HERE / "mazur_2-2-2_drawing.png",
            force=True)
    print("wrote circuit_xyz_graph.png mazur_2-2-2_drawing.png")


if __name__ == "__main__":
    main()
