"""Metal kernel patterns: read a strided view in place, with ``ensure_row_contiguous=False``.

MLX then binds the input's buffer as it is (no copy) and, because the body mentions them,
passes ``x_shape`` (int32), ``x_strides`` (int64, in elements) and ``x_ndim``. MLX's
``elem_to_loc`` turns a logical, row-major element index into a position in the buffer.
"""

# --8<-- [start:kernel]
import functools
from collections.abc import Callable

import mlx.core as mx

STRIDED_SOURCE = """
    uint i = thread_position_in_grid.x;
    // int64_t: strides may be large, zero (broadcast) or negative.
    int64_t loc = elem_to_loc(int64_t(i), x_shape, x_strides, x_ndim);
    out[i] = T(2.0f * float(x[loc]));
"""


@functools.cache
def double_strided_kernel() -> Callable[..., list[mx.array]]:
    return mx.fast.metal_kernel(
        name="patterns_double_strided",
        input_names=["x"],
        output_names=["out"],
        source=STRIDED_SOURCE,
        ensure_row_contiguous=False,  # no copy: the kernel follows the strides itself
    )


def double(x: mx.array) -> mx.array:
    """2 * x for any view of x (transposed, broadcast, sliced), without a copy."""
    if x.ndim == 0 or x.size == 0:
        raise ValueError(
            f"double: `x` needs at least one dimension and element, got {x.shape}"
        )
    (out,) = double_strided_kernel()(
        inputs=[x],
        template=[("T", x.dtype)],
        grid=(x.size, 1, 1),
        threadgroup=(256, 1, 1),
        output_shapes=[x.shape],
        output_dtypes=[x.dtype],
    )
    return out


# --8<-- [end:kernel]


if __name__ == "__main__":
    # --8<-- [start:demo]
    a = mx.arange(12, dtype=mx.float32).reshape(3, 4)
    for view in (a.T, a[::2, ::-1], mx.broadcast_to(a[0], (2, 4))):
        print(view.shape, mx.array_equal(double(view), 2 * view).item())
    # --8<-- [end:demo]
