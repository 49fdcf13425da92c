"""Sum along the last axis, or over the whole array, accumulating in float32.

`reduce_sum(x, axis=-1)` gives each row one threadgroup. `reduce_sum(x, axis=None)` needs more
than one threadgroup for large arrays, and no barrier orders threadgroups, so it runs in two
dispatches: many threadgroups each write one float32 partial sum, then one threadgroup sums the
partials (the row kernel again). The production guide explains the design and the atomics
alternative; `tests/kernels/test_reduce_sum.py` checks it.
"""

from __future__ import annotations

# --8<-- [start:kernels]
import functools
from collections.abc import Callable

import mlx.core as mx

from metal_guide.kernels.block_reduce import (
    BLOCK_REDUCE_HEADER,
    SIMD_ARGS,
    row_threadgroup_size,
)
from metal_guide.kernels.validation import check_float_array

ROWS_SOURCE = f"""
    threadgroup float scratch[32];
    uint row = threadgroup_position_in_grid.y;
    uint lid = thread_position_in_threadgroup.x;
    uint n = row_length;
    const device T* xrow = x + row * n;  // ensure_row_contiguous: rows are packed
    float acc = 0.0f;
    for (uint i = lid; i < n; i += threads_per_threadgroup.x) {{
        acc += float(xrow[i]);
    }}
    float total = block_sum(acc, scratch, {SIMD_ARGS});
    if (lid == 0) {{
        out[row] = U(total);
    }}
"""

PARTIALS_SOURCE = f"""
    threadgroup float scratch[32];
    uint lid = thread_position_in_threadgroup.x;
    uint n = size;
    // Grid-stride loop: thread g reads g, g + G, g + 2G, ... where G is the whole grid,
    // so neighbouring threads read neighbouring addresses on every step.
    float acc = 0.0f;
    for (uint i = thread_position_in_grid.x; i < n; i += threads_per_grid.x) {{
        acc += float(x[i]);
    }}
    float total = block_sum(acc, scratch, {SIMD_ARGS});
    if (lid == 0) {{
        partials[threadgroup_position_in_grid.x] = total;
    }}
"""


@functools.cache
def reduce_sum_kernel() -> Callable[..., list[mx.array]]:
    """Row sums: one threadgroup per row, input type `T`, output type `U`."""
    return mx.fast.metal_kernel(
        name="mg_reduce_sum_rows",
        input_names=["x", "row_length"],
        output_names=["out"],
        source=ROWS_SOURCE,
        header=BLOCK_REDUCE_HEADER,
    )


@functools.cache
def reduce_sum_partials_kernel() -> Callable[..., list[mx.array]]:
    """First pass of the whole-array sum: one float32 partial sum per threadgroup."""
    return mx.fast.metal_kernel(
        name="mg_reduce_sum_partials",
        input_names=["x", "size"],
        output_names=["partials"],
        source=PARTIALS_SOURCE,
        header=BLOCK_REDUCE_HEADER,
    )
# --8<-- [end:kernels]


# --8<-- [start:launch]
THREADGROUP_SIZE = 256
# Enough threadgroups to keep every GPU core busy (an M-series Max or Ultra has
# 32-80 cores) and few enough that the second pass is a single short row.
MAX_PARTIALS = 1024


def _row_sums(x2d: mx.array, out_dtype: mx.Dtype) -> mx.array:
    rows, n = x2d.shape
    threads = row_threadgroup_size(n, THREADGROUP_SIZE)
    (out,) = reduce_sum_kernel()(
        inputs=[x2d, mx.array(n, dtype=mx.uint32)],
        template=[("T", x2d.dtype), ("U", out_dtype)],
        grid=(threads, rows, 1),
        threadgroup=(threads, 1, 1),
        output_shapes=[(rows,)],
        output_dtypes=[out_dtype],
    )
    return out


def reduce_sum(x: mx.array, axis: int | None = -1) -> mx.array:
    """Sum of `x` along its last axis (`axis=-1`) or over all elements (`axis=None`).

    Args:
        x: float32, float16 or bfloat16, non-empty; any layout (MLX copies
            non-contiguous inputs before the launch).
        axis: `-1` (or `x.ndim - 1`) for row sums, `None` for the sum of everything.

    Returns:
        An array of `x`'s dtype: shape `x.shape[:-1]` for `axis=-1`, `()` for
        `None`. Accumulation is in float32, rounded once at the end.

    Raises:
        TypeError: `x` is not a float array, or `axis` is not an int or None.
        ValueError: `x` is empty or too large, `axis` is another axis, or `x`
            is 0-d with `axis=-1`.
    """
    x = check_float_array("reduce_sum", "x", x)
    if axis is None:
        return _sum_all(x)
    if isinstance(axis, bool) or not isinstance(axis, int):
        raise TypeError(f"reduce_sum: `axis` must be -1 or None, got {axis!r}")
    if x.ndim == 0:
        raise ValueError("reduce_sum: `x` is 0-d; it has no axis -1 (use axis=None)")
    if axis not in (-1, x.ndim - 1):
        raise ValueError(
            f"reduce_sum: `axis`={axis} is not supported; use -1 (the last axis) "
            "or None (transpose first to sum along another axis)"
        )
    n = x.shape[-1]
    return _row_sums(x.reshape(-1, n), x.dtype).reshape(x.shape[:-1])


def _sum_all(x: mx.array) -> mx.array:
    flat = x.reshape(-1)
    groups = min(MAX_PARTIALS, -(-flat.size // THREADGROUP_SIZE))
    threads = min(THREADGROUP_SIZE, flat.size)
    (partials,) = reduce_sum_partials_kernel()(
        inputs=[flat, mx.array(flat.size, dtype=mx.uint32)],
        template=[("T", flat.dtype)],
        grid=(groups * threads, 1, 1),
        threadgroup=(threads, 1, 1),
        output_shapes=[(groups,)],
        output_dtypes=[mx.float32],
    )
    # Second dispatch: no barrier spans threadgroups, so the partials are summed
    # by a new launch, which MLX orders after the first on the same stream.
    return _row_sums(partials.reshape(1, groups), x.dtype).reshape(())
# --8<-- [end:launch]


# --8<-- [start:reference]
def reduce_sum_reference(x: mx.array, axis: int | None = -1) -> mx.array:
    """The same sums in plain MLX: float32 accumulation, one rounding to `x.dtype`."""
    return mx.sum(x.astype(mx.float32), axis=axis).astype(x.dtype)
# --8<-- [end:reference]
