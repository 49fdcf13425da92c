"""Work per thread: one element per thread, then four (606, "Compute kernel organization")."""

# --8<-- [start:kernels]
import functools
from collections.abc import Callable

import mlx.core as mx

from metal_guide.wwdc16_optimization.validation import check_float_array

# Before: one thread per element. The grid has exactly x.size threads, so no
# bounds check is needed (MLX launches partial threadgroups at the edge).
ONE_PER_THREAD = """
    uint i = thread_position_in_grid.x;
    float v = float(x[i]);
    out[i] = T(v / (1.0f + metal::exp(-v)));
"""

# After: N elements per thread, one grid apart, so that neighbouring threads
# still read neighbouring addresses on every iteration.
N_PER_THREAD = """
    uint stride = threads_per_grid.x;
    for (uint k = 0; k < N; ++k) {
        uint i = thread_position_in_grid.x + k * stride;
        if (i < size) {
            float v = float(x[i]);
            out[i] = T(v / (1.0f + metal::exp(-v)));
        }
    }
"""
ELEMENTS_PER_THREAD = 4


@functools.cache
def silu_one_kernel() -> Callable[..., list[mx.array]]:
    return mx.fast.metal_kernel(
        name="wwdc16_silu_one", input_names=["x"], output_names=["out"],
        source=ONE_PER_THREAD,
    )


@functools.cache
def silu_n_kernel() -> Callable[..., list[mx.array]]:
    return mx.fast.metal_kernel(
        name="wwdc16_silu_n", input_names=["x", "size"], output_names=["out"],
        source=N_PER_THREAD,
    )


def silu_one_per_thread(x: mx.array) -> mx.array:
    check_float_array("silu_one_per_thread", "x", x)
    return silu_one_kernel()(
        inputs=[x], template=[("T", x.dtype)], grid=(x.size, 1, 1),
        threadgroup=(256, 1, 1), output_shapes=[x.shape], output_dtypes=[x.dtype],
    )[0]


def silu_n_per_thread(x: mx.array) -> mx.array:
    check_float_array("silu_n_per_thread", "x", x)
    threads = -(-x.size // ELEMENTS_PER_THREAD)
    return silu_n_kernel()(
        inputs=[x, mx.array(x.size, dtype=mx.uint32)],
        template=[("T", x.dtype), ("N", ELEMENTS_PER_THREAD)],
        grid=(threads, 1, 1), threadgroup=(256, 1, 1),
        output_shapes=[x.shape], output_dtypes=[x.dtype],
    )[0]
# --8<-- [end:kernels]


# --8<-- [start:reference]
def silu_reference(x: mx.array) -> mx.array:
    """silu(x) = x * sigmoid(x) in float32, rounded once to x's dtype."""
    v = x.astype(mx.float32)
    return (v * mx.sigmoid(v)).astype(x.dtype)
# --8<-- [end:reference]


if __name__ == "__main__":
    x = mx.random.normal((1000,))
    print(mx.abs(silu_n_per_thread(x) - silu_one_per_thread(x)).max())
