"""The runtime library is built from every file of ``runtime/`` and rebuilt when any of them
changes: the runtime is several translation units and one internal header, so a source list or a
cache key that forgot one would link stale code or miss a change."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from metalsim import launch

RUNTIME_DIR = Path(launch.__file__).resolve().parent / "runtime"
FLAGS = ("-O2", "-shared")


def test_every_cpp_and_assembly_file_is_a_translation_unit() -> None:
    on_disk = {p.name for p in RUNTIME_DIR.iterdir() if p.suffix in (".cpp", ".S")}
    assert {p.name for p in launch.runtime_translation_units()} == on_disk
    assert "abi.cpp" in on_disk and "context.cpp" in on_disk  # the listing itself works


@pytest.fixture
def runtime_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    copy = tmp_path / "runtime"
    shutil.copytree(RUNTIME_DIR, copy)
    monkeypatch.setattr(launch, "_RUNTIME_DIR", copy)
    return copy


def test_a_change_to_any_runtime_source_changes_the_cache_key(runtime_copy: Path) -> None:
    sources = launch.runtime_sources()
    assert {p.name for p in sources} >= {"rt_internal.h", "fiber.h", "metalsim_rt.h", "abi.cpp"}
    before = launch._runtime_key("clang", FLAGS)
    for path in sources:
        text = path.read_text()
        path.write_text(text + "\n// planted change\n")
        assert launch._runtime_key("clang", FLAGS) != before, path.name
        path.write_text(text)
    assert launch._runtime_key("clang", FLAGS) == before


def test_a_new_runtime_file_is_compiled_and_changes_the_cache_key(runtime_copy: Path) -> None:
    before = launch._runtime_key("clang", FLAGS)
    planted = runtime_copy / "planted.cpp"
    planted.write_text("// a new translation unit\n")
    assert planted in launch.runtime_translation_units()
    assert launch._runtime_key("clang", FLAGS) != before


def test_compiler_and_flags_change_the_cache_key() -> None:
    key = launch._runtime_key("clang", FLAGS)
    assert launch._runtime_key("zig", FLAGS) != key
    assert launch._runtime_key("clang", (*FLAGS, "-DMETALSIM_USE_UCONTEXT=1")) != key


def test_instruction_count_driver_builds_from_the_translation_units_and_passes(
    tmp_path: Path,
) -> None:
    # bench_instructions.py measures this program under callgrind; here it just runs natively.
    from .bench_instructions import build

    exe = tmp_path / "count_driver"
    cmd = build(exe)
    assert {str(p) for p in launch.runtime_translation_units()} <= set(cmd)
    proc = subprocess.run([str(exe)], capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0 and "ALL OK" in proc.stdout, proc.stdout + proc.stderr
