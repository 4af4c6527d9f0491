"""Activations and losses that an installed package declares under the entry-point groups
``symbackprop.activations`` / ``symbackprop.losses`` join the registry, and so the command line.

The plug-in is a real distribution on ``sys.path`` (a module and its ``.dist-info`` with an
``entry_points.txt``), found by ``importlib.metadata`` as an installed package would be; each
check runs in a fresh interpreter, since the registry reads the entry points once per process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

PLUGIN = '''
import sympy as sp
from symbackprop.core.registry import Activation

def cube(z):
    return z**3

cubic = Activation("ignored", cube, "z cubed, from a plug-in")

def l1(outputs, targets):
    return sum(sp.Abs(t - y) for y, t in zip(outputs, targets))

not_a_function = 42
'''

ENTRY_POINTS = '''
[symbackprop.activations]
cube3 = plugin_mod:cube
cubic = plugin_mod:cubic
sigmoid = plugin_mod:cube
broken = plugin_mod:does_not_exist

[symbackprop.losses]
l1_plugin = plugin_mod:l1
nonsense = plugin_mod:not_a_function
'''


@pytest.fixture
def plugin_path(tmp_path):
    (tmp_path / "plugin_mod.py").write_text(PLUGIN, encoding="utf-8")
    info = tmp_path / "sb_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: sb-plugin\nVersion: 1.0\n",
                                   encoding="utf-8")
    (info / "entry_points.txt").write_text(ENTRY_POINTS, encoding="utf-8")
    return tmp_path


def _run(plugin_path, code: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), str(plugin_path)]),
               PYTHONWARNINGS="default")
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env, cwd=plugin_path,
                          check=False,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.timeout(240)
def test_plugin_entries_join_the_registry_and_the_cli(plugin_path):
    res = _run(plugin_path, '''
        import json, sympy as sp
        import symbackprop as sb
        from symbackprop.cli import build_parser
        z = sp.Symbol("z")
        net = sb.mlp([1, 1, 1], activation="cube3", loss="l1_plugin")
        out = {
            "activations": list(sb.ACTIVATIONS), "losses": list(sb.LOSSES),
            "cube3": str(sb.ACTIVATIONS["cube3"](z)), "cubic": str(sb.ACTIVATIONS["cubic"](z)),
            "sigmoid": str(sb.ACTIVATIONS["sigmoid"](z)),
            "sizes_choices": next(a.choices for a in build_parser()._subparsers._group_actions[0]
                                  .choices["sizes"]._actions if a.dest == "activation"),
            "loss_expr": str(net.definition(net.output).expr),
        }
        print(json.dumps(out))
    ''')
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert {"cube3", "cubic"} <= set(out["activations"]) and "l1_plugin" in out["losses"]
    assert out["cube3"] == out["cubic"] == "z**3"
    assert out["sigmoid"] != "z**3"  # a plug-in cannot take a built-in's name
    assert "cube3" in out["sizes_choices"]
    assert "Abs" in out["loss_expr"]
    # the broken ones are named in warnings, and skipped
    for name in ("'broken'", "'nonsense'", "'sigmoid'"):
        assert name in res.stderr
    assert "broken" not in out["activations"] and "nonsense" not in out["losses"]


@pytest.mark.timeout(240)
def test_the_command_line_accepts_a_plugin_activation(plugin_path):
    res = _run(plugin_path, '''
        import sys
        from symbackprop.cli import main
        sys.exit(main(["derive", "--net", "1-1-1", "--activation", "cube3", "--wrt", "w1"]))
    ''')
    assert res.returncode == 0, res.stderr
    assert "∂E/∂w1" in res.stdout and "3" in res.stdout
    assert "cube3" in _run(plugin_path, '''
        from symbackprop.cli import main
        main(["derive", "--help"])
    ''').stdout
