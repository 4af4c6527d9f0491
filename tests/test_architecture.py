"""The package's bill of health: layers, private names, lint, docstrings and annotations."""

from __future__ import annotations

import ast
import inspect
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import symbackprop as sb

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "symbackprop"
MODULES = sorted(p for p in PACKAGE.rglob("*.py"))


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _resolve(module: str, node: ast.ImportFrom, is_package: bool) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def test_imports_follow_the_layers():
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if exe is None:
        pytest.skip("import-linter is not installed (it is in the test extra)")
    res = subprocess.run([exe], cwd=ROOT, capture_output=True, text=True, check=False)
    assert res.returncode == 0, res.stdout[-3000:]


def test_no_module_imports_another_modules_private_names():
    offenders = []
    for path in MODULES:
        module = _module_name(path)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                source = _resolve(module, node, path.name == "__init__.py")
                if not source.startswith("symbackprop") or source == module:
                    continue
                for alias in node.names:
                    if alias.name.startswith("_") and not alias.name.startswith("__"):
                        offenders.append(f"{module}: from {source} import {alias.name}")
    assert not offenders, "\n".join(offenders)


def test_ruff_is_clean():
    exe = shutil.which("ruff", path=str(Path(sys.executable).parent))
    if exe is None:
        pytest.skip("ruff is not installed (it is in the test extra)")
    res = subprocess.run([exe, "check", "symbackprop", "tests", "benchmarks", "examples",
                          "notebooks"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert res.returncode == 0, res.stdout[-3000:]


@pytest.mark.timeout(300)
def test_the_type_checker_passes():
    # mypy, configured in pyproject.toml ([tool.mypy]), on the package
    exe = shutil.which("mypy", path=str(Path(sys.executable).parent))
    if exe is None:
        pytest.skip("mypy is not installed (it is in the test extra)")
    res = subprocess.run([exe, "--no-error-summary"], cwd=ROOT, capture_output=True, text=True,
                         check=False)
    assert res.returncode == 0, res.stdout[-3000:]


def _public_objects():
    for name in sb.__all__:
        obj = getattr(sb, name)
        if inspect.isfunction(obj) or inspect.isclass(obj):
            yield name, obj


def test_every_public_name_has_a_docstring():
    missing = [name for name, obj in _public_objects() if not inspect.getdoc(obj)]
    for name, obj in _public_objects():
        if inspect.isclass(obj) and obj.__module__.startswith("symbackprop"):
            for attr, member in vars(obj).items():
                if attr.startswith("_"):
                    continue
                fn = member.fget if isinstance(member, property) else member
                if (inspect.isfunction(fn) or isinstance(member, property)) and not fn.__doc__:
                    missing.append(f"{name}.{attr}")
    assert not missing, missing


def test_public_functions_are_annotated():
    missing = []
    for name, obj in _public_objects():
        if not inspect.isfunction(obj) or not obj.__module__.startswith("symbackprop"):
            continue
        sig = inspect.signature(obj)
        if sig.return_annotation is inspect.Signature.empty:
            missing.append(f"{name} -> ?")
        for p in sig.parameters.values():
            if p.annotation is inspect.Parameter.empty and p.kind not in (
                    p.VAR_POSITIONAL, p.VAR_KEYWORD):
                missing.append(f"{name}({p.name})")
    assert not missing, missing


def test_one_version_and_typed():
    assert (PACKAGE / "py.typed").exists()
    from importlib.metadata import version
    assert sb.__version__ == version("symbackprop")
    text = "\n".join(p.read_text(encoding="utf-8") for p in MODULES)
    assert '"0.1.0"' not in text and "'0.1.0'" not in text  # no second copy of the version


def _import_graph() -> dict[str, set[str]]:
    """Every module's imports of other package modules, lazy ones inside functions too."""
    names = {_module_name(p) for p in MODULES}
    edges: dict[str, set[str]] = {m: set() for m in names}
    for path in MODULES:
        module = _module_name(path)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            targets = []
            if isinstance(node, ast.ImportFrom):
                source = _resolve(module, node, path.name == "__init__.py")
                targets = [source] + [f"{source}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            edges[module] |= {t for t in targets if t in names and t != module}
    return edges


def test_no_import_cycle_between_modules():
    # a package's __init__ gathers its modules, so edges into a package name are left out:
    # what matters is that no module reaches itself through the modules it imports
    edges = _import_graph()
    packages = {_module_name(p) for p in MODULES if p.name == "__init__.py"}
    graph = {m: {t for t in ts if t not in packages} for m, ts in edges.items()
             if m not in packages}
    state: dict[str, int] = {}
    cycles = []

    def visit(m: str, stack: list[str]) -> None:
        state[m] = 1
        for t in sorted(graph.get(m, ())):
            if state.get(t) == 1:
                cycles.append(" -> ".join([*stack[stack.index(t):], t]))
            elif t not in state:
                visit(t, [*stack, t])
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])
    assert not cycles, "\n".join(cycles)


def test_the_core_never_imports_the_renderers():
    edges = _import_graph()
    bad = [f"{m} -> {t}" for m, ts in edges.items() if m.startswith("symbackprop.core")
           for t in ts if not t.startswith("symbackprop.core")]
    assert not bad, bad


def test_no_module_is_hidden_behind_a_function_of_its_name():
    # `symbackprop.numeric.compile` once named both a module and the function its package
    # exports, so the module could not be reached by attribute; every module keeps its own name
    import importlib
    import pkgutil
    import types
    hidden = []
    for m in pkgutil.walk_packages(sb.__path__, "symbackprop."):
        parent, _, leaf = m.name.rpartition(".")
        attr = getattr(importlib.import_module(parent), leaf, None)
        if attr is not None and not isinstance(attr, types.ModuleType):
            hidden.append(m.name)
    assert not hidden, hidden
