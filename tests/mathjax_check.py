"""Typeset LaTeX as a notebook shows it, with MathJax 3 run by node (tests/mathjax/check.js)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent / "mathjax"


def _install() -> None:
    """``npm ci`` MathJax 3 into tests/mathjax once, when node and npm are there and it is not:
    the README's test command then runs the MathJax tests too. Offline, the tests skip."""
    if (HERE / "node_modules" / "mathjax-full").is_dir() or os.environ.get("SYMBACKPROP_NO_NPM"):
        return
    npm = shutil.which("npm")
    if shutil.which("node") is None or npm is None:
        return
    try:
        # offline, npm gives up after one retry rather than after minutes of them
        subprocess.run([npm, "ci", "--prefix", str(HERE), "--no-audit", "--no-fund", "--silent",
                        "--fetch-retries=1", "--fetch-timeout=60000"],
                       capture_output=True, timeout=300, check=False)
    except (OSError, subprocess.TimeoutExpired):
        pass


def available() -> bool:
    return shutil.which("node") is not None and (HERE / "node_modules" / "mathjax-full").is_dir()


_install()


needs_mathjax = pytest.mark.skipif(
    not available(), reason="node and mathjax-full are needed (npm ci --prefix tests/mathjax)")


def typeset(sources: list[str]) -> list[dict]:
    """For each string: MathJax's errors and the text left outside the mathematics."""
    res = subprocess.run(["node", "check.js"], cwd=HERE, input=json.dumps(sources),
                         capture_output=True, text=True, timeout=300, check=True)
    return json.loads(res.stdout)


def problems(source: str, result: dict) -> list[str]:
    """Errors, and TeX commands that would show raw in the notebook."""
    out = list(result["errors"])
    raw = re.findall(r"\\[A-Za-z]+", result["text"])
    if raw:
        out.append(f"raw TeX outside the mathematics: {sorted(set(raw))}")
    return out
