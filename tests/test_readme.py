"""The README, followed as written: its shell commands run pasted in order after the set-up, its
Python blocks run pasted in order into one session, both in one fresh folder (so their files
must not collide), and every file of the repository it names exists.

A block that needs something optional is marked just above it, ``<!-- needs: pdflatex -->`` or
``<!-- needs: matplotlib -->``; it is skipped where that is missing. The shell commands are run
as ``python -m symbackprop`` with this interpreter, the way ``.venv/bin/symbackprop`` runs them.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCK = re.compile(r"(?:<!-- needs: (?P<needs>[\w, ]+) -->\n)?```(?P<lang>\w+)\n(?P<code>.*?)```",
                   re.DOTALL)


def _available(need: str) -> bool:
    if need == "pdflatex":
        return shutil.which("pdflatex") is not None
    return importlib.util.find_spec(need) is not None


def _blocks(lang: str) -> list[tuple[str, list[str]]]:
    return [(m["code"], [n.strip() for n in (m["needs"] or "").split(",") if n.strip()])
            for m in BLOCK.finditer(README) if m["lang"] == lang]


def _commands() -> list[list[str]]:
    """Each shell command of the README after the set-up, continuation lines joined."""
    out = []
    for code, _ in _blocks("bash"):
        for line in code.replace("\\\n", " ").splitlines():
            if line.strip() and not line.startswith("python3 -m venv"):
                out.append(shlex.split(line))
    return out


def test_the_two_commands_come_first():
    first = README.split("\n## ")[1]
    assert first.startswith("Two commands")
    setup = [code for code, _ in _blocks("bash") if code.startswith("python3 -m venv")]
    assert setup == [
        "python3 -m venv .venv && .venv/bin/pip install -q -e . && .venv/bin/symbackprop\n",
        ('python3 -m venv .venv && .venv/bin/pip install -q -e ".[test]" && '
         ".venv/bin/python -m pytest -q\n")]
    assert all(b in first for b in setup)


def test_every_command_runs_from_the_venv():
    commands = _commands()
    assert len(commands) >= 5
    for argv in commands:  # the venv is never activated in the README's order
        assert argv[0] in (".venv/bin/symbackprop", ".venv/bin/python"), argv


@pytest.mark.slow  # a dozen processes, each importing the package
@pytest.mark.timeout(900)
def test_the_readme_followed_in_order(tmp_path):
    (tmp_path / "examples").symlink_to(ROOT / "examples")  # a clone's files, by their paths
    env = dict(os.environ, PYTHONPATH=str(ROOT), MPLBACKEND="agg")
    for argv in _commands():
        if "--pdf" in argv and not _available("pdflatex"):
            argv = [a for a in argv if a != "--pdf"]
        assert argv[0] == ".venv/bin/symbackprop"
        res = subprocess.run([sys.executable, "-m", "symbackprop", *argv[1:]], cwd=tmp_path,
                             env=env, capture_output=True, text=True, timeout=600, check=False)
        assert res.returncode == 0, (argv, res.stderr[-2000:])
    session = "\n".join(code for code, needs in _blocks("python")
                        if all(_available(n) for n in needs))
    res = subprocess.run([sys.executable, "-c", session], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=600, check=False)
    assert res.returncode == 0, res.stderr[-3000:]
    assert "∂E/∂w1 = ∂E/∂a_y" in res.stdout


def test_every_file_named_exists():
    named = set(re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", README))  # links and pictures
    named |= set(re.findall(r"`((?:examples|docs|notebooks|benchmarks|tests|symbackprop|\.ci)"
                            r"/[^`\s]*)`", README))
    named = {n for n in named if not n.startswith(("http://", "https://"))}
    assert {"examples/circuit.txt", "notebooks/README.md", "docs/limits.md"} <= named
    missing = sorted(n for n in named if not (ROOT / n).exists())
    assert not missing
    for doc in (ROOT / "docs").glob("*.md"):  # the reference pages link back and onwards
        for link in re.findall(r"\]\(([^)#\s]+)\)", doc.read_text(encoding="utf-8")):
            if not link.startswith("http"):
                assert (doc.parent / link).exists(), (doc.name, link)


def test_no_file_the_repository_does_not_ship():
    assert not re.search(r"seeds?/|\d{3}_[0-9a-f]{16}|seed \d{3}", README)


def test_ci_runs_the_readme_test_command_and_the_slow_tier():
    """What CI runs: the README's test command, then the tests it leaves out (marked slow)
    and those of the PyTorch backend (an extra the test extra leaves out)."""
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    command = next(code for code, _ in _blocks("bash") if ".[test]" in code).strip()
    lines = [ln.strip() for ln in ci.splitlines() if ln.strip() and not ln.startswith("#")]
    assert command in lines
    assert lines[lines.index(command) + 1:] == [
        '.venv/bin/pip install -q -e ".[torch]"',
        '.venv/bin/python -m pytest -q --slow -m "slow or torch"']
