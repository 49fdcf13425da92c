"""Thread-local arrays: a 4-bin histogram per row (606, "Stack access").

Each thread counts the values of one row into four bins: [0, 0.25), [0.25, 0.5), [0.5, 0.75)
and [0.75, 1], values outside [0, 1] clamped into the end bins.
"""

# --8<-- [start:kernels]
import functools
from collections.abc import Callable

import mlx.core as mx

from metal_guide.wwdc16_optimization.validation import check_float_array

# Before: `bins[b]` with b known only at run time: the array cannot stay in
# registers, so it goes to the per-thread stack in memory.
DYNAMIC_INDEX = """
    uint row = thread_position_in_grid.x;
    uint cols = uint(x_shape[1]);
    uint bins[4] = {0, 0, 0, 0};
    for (uint c = 0; c < cols; ++c) {
        float v = float(x[row * cols + c]);
        int b = metal::clamp(int(metal::floor(v * 4.0f)), 0, 3);
        bins[b] += 1;
    }
    for (uint k = 0; k < 4; ++k) {
        out[row * 4 + k] = bins[k];
    }
"""

# After: every index is a counter of a loop with constant bounds, which the
# compiler unrolls; the four counters become four registers.
CONSTANT_INDEX = """
    uint row = thread_position_in_grid.x;
    uint cols = uint(x_shape[1]);
    uint bins[4] = {0, 0, 0, 0};
    for (uint c = 0; c < cols; ++c) {
        float v = float(x[row * cols + c]);
        int b = metal::clamp(int(metal::floor(v * 4.0f)), 0, 3);
        for (int k = 0; k < 4; ++k) {
            bins[k] += (b == k) ? 1u : 0u;
        }
    }
    for (uint k = 0; k < 4; ++k) {
        out[row * 4 + k] = bins[k];
    }
"""


@functools.cache
def histogram_kernel(variant: str) -> Callable[..., list[mx.array]]:
    source = {"dynamic": DYNAMIC_INDEX, "constant": CONSTANT_INDEX}[variant]
    # metalsim-lint: disable=stack-array-dynamic-index -- the "before" half of the pair
    return mx.fast.metal_kernel(
        name=f"wwdc16_histogram_{variant}", input_names=["x"], output_names=["out"],
        source=source,
    )


def row_histogram(x: mx.array, variant: str = "constant") -> mx.array:
    """Counts (rows, 4), uint32, of each row's values in four bins of width 0.25."""
    check_float_array("row_histogram", "x", x, ndim=2)
    return histogram_kernel(variant)(
        inputs=[x], grid=(x.shape[0], 1, 1), threadgroup=(64, 1, 1),
        output_shapes=[(x.shape[0], 4)], output_dtypes=[mx.uint32],
    )[0]
# --8<-- [end:kernels]


# --8<-- [start:reference]
def row_histogram_reference(x: mx.array) -> mx.array:
    b = mx.clip(mx.floor(x.astype(mx.float32) * 4.0), 0, 3).astype(mx.int32)
    return (b[..., None] == mx.arange(4)).sum(axis=1).astype(mx.uint32)
# --8<-- [end:reference]
