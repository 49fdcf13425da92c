"""Wide loads: four scalar loads per thread, then one 4-wide vector load (606, "Loads and
stores"), for out = 2x + 1."""

# --8<-- [start:kernels]
import functools
from collections.abc import Callable

import mlx.core as mx

from metal_guide.wwdc16_optimization.validation import check_float_array

# Before: each thread reads its four neighbouring elements one at a time.
FOUR_SCALAR_LOADS = """
    uint base = 4 * thread_position_in_grid.x;
    for (uint k = 0; k < 4; ++k) {
        uint i = base + k;
        if (i < size) {
            out[i] = T(float(x[i]) * 2.0f + 1.0f);
        }
    }
"""

# After: one vec<T, 4> load and one store per thread. A vector pointer needs an
# address aligned to the vector's size: fine for arrays MLX allocates, which
# start at the buffer's start. The last, partial group of four stays scalar.
ONE_VECTOR_LOAD = """
    uint t = thread_position_in_grid.x;
    uint base = 4 * t;
    if (base + 4 <= size) {
        vec<T, 4> v = reinterpret_cast<const device vec<T, 4>*>(x)[t];
        float4 r = float4(v) * 2.0f + 1.0f;
        reinterpret_cast<device vec<T, 4>*>(out)[t] = vec<T, 4>(r);
    } else {
        for (uint i = base; i < size; ++i) {
            out[i] = T(float(x[i]) * 2.0f + 1.0f);
        }
    }
"""


@functools.cache
def axpb_kernel(variant: str) -> Callable[..., list[mx.array]]:
    source = {"scalar": FOUR_SCALAR_LOADS, "vector": ONE_VECTOR_LOAD}[variant]
    return mx.fast.metal_kernel(
        name=f"wwdc16_axpb_{variant}", input_names=["x", "size"], output_names=["out"],
        source=source,
    )


def two_x_plus_one(x: mx.array, variant: str = "vector") -> mx.array:
    """2 * x + 1, four elements per thread (x must start at its buffer's start)."""
    check_float_array("two_x_plus_one", "x", x, max_elements=2**32 - 4)
    threads = -(-x.size // 4)
    return axpb_kernel(variant)(
        inputs=[x, mx.array(x.size, dtype=mx.uint32)], template=[("T", x.dtype)],
        grid=(threads, 1, 1), threadgroup=(256, 1, 1),
        output_shapes=[x.shape], output_dtypes=[x.dtype],
    )[0]
# --8<-- [end:kernels]


# --8<-- [start:reference]
def two_x_plus_one_reference(x: mx.array) -> mx.array:
    return (2.0 * x.astype(mx.float32) + 1.0).astype(x.dtype)
# --8<-- [end:reference]
