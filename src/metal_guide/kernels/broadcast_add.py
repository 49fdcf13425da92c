"""Element-wise `a + b` with NumPy broadcasting, reading strided and broadcast inputs in place.

The kernel is built with `ensure_row_contiguous=False`, so MLX passes each input's real shape and
strides (in elements; 0 along a broadcast axis, negative for reversed views) instead of copying
it into a packed array first. The kernel turns each output index into an input offset with MLX's
`elem_to_loc` helper. Use this when inputs are often views: a transposed or broadcast operand is
read where it lies, at the price of index arithmetic per element.
"""

from __future__ import annotations

# --8<-- [start:kernel]
import functools
from collections.abc import Callable

import mlx.core as mx

from metal_guide.kernels.validation import check_float_array, check_same_dtype

BROADCAST_ADD_SOURCE = """
    uint i = thread_position_in_grid.x;
    if (i < out_size) {
        // Offsets may be negative (reversed views) or repeat (stride 0): use int64.
        int64_t ia = elem_to_loc<int64_t>(i, a_shape, a_strides, a_ndim);
        int64_t ib = elem_to_loc<int64_t>(i, b_shape, b_strides, b_ndim);
        out[i] = T(float(a[ia]) + float(b[ib]));
    }
"""


@functools.cache
def broadcast_add_kernel() -> Callable[..., list[mx.array]]:
    """Reads `a` and `b` through their strides; never copies them."""
    return mx.fast.metal_kernel(
        name="mg_broadcast_add",
        input_names=["a", "b", "out_size"],
        output_names=["out"],
        source=BROADCAST_ADD_SOURCE,
        ensure_row_contiguous=False,
    )
# --8<-- [end:kernel]


# --8<-- [start:launch]
THREADGROUP_SIZE = 256


def broadcast_add(a: mx.array, b: mx.array) -> mx.array:
    """`a + b` with broadcasting, for float arrays of one dtype, reading views in place.

    Raises:
        TypeError: non-float or mismatched dtypes.
        ValueError: shapes that do not broadcast, an empty or too large result, or
            0-d inputs (use `a + b` for scalars).
    """
    op = "broadcast_add"
    check_float_array(op, "a", a, min_ndim=1)
    check_float_array(op, "b", b, min_ndim=1)
    check_same_dtype(op, "b", b, "a", a)
    try:
        shape = mx.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ValueError(
            f"{op}: shapes {tuple(a.shape)} (`a`) and {tuple(b.shape)} (`b`) "
            "do not broadcast"
        ) from None
    size = 1
    for d in shape:
        size *= d
    check_float_array(op, "the result", mx.broadcast_to(a, shape))  # size limit, lazily
    # Broadcasting makes views with stride 0; nothing is copied.
    a_view, b_view = mx.broadcast_to(a, shape), mx.broadcast_to(b, shape)
    (out,) = broadcast_add_kernel()(
        inputs=[a_view, b_view, mx.array(size, dtype=mx.uint32)],
        template=[("T", a.dtype)],
        grid=(size, 1, 1),
        threadgroup=(THREADGROUP_SIZE, 1, 1),
        output_shapes=[shape],
        output_dtypes=[a.dtype],
    )
    return out
# --8<-- [end:launch]


# --8<-- [start:reference]
def broadcast_add_reference(a: mx.array, b: mx.array) -> mx.array:
    """`a + b` in plain MLX, in float32, rounded once to the input dtype."""
    return (a.astype(mx.float32) + b.astype(mx.float32)).astype(a.dtype)
# --8<-- [end:reference]
