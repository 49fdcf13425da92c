"""Quick start: a first custom Metal kernel for MLX, checked and timed.

The kernel fuses SwiGLU's gate, ``out = silu(gate) * up`` with
``silu(x) = x * sigmoid(x)``, into one pass over memory. Pure MLX computes the same
thing as ``gate * mx.sigmoid(gate) * up``, the reference it is checked and timed
against.

Run it on a Mac with ``python first_kernel.py``; on Linux with
``python -m metalsim run first_kernel.py`` (the kernel is then emulated on the CPU).
"""

# --8<-- [start:build]
import functools
import statistics
import time
from collections.abc import Callable

import mlx.core as mx

# Only the body of the kernel: MLX writes the function around it. The names
# match input_names and output_names; T is a type chosen at each call.
SWIGLU_SOURCE = """
    uint i = thread_position_in_grid.x;
    float g = float(gate[i]);
    float u = float(up[i]);
    out[i] = T(g / (1.0f + metal::exp(-g)) * u);
"""


@functools.cache
def swiglu_kernel() -> Callable[..., list[mx.array]]:
    """Build the kernel on first use; every later call returns the same object."""
    return mx.fast.metal_kernel(
        name="quick_start_swiglu",
        input_names=["gate", "up"],
        output_names=["out"],
        source=SWIGLU_SOURCE,
    )


# --8<-- [end:build]


# --8<-- [start:call]
def swiglu_first(gate: mx.array, up: mx.array) -> mx.array:
    """silu(gate) * up for two arrays of one shape and float dtype, ndim >= 1."""
    (out,) = swiglu_kernel()(
        inputs=[gate, up],
        template=[("T", gate.dtype)],
        grid=(gate.size, 1, 1),  # (1)!
        threadgroup=(256, 1, 1),
        output_shapes=[gate.shape],
        output_dtypes=[gate.dtype],
    )
    return out


# --8<-- [end:call]


# --8<-- [start:measure]
def measure(fn: Callable[[], mx.array], *, warmup: int = 3, runs: int = 20) -> float:
    """Median wall time of `mx.eval(fn())`, in milliseconds, after `warmup` calls."""
    for _ in range(warmup):  # the first call also compiles the kernel
        mx.eval(fn())
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        mx.eval(fn())  # MLX is lazy: without eval only the graph would be timed
        times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)


# --8<-- [end:measure]


if __name__ == "__main__":
    # --8<-- [start:check]
    gate = mx.random.normal((1000,), key=mx.random.key(0))
    up = mx.random.normal((1000,), key=mx.random.key(1))

    result = swiglu_first(gate, up)
    expected = gate * mx.sigmoid(gate) * up  # the pure-MLX reference
    print(result.shape, result.dtype)
    print(
        "matches the reference:",
        mx.allclose(result, expected, rtol=1e-5, atol=1e-6).item(),
    )
    # --8<-- [end:check]

    # --8<-- [start:compare]
    # On a Mac, time a realistic size. Under metalsim the kernel is emulated on the
    # CPU and its time means nothing, so keep that run short.
    rows = 4096 if mx.metal.is_available() else 16
    gate = mx.random.normal((rows, 4096)).astype(mx.float16)
    up = mx.random.normal((rows, 4096)).astype(mx.float16)
    compiled = mx.compile(lambda g, u: g * mx.sigmoid(g) * u)

    if mx.metal.is_available():
        print(f"{rows} x 4096 float16 on {mx.device_info()['device_name']}")
    else:
        print("EMULATED on the CPU: these times say nothing about a GPU")
    print(f"    kernel: {measure(lambda: swiglu_first(gate, up)):8.3f} ms")
    print(f"  pure MLX: {measure(lambda: gate * mx.sigmoid(gate) * up):8.3f} ms")
    print(f"mx.compile: {measure(lambda: compiled(gate, up)):8.3f} ms")
    # --8<-- [end:compare]
