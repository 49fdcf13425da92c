"""Integer division and modulo: add a bias per column (606, "Integer divisions").

Each thread handles N neighbouring elements of a row-major (rows, cols) array and needs the
column of each one.
"""

# --8<-- [start:kernels]
import functools
from collections.abc import Callable

import mlx.core as mx

from metal_guide.wwdc16_optimization.validation import check_float_array

ELEMENTS_PER_THREAD = 4

# Before: a modulo by `cols`, a run-time value, on every iteration.
MODULO_IN_LOOP = """
    uint base = thread_position_in_grid.x * N;
    for (uint k = 0; k < N; ++k) {
        uint i = base + k;
        if (i < size) {
            out[i] = T(float(x[i]) + float(bias[i % cols]));
        }
    }
"""

# After: one modulo per thread, before the loop; then the column just steps.
STEPPED_COLUMN = """
    uint base = thread_position_in_grid.x * N;
    uint col = base % cols;
    for (uint k = 0; k < N; ++k) {
        uint i = base + k;
        if (i < size) {
            out[i] = T(float(x[i]) + float(bias[col]));
        }
        col = (col + 1 == cols) ? 0 : col + 1;
    }
"""


@functools.cache
def bias_kernel(variant: str) -> Callable[..., list[mx.array]]:
    source = {"modulo": MODULO_IN_LOOP, "stepped": STEPPED_COLUMN}[variant]
    # metalsim-lint: disable=runtime-integer-division -- the "before" half of the pair
    return mx.fast.metal_kernel(
        name=f"wwdc16_bias_{variant}", input_names=["x", "bias", "size", "cols"],
        output_names=["out"], source=source,
    )


def add_column_bias(x: mx.array, bias: mx.array, variant: str = "stepped") -> mx.array:
    """x + bias, with bias (cols,) broadcast over the rows of x (rows, cols)."""
    check_float_array("add_column_bias", "x", x, ndim=2, max_elements=2**32 - 4)
    check_float_array("add_column_bias", "bias", bias, ndim=1)
    if bias.shape[0] != x.shape[1]:
        raise ValueError(f"add_column_bias: `bias` has {bias.shape[0]} elements; "
                         f"expected {x.shape[1]}, the number of columns of `x`")
    if bias.dtype != x.dtype:
        raise TypeError(f"add_column_bias: dtypes differ: x is {x.dtype}, bias is "
                        f"{bias.dtype}")
    threads = -(-x.size // ELEMENTS_PER_THREAD)
    return bias_kernel(variant)(
        inputs=[x, bias, mx.array(x.size, dtype=mx.uint32),
                mx.array(x.shape[1], dtype=mx.uint32)],
        template=[("T", x.dtype), ("N", ELEMENTS_PER_THREAD)],
        grid=(threads, 1, 1), threadgroup=(256, 1, 1),
        output_shapes=[x.shape], output_dtypes=[x.dtype],
    )[0]
# --8<-- [end:kernels]


# --8<-- [start:reference]
def add_column_bias_reference(x: mx.array, bias: mx.array) -> mx.array:
    return (x.astype(mx.float32) + bias.astype(mx.float32)).astype(x.dtype)
# --8<-- [end:reference]
