"""The aarch64 context switch, exercised for real: runtime + test kernels + a C++ driver built as a
static Linux aarch64 executable with the ziglang wheel's clang, run under qemu-user.

Skipped when qemu-aarch64 (Debian: qemu-user) or the ziglang wheel is missing. This covers Linux
aarch64 only; the macOS arm64 variant of the switch (underscore-prefixed symbols) is just
compiled here (test_macos_objects_compile).
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from metalsim.launch import runtime_translation_units

HERE = Path(__file__).resolve().parent
SRC = HERE.parents[2] / "src" / "metalsim"
ZIG = [sys.executable, "-m", "ziglang", "c++"]

needs_zig = pytest.mark.skipif(
    importlib.util.find_spec("ziglang") is None, reason="ziglang wheel not installed"
)


def zig_build(target: str, out: Path, *extra: str) -> None:
    cmd = [
        *ZIG, "-target", target, "-std=c++20", "-O2", "-fno-exceptions",
        "-I", str(SRC / "runtime"), "-I", str(SRC / "include"), "-I", str(HERE / "kernels"),
        *extra, "-o", str(out),
    ]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]


@needs_zig
@pytest.mark.slow  # cold: zig builds musl for aarch64 first (about 1 min); cached afterwards
def test_aarch64_linux_under_qemu(tmp_path: Path) -> None:
    qemu = shutil.which("qemu-aarch64")
    if qemu is None:
        pytest.skip("qemu-aarch64 not installed (Debian: apt-get install qemu-user)")
    exe = tmp_path / "driver-aarch64"
    sources = [
        HERE / "native" / "driver.cpp",
        *runtime_translation_units(),
        HERE / "kernels" / "basic.cpp",
        HERE / "kernels" / "collectives.cpp",
    ]
    zig_build("aarch64-linux-musl", exe, "-static", *map(str, sources))
    proc = subprocess.run([qemu, str(exe)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "ALL OK (metalsim_rt 1 asm-aarch64)" in proc.stdout


@needs_zig
@pytest.mark.parametrize("target", ["aarch64-macos", "x86_64-macos"])
def test_macos_objects_compile(tmp_path: Path, target: str) -> None:
    for source in runtime_translation_units():
        zig_build(target, tmp_path / f"{source.name}.o", "-c", "-fPIC", str(source))
