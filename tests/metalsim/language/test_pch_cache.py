"""The precompiled-header cache survives what happens to checkouts: a clone at a new path, and
a re-checkout that rewrites the headers with new mtimes but the same content.

Both broke real runs: a PCH keyed without the include directory pointed at a deleted clone
("could not find file ... referenced by AST file"), and a PCH with timestamps was rejected after
a fresh checkout of the same content ("has been modified since the precompiled header").
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from metalsim import compiler, preamble, toolchain

METALSIM_SRC = preamble.INCLUDE_DIR.parent


@pytest.fixture
def private_cache(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("METALSIM_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path


def _checkout(root: Path, name: str) -> Path:
    """Copies of metalsim's include and runtime trees (the headers include the runtime's),
    standing for another checkout."""
    for tree in ("include", "runtime"):
        shutil.copytree(METALSIM_SRC / tree, root / name / tree)
    return root / name / "include"


def _syntax_check_with(pch: Path, header: Path, root: Path) -> subprocess.CompletedProcess[str]:
    tc = toolchain.find_toolchain()
    tu = root / "tu.cpp"
    tu.write_text("static float twice(float x) { return 2.0f * x; }\n")
    # zig's driver cannot do -fsyntax-only (it expects an object back), so it compiles one.
    check = ["-c", str(tu), "-o", str(root / "tu.o")] if tc.kind == "zig" else [
        "-fsyntax-only", str(tu)]  # fmt: skip
    cmd = [*tc.cxx, *tc.compile_flags(), *preamble.include_flags(),
           "-include-pch", str(pch), "-include", str(header), *check]  # fmt: skip
    return subprocess.run(cmd, capture_output=True, text=True, check=False)


def test_a_clone_at_another_path_gets_its_own_pch(private_cache, monkeypatch) -> None:
    first = _checkout(private_cache, "clone-a")
    monkeypatch.setattr(preamble, "INCLUDE_DIR", first)
    header_a, pch_a = compiler._pch(toolchain.find_toolchain(), "safe")
    assert pch_a is not None
    shutil.rmtree(first.parent)  # the first clone is deleted

    monkeypatch.setattr(preamble, "INCLUDE_DIR", _checkout(private_cache, "clone-b"))
    header_b, pch_b = compiler._pch(toolchain.find_toolchain(), "safe")
    assert pch_b is not None and pch_b != pch_a
    res = _syntax_check_with(pch_b, header_b, private_cache)
    assert res.returncode == 0, res.stderr


def test_new_mtimes_with_the_same_content_keep_the_pch_valid(private_cache, monkeypatch) -> None:
    include = _checkout(private_cache, "clone")
    monkeypatch.setattr(preamble, "INCLUDE_DIR", include)
    header, pch = compiler._pch(toolchain.find_toolchain(), "safe")
    assert pch is not None
    later = time.time() + 3600
    for f in include.rglob("*"):
        os.utime(f, (later, later))  # what `git clone` / `git checkout` does to every header
    res = _syntax_check_with(pch, header, private_cache)
    assert res.returncode == 0, res.stderr
