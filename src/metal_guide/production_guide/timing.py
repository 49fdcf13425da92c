"""Production guide: time a library kernel against the MLX built-in and `mx.compile`.

Timings only mean something on Apple hardware with Metal. Under metalsim on Linux this file still
runs (its test uses a small size), but the numbers describe a CPU emulation and are not printed
on the site.
"""

# --8<-- [start:timer]
import statistics
import time
from collections.abc import Callable

import mlx.core as mx


def median_ms(fn: Callable[..., mx.array], *args: mx.array, warmup: int = 3,
              iters: int = 20) -> float:
    """Median wall time of `fn(*args)` in milliseconds, evaluated each time.

    MLX is lazy: without `mx.eval` the loop would time graph building, not the kernel.
    Warm-up calls pay for compilation (the Metal JIT, `mx.compile`'s trace) up front.
    """
    for _ in range(warmup):
        mx.eval(fn(*args))
    times = []
    for _ in range(iters):
        start = time.perf_counter()
        mx.eval(fn(*args))
        times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)
# --8<-- [end:timer]


# --8<-- [start:compare]
from metal_guide.kernels.rms_norm import rms_norm, rms_norm_reference  # noqa: E402


def compare_rms_norm(
    rows: int, n: int, dtype: mx.Dtype = mx.float16
) -> dict[str, float]:
    """Milliseconds for our kernel, MLX's fused built-in and the compiled reference."""
    x = mx.random.normal((rows, n)).astype(dtype)
    w = mx.ones((n,), dtype=dtype)
    candidates = {
        "metal_guide.kernels.rms_norm": lambda: rms_norm(x, w, 1e-5),
        "mx.fast.rms_norm (built-in)": lambda: mx.fast.rms_norm(x, w, 1e-5),
        "mx.compile(reference)": mx.compile(lambda: rms_norm_reference(x, w, 1e-5)),
        "reference (uncompiled)": lambda: rms_norm_reference(x, w, 1e-5),
    }
    return {name: median_ms(fn) for name, fn in candidates.items()}
# --8<-- [end:compare]


if __name__ == "__main__":
    # --8<-- [start:run]
    if mx.metal.is_available():
        for name, ms in compare_rms_norm(rows=4096, n=4096).items():
            print(f"{name:32s} {ms:8.3f} ms")
    else:
        print("No Metal device: run this on your Mac (emulated timings mean nothing).")
    # --8<-- [end:run]
