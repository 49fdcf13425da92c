"""Emulated speed of the kernel library under metalsim (not a test: timings vary with load).

Usage::

    python tools/benchmark_kernels.py [--size 512] [--repeats 3]

Target (issue 8): the 512x512x512 float32 tiled GEMM (`metal_guide.kernels.matmul`) runs through
metalsim in <= 3 s on the project's 2-core Linux machine. The first call compiles the kernel and
is reported separately; the figure that counts is the median of the following calls, each
including the check against MLX's own matmul. Timings describe a CPU emulation, not a GPU.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import mlx.core as mx

import metalsim
from metal_guide.kernels.matmul import matmul, matmul_reference

TARGET_SECONDS = 3.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    n = args.size
    a = mx.random.normal((n, n))
    b = mx.random.normal((n, n))
    mx.eval(a, b)
    times = []
    with metalsim.installed():
        for _ in range(args.repeats + 1):
            start = time.perf_counter()
            c = matmul(a, b)
            mx.eval(c)
            times.append(time.perf_counter() - start)
    error = mx.abs(c - matmul_reference(a, b)).max().item()
    median = statistics.median(times[1:])
    print(f"machine: {platform.machine()} {platform.system()}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}; MLX {mx.__version__}; metalsim (emulated)")
    print(f"{n}x{n}x{n} float32 tiled GEMM: first call (with compile) {times[0]:.2f} s, "
          f"median of {args.repeats} later calls {median:.2f} s "
          f"(target <= {TARGET_SECONDS:.0f} s), max abs error vs MLX {error:.2e}")
    return 0 if median <= TARGET_SECONDS else 1


if __name__ == "__main__":
    raise SystemExit(main())
