"""Fixtures for the runtime-layer tests: hand-written C++ kernels compiled once per session."""

from __future__ import annotations

import hashlib
import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from metalsim import toolchain
from metalsim.config import cache_root
from metalsim.launch import LaunchOptions, launch

HERE = Path(__file__).resolve().parent
KERNEL_DIR = HERE / "kernels"
SRC = HERE.parents[2] / "src" / "metalsim"
INCLUDE = SRC / "include"
HEADERS = [
    INCLUDE / "metalsim" / "metal_sync.h",
    INCLUDE / "metalsim" / "metal_simdgroup.h",
    INCLUDE / "metalsim" / "metal_atomic.h",
    SRC / "runtime" / "metalsim_rt.h",
]


@dataclass(frozen=True)
class Kernel:
    """Stands in for metalsim.interfaces.CompiledKernel."""

    path: Path
    entry_symbol: str
    uses_sync: bool = True


def build_kernels(sanitize: bool = False) -> Path:
    """Compile kernels/*.cpp into one shared object, cached by content + compiler + flags."""
    tc = toolchain.find_toolchain(sanitize=sanitize)
    flags = [*tc.flags(optimize="-O1", sanitize=sanitize), "-g", "-I", str(INCLUDE)]
    sources = sorted(KERNEL_DIR.glob("*.cpp"))
    h = hashlib.sha256(tc.identity.encode() + "\0".join(flags).encode())
    for p in [*sources, *sorted(KERNEL_DIR.glob("*.h")), *HEADERS]:
        h.update(p.name.encode() + p.read_bytes())
    out = cache_root() / "tests-runtime" / f"kernels-{h.hexdigest()[:16]}.so"
    if not out.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_suffix(f".{os.getpid()}.tmp")
        proc = subprocess.run(
            [*tc.cxx, *flags, *map(str, sources), "-o", str(tmp)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
        os.replace(tmp, out)
    return out


@pytest.fixture(scope="session")
def kernels_so() -> Path:
    return build_kernels()


Runner = Callable[..., None]


@pytest.fixture(scope="session")
def run(kernels_so: Path) -> Runner:
    """run(name, args, grid, threadgroup, uses_sync=True, **LaunchOptions fields)."""

    def _run(
        name: str,
        args: list[Any],
        grid: tuple[int, int, int],
        threadgroup: tuple[int, int, int],
        uses_sync: bool = True,
        **opts: Any,
    ) -> None:
        launch(Kernel(kernels_so, name, uses_sync), args, grid, threadgroup, LaunchOptions(**opts))

    return _run


def source_line(fragment: str, occurrence: int = 0, file: str = "basic.cpp") -> int:
    """1-based line of the n-th line of kernels/<file> containing fragment."""
    lines = [
        i + 1
        for i, text in enumerate((KERNEL_DIR / file).read_text().splitlines())
        if fragment in text
    ]
    return lines[occurrence]
