"""`make outputs` knows every generated file the pages show (tools/outputs.py)."""

from __future__ import annotations

import importlib.util
import string
from fnmatch import fnmatch

import pytest
from tests.site.docsupport import REPO_ROOT, tracked_files
from tools.outputs import GENERATORS, UPSTREAM, Generator


def _generated_files() -> list[str]:
    """Files a page shows that a command produces: `_output/` folders and SVG figures."""
    files = tracked_files("src/metal_guide/*/_output/*", "docs/*.svg", "src/*.svg")
    return sorted(str(f.relative_to(REPO_ROOT)) for f in files)


def _writer(path: str) -> list[str]:
    return [g.name for g in GENERATORS if any(fnmatch(path, w) for w in g.writes)]


def test_every_generated_file_has_one_generator() -> None:
    files = _generated_files()
    assert files, "no generated files found"
    unowned = [f for f in files if not _writer(f)]
    assert not unowned, f"add a Generator for these to tools/outputs.py: {unowned}"
    shared = {f: _writer(f) for f in files if len(_writer(f)) > 1}
    assert not shared, f"files written by more than one generator: {shared}"


@pytest.mark.parametrize("generator", GENERATORS, ids=lambda g: g.name)
def test_generator_is_runnable_as_registered(generator: Generator) -> None:
    assert generator.args[0] == "-m", "generators run as modules: python -m <module> ..."
    assert importlib.util.find_spec(generator.args[1]) is not None, generator.args[1]
    files = _generated_files()
    for pattern in generator.writes:
        assert any(fnmatch(f, pattern) for f in files), f"{pattern} matches no committed file"
    fields = {f for arg in generator.args for _, f, _, _ in string.Formatter().parse(arg) if f}
    assert fields == set(generator.needs), "placeholders and `needs` disagree"
    assert set(generator.needs) <= set(UPSTREAM)
