"""The compile cache's hash covers every file that can change a compiled kernel, and its keys do
not depend on where the checkout or the venv lives."""

from __future__ import annotations

import dataclasses
import shutil
import sys
from pathlib import Path

import pytest

from metalsim import compiler, toolchain

PACKAGE = compiler.PACKAGE_DIR


def test_every_loaded_language_module_is_a_compile_input() -> None:
    # Derived independently of compile_inputs(): what Python actually loaded for the compiler.
    import metalsim.compiler  # noqa: F401  (the import is the point)

    inputs = set(compiler.compile_inputs())
    loaded = {
        Path(m.__file__).resolve()
        for name, m in list(sys.modules.items())
        if name.startswith("metalsim.language") and getattr(m, "__file__", None)
    }
    assert loaded, "no module of metalsim.language is loaded"
    assert loaded <= {p.resolve() for p in inputs}, loaded - {p.resolve() for p in inputs}


def test_headers_and_preamble_are_compile_inputs() -> None:
    inputs = set(compiler.compile_inputs())
    for p in (PACKAGE / "include").rglob("*"):
        if p.is_file():
            assert p in inputs, p
    for p in (PACKAGE / "runtime").glob("*.h"):
        assert p in inputs, p
    assert PACKAGE / "preamble.py" in inputs
    assert PACKAGE / "compiler.py" in inputs


@pytest.fixture
def package_copy(tmp_path, monkeypatch) -> Path:
    copy = tmp_path / "metalsim"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.so"))
    monkeypatch.setattr(compiler, "PACKAGE_DIR", copy)
    return copy


def test_a_new_language_module_is_covered_and_changes_the_hash(package_copy) -> None:
    tree_hash = compiler._tree_hash.__wrapped__  # uncached
    before = tree_hash()
    planted = package_copy / "language" / "planted_module.py"
    planted.write_text("X = 1\n")
    assert planted in compiler.compile_inputs()
    with_module = tree_hash()
    assert with_module != before
    planted.write_text("X = 2\n")
    assert tree_hash() != with_module


def test_the_hash_does_not_depend_on_the_checkout_path(package_copy, monkeypatch) -> None:
    tree_hash = compiler._tree_hash.__wrapped__
    in_copy = tree_hash()
    monkeypatch.setattr(compiler, "PACKAGE_DIR", PACKAGE)
    assert tree_hash() == in_copy


def test_the_kernel_key_names_the_compiler_without_its_directory() -> None:
    tc = toolchain.find_toolchain()
    exe = Path(tc.cxx[0])
    moved = str(Path("/another/venv/bin") / exe.name)
    elsewhere = dataclasses.replace(tc, cxx=[moved, *tc.cxx[1:]])
    assert compiler.toolchain_key(elsewhere) == compiler.toolchain_key(tc)
    other_version = dataclasses.replace(tc, version_string=tc.version_string + " (patched)")
    assert compiler.toolchain_key(other_version) != compiler.toolchain_key(tc)
