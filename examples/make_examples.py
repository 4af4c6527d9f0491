"""Regenerate the example lecture notes: .tex, .pdf (pdflatex) and the first page as PNG.

Run:  python examples/make_examples.py   (needs pdflatex and pdftoppm)
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import symbackprop as sb

MAZUR = dict(x1=0.05, x2=0.1, t=0.01, w1=0.15, w2=0.2, w3=0.25, w4=0.3, b1=0.35, b2=0.35,
             w5=0.4, w6=0.45, b3=0.6)

EXAMPLES = {
    # seed 004: the 2-2-1 net with a generic activation a(.)
    "seed004_2-2-1_generic": lambda: sb.notes(
        sb.mlp([2, 2, 1], activation="a", naming="sequential"), wrt=["w1", "w5"]),
    # the same net with sigmoid, at the point of Mazur's worked example
    "seed004_2-2-1_sigmoid": lambda: sb.notes(
        sb.mlp([2, 2, 1], activation="sigmoid", naming="sequential"), wrt=["w1", "w5"],
        at=MAZUR, lr=0.5),
    # seed 001: the (x + y) z circuit
    "seed001_circuit": lambda: sb.notes(sb.parse_graph("q = x + y\nf = q*z", name="circuit"),
                                        at={"x": -2, "y": 5, "z": -4}),
}


def main() -> None:
    for name, make in EXAMPLES.items():
        tex = HERE / f"{name}.tex"
        sb.write_notes(make(), tex, force=True)
        pdf = sb.compile_pdf(tex)
        if shutil.which("pdftoppm"):
            subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1",
                            "-singlefile", str(pdf), str(HERE / name)], check=True)
        print("wrote", tex.name, pdf.name, f"{name}.png")


if __name__ == "__main__":
    main()
