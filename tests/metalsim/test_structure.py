"""metalsim's package structure: no import cycle between its modules, no oversized module.

The import graph is built from the source with ``ast`` (imports inside functions count too: a
lazy import hides a cycle from Python, not from a reader). Each check is also run on a planted
defect, so a check that can no longer fail shows up here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import metalsim

PACKAGE_DIR = Path(metalsim.__file__).resolve().parent

# Lines a module may have before it must be split or explained below.
MAX_LINES = 600
# Modules allowed over MAX_LINES, and why. An entry for a module back under the limit fails,
# so the list shrinks as the splits land.
OVERSIZED_ALLOWED: dict[str, str] = {}


def module_name(path: Path, root: Path, package: str) -> str:
    """``root/lint/cli.py`` -> ``metalsim.lint.cli``; ``__init__.py`` names the package."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join([package, *parts])


def imported_modules(source: str, name: str, is_package: bool, modules: set[str]) -> set[str]:
    """The modules of ``modules`` that the module ``name`` imports, anywhere in its body."""
    found: set[str] = set()
    package = name if is_package else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: from . import x, from ..y import z
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            # `from metalsim import config` imports the submodule metalsim.config;
            # `from metalsim import install` takes a name from the package's __init__.
            for alias in node.names:
                submodule = f"{target}.{alias.name}"
                found.add(submodule if submodule in modules else target)
    return {m for m in found if m in modules and m != name}


def import_graph(sources: dict[str, tuple[str, bool]]) -> dict[str, set[str]]:
    """module name -> the package modules it imports; ``sources`` maps a name to (text, is_pkg)."""
    modules = set(sources)
    return {
        name: imported_modules(text, name, is_pkg, modules)
        for name, (text, is_pkg) in sources.items()
    }


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle (``[a, b, ..., a]``), or None. Depth-first search with three colours."""
    state: dict[str, int] = {}  # 1: on the current path, 2: finished
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state:
                cycle = visit(nxt)
                if cycle:
                    return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state:
            cycle = visit(start)
            if cycle:
                return cycle
    return None


def package_sources(root: Path, package: str) -> dict[str, tuple[str, bool]]:
    return {
        module_name(path, root, package): (path.read_text(), path.name == "__init__.py")
        for path in sorted(root.rglob("*.py"))
    }


def test_metalsim_has_no_import_cycle() -> None:
    graph = import_graph(package_sources(PACKAGE_DIR, "metalsim"))
    assert "metalsim.execution" in graph["metalsim.kernel"]  # the graph sees real imports
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph) or [])


def test_a_planted_cycle_is_found() -> None:
    # The shape of the cycle this package had: install imported kernel at the top, kernel
    # imported install back inside a method.
    sources = {
        "pkg": ("from pkg.install import install\n", True),
        "pkg.install": ("from pkg.kernel import metal_kernel\n", False),
        "pkg.kernel": (
            "def call():\n    from pkg.install import original\n    return original()\n",
            False,
        ),
        "pkg.config": ("import os\n", False),
    }
    cycle = find_cycle(import_graph(sources))
    assert cycle is not None and cycle[0] == cycle[-1]
    assert set(cycle) == {"pkg.install", "pkg.kernel"}
    # Relative imports count as well.
    sources["pkg.kernel"] = ("from . import install\n", False)
    assert find_cycle(import_graph(sources)) is not None
    sources["pkg.kernel"] = ("from pkg import config\n", False)
    assert find_cycle(import_graph(sources)) is None


def oversized(root: Path, limit: int, allowed: dict[str, str]) -> list[str]:
    """Problems: modules over ``limit`` lines not in ``allowed``, and stale ``allowed`` entries."""
    problems = []
    sizes = {
        path.relative_to(root).as_posix(): len(path.read_text().splitlines())
        for path in root.rglob("*.py")
    }
    for name, lines in sorted(sizes.items()):
        if lines > limit and name not in allowed:
            problems.append(f"{name}: {lines} lines (limit {limit}): split it by concern")
    for name in sorted(allowed):
        if sizes.get(name, 0) <= limit:
            problems.append(f"{name} is allowed to be oversized but is not: drop its entry")
    return problems


def test_no_module_is_oversized() -> None:
    assert oversized(PACKAGE_DIR, MAX_LINES, OVERSIZED_ALLOWED) == []


def test_an_oversized_module_is_reported(tmp_path: Path) -> None:
    (tmp_path / "big.py").write_text("x = 1\n" * (MAX_LINES + 1))
    (tmp_path / "small.py").write_text("x = 1\n" * MAX_LINES)
    assert [p.split(":")[0] for p in oversized(tmp_path, MAX_LINES, {})] == ["big.py"]
    assert oversized(tmp_path, MAX_LINES, {"big.py": "a reason"}) == []
    with pytest.raises(AssertionError):
        assert oversized(tmp_path, MAX_LINES, {"big.py": "why", "small.py": "stale"}) == []
