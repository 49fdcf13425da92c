"""Instruction count of the runtime under callgrind: unlike wall time, it does not move with the
load of a shared machine, so it shows what a change to the runtime costs.

Run from the repository root (needs valgrind: ``apt-get install -y valgrind``)::

    .venv/bin/python -m tests.metalsim.runtime.bench_instructions [--runtime-dir DIR]

Builds ``native/count_driver.cpp`` (one worker, so every run executes the same instructions), the
test kernels it launches and the runtime's translation units (``launch.runtime_translation_units``;
with ``--runtime-dir``, those of another runtime tree, e.g. a checkout of main, to compare) into one
program with the toolchain's clang at ``-O2``, runs it under ``valgrind --tool=callgrind`` and
prints the total count of executed instructions (``Ir``) with the command that built it.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import tempfile
from pathlib import Path

from metalsim import toolchain
from metalsim.launch import runtime_translation_units

HERE = Path(__file__).resolve().parent
INCLUDE = HERE.parents[2] / "src" / "metalsim" / "include"
KERNELS = [HERE / "kernels" / "basic.cpp", HERE / "kernels" / "collectives.cpp"]
FLAGS = ("-std=c++17", "-O2", "-pthread", "-fno-exceptions", "-fno-rtti")


def build(out: Path, runtime_dir: Path | None = None) -> list[str]:
    """Compile the driver, the kernels and the runtime into ``out``; returns the command."""
    units = runtime_translation_units(runtime_dir)
    include_dir = units[0].parent
    cmd = [
        *toolchain.find_toolchain().cxx, *FLAGS,
        "-I", str(include_dir), "-I", str(INCLUDE), "-I", str(HERE / "kernels"),
        str(HERE / "native" / "count_driver.cpp"), *map(str, units), *map(str, KERNELS),
        "-lm", "-o", str(out),
    ]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"building the driver failed:\n{proc.stderr[-3000:]}")
    return cmd


def count(exe: Path) -> int:
    """Instructions executed by ``exe`` under callgrind (its result checked)."""
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={tmp}/callgrind.out", str(exe)],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    if proc.returncode != 0 or "ALL OK" not in proc.stdout:
        raise RuntimeError(f"the driver failed:\n{proc.stdout}\n{proc.stderr[-3000:]}")
    match = re.search(r"Collected : (\d+)", proc.stderr)
    if match is None:
        raise RuntimeError(f"no instruction count in callgrind's output:\n{proc.stderr[-3000:]}")
    return int(match.group(1))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runtime-dir", type=Path, help="runtime sources to measure instead")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        exe = Path(tmp) / "count_driver"
        cmd = build(exe, args.runtime_dir)
        print(" ".join(cmd))
        print(f"instructions (callgrind Ir): {count(exe):,}")


if __name__ == "__main__":
    main()
