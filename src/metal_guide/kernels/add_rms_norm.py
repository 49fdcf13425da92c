"""Fused residual add + RMS normalisation: one kernel where a transformer block runs two.

`add_rms_norm(x, residual, weight, eps)` returns `(h, y)` with `h = x + residual` (the new
residual stream) and `y = rms_norm(h, weight, eps)`. Unfused, `h` is written by one kernel and
read back by the next; fused, each row is read once from each input, `h` is written once, and the
normalisation reads `h` back from the same thread's own writes (no barrier needed: a thread
always sees its own stores).
"""

from __future__ import annotations

# --8<-- [start:kernel]
import functools
from collections.abc import Callable

import mlx.core as mx

from metal_guide.kernels.block_reduce import (
    BLOCK_REDUCE_HEADER,
    SIMD_ARGS,
    row_threadgroup_size,
)
from metal_guide.kernels.validation import (
    check_eps,
    check_float_array,
    check_same_dtype,
    check_vector,
)

ADD_RMS_NORM_SOURCE = f"""
    threadgroup float scratch[32];
    uint row = threadgroup_position_in_grid.y;
    uint lid = thread_position_in_threadgroup.x;
    uint stride = threads_per_threadgroup.x;
    uint n = row_length;
    const device T* xrow = x + row * n;
    const device T* rrow = residual + row * n;
    device T* hrow = h + row * n;
    float ss = 0.0f;
    for (uint i = lid; i < n; i += stride) {{
        // Round h to T first: the norm must see exactly the h that is returned,
        // as it would if the two ops ran separately.
        T hi = T(float(xrow[i]) + float(rrow[i]));
        hrow[i] = hi;
        ss += float(hi) * float(hi);
    }}
    ss = block_sum(ss, scratch, {SIMD_ARGS});
    float r = metal::precise::rsqrt(ss / float(n) + eps);
    device T* yrow = y + row * n;
    for (uint i = lid; i < n; i += stride) {{
        yrow[i] = T(float(hrow[i]) * r * float(w[i]));  // this thread's own hrow[i]
    }}
"""


@functools.cache
def add_rms_norm_kernel() -> Callable[..., list[mx.array]]:
    """One threadgroup per row; outputs the sum `h` and its normalisation `y`."""
    return mx.fast.metal_kernel(
        name="mg_add_rms_norm",
        input_names=["x", "residual", "w", "eps", "row_length"],
        output_names=["h", "y"],
        source=ADD_RMS_NORM_SOURCE,
        header=BLOCK_REDUCE_HEADER,
    )
# --8<-- [end:kernel]


# --8<-- [start:launch]
THREADGROUP_SIZE = 256


def add_rms_norm(
    x: mx.array, residual: mx.array, weight: mx.array, eps: float = 1e-5
) -> tuple[mx.array, mx.array]:
    """`h = x + residual` and `rms_norm(h, weight, eps)`, in one kernel.

    Args:
        x: a float array, at least 1-D, non-empty.
        residual: a float array of `x`'s shape and dtype.
        weight: a 1-D array of `x.shape[-1]` elements with `x`'s dtype.
        eps: added to the mean square; finite and >= 0.

    Returns:
        `(h, y)`, both with `x`'s shape and dtype.

    Raises:
        TypeError: a non-float array, mismatched dtypes, or a non-number `eps`.
        ValueError: 0-d, empty or too large inputs, mismatched shapes, or bad `eps`.
    """
    op = "add_rms_norm"
    x = check_float_array(op, "x", x, min_ndim=1)
    residual = check_float_array(op, "residual", residual, min_ndim=1)
    check_same_dtype(op, "residual", residual, "x", x)
    if residual.shape != x.shape:
        raise ValueError(
            f"{op}: `residual` has shape {tuple(residual.shape)}; "
            f"expected {tuple(x.shape)}, the shape of `x`"
        )
    weight = check_vector(op, "weight", weight, x.shape[-1], x)
    eps = check_eps(op, eps)
    n = x.shape[-1]
    rows = x.size // n
    threads = row_threadgroup_size(n, THREADGROUP_SIZE)
    h, y = add_rms_norm_kernel()(
        inputs=[x.reshape(rows, n), residual.reshape(rows, n), weight,
                mx.array(eps, dtype=mx.float32), mx.array(n, dtype=mx.uint32)],
        template=[("T", x.dtype)],
        grid=(threads, rows, 1),
        threadgroup=(threads, 1, 1),
        output_shapes=[(rows, n), (rows, n)],
        output_dtypes=[x.dtype, x.dtype],
    )  # fmt: skip
    return h.reshape(x.shape), y.reshape(x.shape)
# --8<-- [end:launch]


# --8<-- [start:reference]
def add_rms_norm_reference(
    x: mx.array, residual: mx.array, weight: mx.array, eps: float = 1e-5
) -> tuple[mx.array, mx.array]:
    """The two unfused steps in plain MLX: the sum rounded to the dtype, the norm."""
    h = (x.astype(mx.float32) + residual.astype(mx.float32)).astype(x.dtype)
    hf = h.astype(mx.float32)
    r = mx.rsqrt(mx.mean(hf * hf, axis=-1, keepdims=True) + eps)
    y = hf * r * weight.astype(mx.float32)
    return h, y.astype(x.dtype)
# --8<-- [end:reference]
