"""Quick start: time a kernel against pure MLX and ``mx.compile``, the same way for each.

MLX is lazy: a call only records work, and ``mx.eval`` runs it. So every timed call is
wrapped in ``mx.eval``, the first calls (which include compiling the kernel) are discarded,
and the median of several runs is reported.
"""

# --8<-- [start:measure]
import statistics
import time
from collections.abc import Callable

import mlx.core as mx


def measure(fn: Callable[[], mx.array], *, warmup: int = 3, runs: int = 20) -> float:
    """Median wall time of `mx.eval(fn())`, in milliseconds, after `warmup` calls."""
    for _ in range(warmup):  # the first call also compiles the kernel
        mx.eval(fn())
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        mx.eval(fn())  # without eval, only the graph would be timed
        times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)
# --8<-- [end:measure]


if __name__ == "__main__":
    from metal_guide.quick_start.first_kernel import swiglu_first

    # --8<-- [start:compare]
    # On a Mac time a realistic size. Under metalsim the kernel is emulated on the
    # CPU and its time means nothing, so keep the run short there.
    rows = 4096 if mx.metal.is_available() else 16
    gate = mx.random.normal((rows, 4096)).astype(mx.float16)
    up = mx.random.normal((rows, 4096)).astype(mx.float16)
    compiled = mx.compile(lambda g, u: g * mx.sigmoid(g) * u)

    candidates = {
        "kernel": lambda: swiglu_first(gate, up),
        "pure MLX": lambda: gate * mx.sigmoid(gate) * up,
        "mx.compile": lambda: compiled(gate, up),
    }
    where = mx.device_info().get("device_name", "?") if mx.metal.is_available() else (
        "CPU, kernel EMULATED by metalsim: these times say nothing about a GPU"
    )
    print(f"{rows} x 4096 float16 on {where}")
    for label, fn in candidates.items():
        print(f"{label:>10}: {measure(fn):8.3f} ms")
    # --8<-- [end:compare]
