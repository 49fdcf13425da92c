"""Measure metalsim against the targets of its design (compile, launch, throughput).

Usage::

    python -m tools.benchmark_metalsim
        [--markdown src/metal_guide/testing_on_linux/_output/benchmark.md]

``make outputs`` runs it with that path (the table shown on the "Testing on Linux" page).

Targets (from the project's emulator issue):

* cold compile of one kernel <= 0.5 s (empty cache directory, precompiled header built once);
* overhead of launching an already compiled kernel <= 5 ms;
* a 1M-thread elementwise kernel within 10x of the same operation done by MLX's CPU back-end
  in the same run;
* a 1M-thread barrier-heavy reduction (256-thread threadgroups, tree sum) <= 1 s.

Every figure printed comes from this run on this machine; the report says which machine.
Timings describe the emulator on a CPU and say nothing about speed on a GPU.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

N = 1 << 20

EXP_SOURCE = """
    uint i = thread_position_in_grid.x;
    out[i] = metal::exp(inp[i]) * 0.5f;
"""

TREE_SUM_SOURCE = """
    threadgroup float partial[256];
    uint lid = thread_position_in_threadgroup.x;
    uint gid = thread_position_in_grid.x;
    partial[lid] = inp[gid];
    threadgroup_barrier(mem_flags::mem_threadgroup);
    for (uint stride = 128; stride > 0; stride >>= 1) {
        if (lid < stride) {
            partial[lid] += partial[lid + stride];
        }
        threadgroup_barrier(mem_flags::mem_threadgroup);
    }
    if (lid == 0) {
        out[threadgroup_position_in_grid.x] = partial[0];
    }
"""


def best_of(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, {cpu}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--markdown", type=Path, help="also write the table here")
    args = parser.parse_args(argv)

    # A fresh cache so the cold-compile figure is really cold (the precompiled header is
    # part of the cache and is rebuilt once, timed separately).
    cache = tempfile.mkdtemp(prefix="metalsim-bench-")
    os.environ["METALSIM_CACHE_DIR"] = cache

    import mlx.core as mx

    import metalsim

    rows: list[tuple[str, str, str, bool]] = []

    def exp_kernel(name: str):
        return metalsim.metal_kernel(
            name=name, input_names=["inp"], output_names=["out"], source=EXP_SOURCE
        )

    x = mx.random.normal((N,))
    mx.eval(x)

    def call_exp(kernel, arr):
        return kernel(
            inputs=[arr],
            grid=(arr.size, 1, 1),
            threadgroup=(256, 1, 1),
            output_shapes=[arr.shape],
            output_dtypes=[arr.dtype],
        )[0]

    small = mx.ones((32,))
    # First compile also builds the precompiled header and the runtime library.
    start = time.perf_counter()
    mx.eval(call_exp(exp_kernel("bench_warmup"), small))
    first = time.perf_counter() - start
    rows.append(
        ("first kernel in an empty cache (builds runtime + PCH)", f"{first:.2f} s", "-", True)
    )

    colds = []
    for i in range(3):
        kernel = metalsim.metal_kernel(
            name=f"bench_cold_{i}",
            input_names=["inp"],
            output_names=["out"],
            source=EXP_SOURCE + f"// variant {i}\n",
        )
        start = time.perf_counter()
        mx.eval(call_exp(kernel, small))
        colds.append(time.perf_counter() - start)
    cold = statistics.median(colds)
    rows.append(
        (
            "cold compile + first launch, one kernel (median of 3)",
            f"{cold:.3f} s",
            "<= 0.5 s",
            cold <= 0.5,
        )
    )

    kernel = exp_kernel("bench_launch")
    mx.eval(call_exp(kernel, small))
    launch = best_of(lambda: mx.eval(call_exp(kernel, small)), 50)
    rows.append(
        (
            "launch of a cached kernel, 32 threads (best of 50)",
            f"{launch * 1e3:.2f} ms",
            "<= 5 ms",
            launch <= 5e-3,
        )
    )

    kernel = exp_kernel("bench_exp")
    mx.eval(call_exp(kernel, x))
    emulated = best_of(lambda: mx.eval(call_exp(kernel, x)), 5)
    native = best_of(lambda: mx.eval(mx.exp(x) * 0.5), 5)
    ratio = emulated / native
    rows.append((f"elementwise exp, {N} threads (best of 5)", f"{emulated * 1e3:.1f} ms", "", True))
    rows.append(("same op with MLX's CPU back-end (best of 5)", f"{native * 1e3:.1f} ms", "", True))
    rows.append(("ratio emulated / MLX CPU", f"{ratio:.1f}x", "<= 10x", ratio <= 10))

    tree = metalsim.metal_kernel(
        name="bench_tree_sum", input_names=["inp"], output_names=["out"], source=TREE_SUM_SOURCE
    )

    def call_tree():
        return tree(
            inputs=[x],
            grid=(N, 1, 1),
            threadgroup=(256, 1, 1),
            output_shapes=[(N // 256,)],
            output_dtypes=[mx.float32],
        )[0]

    sums = call_tree()
    mx.eval(sums)
    assert mx.allclose(sums.sum(), x.sum(), rtol=1e-3, atol=1e-2).item(), "tree sum is wrong"
    reduction = best_of(lambda: mx.eval(call_tree()), 3)
    rows.append(
        (
            f"tree-sum reduction, {N} threads, 9 barriers each (best of 3)",
            f"{reduction:.3f} s",
            "<= 1 s",
            reduction <= 1.0,
        )
    )

    toolchain = getattr(metalsim, "toolchain_description", lambda: "")()
    header = [
        f"Measured by `tools/benchmark_metalsim.py` on {machine()}, "
        f"Python {platform.python_version()}, MLX {mx.__version__}, "
        f"metalsim {getattr(metalsim, '__version__', '?')}"
        + (f", compiler {toolchain}" if toolchain else "")
        + ".",
        "",
        "| measurement | result | target | met |",
        "|---|---|---|---|",
    ]
    lines = header + [f"| {a} | {b} | {c} | {'yes' if ok else 'NO'} |" for a, b, c, ok in rows]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.markdown:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
