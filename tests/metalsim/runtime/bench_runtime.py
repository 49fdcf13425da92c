"""Micro-benchmark of the runtime alone (hand-written kernels, no MLX layer, no compiler).

Run: ``.venv/bin/python -m tests.metalsim.runtime.bench_runtime`` from the repository root.
Prints wall time and CPU time; on a shared machine prefer the CPU figures.
"""

from __future__ import annotations

import resource
import time

import numpy as np

from metalsim.launch import LaunchOptions, launch, runtime_info

from .conftest import Kernel, build_kernels


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main() -> None:
    so = build_kernels()
    print(runtime_info())
    n = 1 << 20
    x = np.random.default_rng(0).random(n, dtype=np.float32)
    out = np.zeros(n // 256, np.float32)
    for workers in (1, 2):
        for schedule in ("forward", "reverse", "random"):
            walls, cpus = [], []
            for _ in range(5):
                t, c = time.perf_counter(), cpu()
                launch(Kernel(so, "k_tree"), [x, out], (n, 1, 1), (256, 1, 1),
                       LaunchOptions(schedule=schedule, workers=workers))  # fmt: skip
                walls.append(time.perf_counter() - t)
                cpus.append(cpu() - c)
            label = f"tree sum 1M threads, 256/group, 9 barriers, {workers} worker(s), {schedule}"
            wall, used = min(walls) * 1e3, min(cpus) * 1e3
            print(f"{label}: wall min {wall:.0f} ms, cpu min {used:.0f} ms")
    m = 1 << 18
    float_out = np.zeros((m, 38), np.float32)
    uint_out = np.zeros((m, 23), np.uint32)
    args = [x[:m], np.zeros(m, np.int32), np.array([0], np.uint32), float_out, uint_out]
    t = time.perf_counter()
    launch(Kernel(so, "k_collectives"), args, (m, 1, 1), (256, 1, 1), LaunchOptions(workers=2))
    print(f"256K threads x 61 SIMD/quad calls, 2 workers: {(time.perf_counter() - t) * 1e3:.0f} ms")
    small = np.zeros(38 * 32, np.uint32)
    for fibers in (False, True):
        k = Kernel(so, "k_attrs", fibers)
        launch(k, [small], (32, 1, 1), (32, 1, 1))
        ts = []
        for _ in range(200):
            t = time.perf_counter()
            launch(k, [small], (32, 1, 1), (32, 1, 1))
            ts.append(time.perf_counter() - t)
        ts.sort()
        print(f"launch of a cached kernel, 32 threads, fibers={fibers}: median "
              f"{ts[100] * 1e6:.0f} us")  # fmt: skip


if __name__ == "__main__":
    main()
