"""Softmax along the last axis: numerically stable, one threadgroup per row, differentiable.

Two forward kernels share one wrapper. The three-pass kernel reads each row three times (max,
sum of exponentials, write). The online kernel keeps a running maximum and a running sum that it
rescales whenever the maximum grows, so it reads the row twice; that pays off for long rows.
The VJP is a kernel too, wired in with `mx.custom_function`.
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

# Shared prologue: which row this threadgroup owns, and where it starts.
_ROW = """
    threadgroup float scratch[32];
    uint row = threadgroup_position_in_grid.y;
    uint lid = thread_position_in_threadgroup.x;
    uint stride = threads_per_threadgroup.x;
    uint n = row_length;
"""

SOFTMAX_SOURCE = _ROW + f"""
    const device T* xrow = x + row * n;
    device T* yrow = y + row * n;
    // Pass 1: the row maximum, so that exp() below never overflows.
    float m = -INFINITY;
    for (uint i = lid; i < n; i += stride) {{
        m = max(m, float(xrow[i]));
    }}
    m = block_max(m, scratch, {SIMD_ARGS});
    // Pass 2: the sum of exp(x - max); every term is in (0, 1].
    float s = 0.0f;
    for (uint i = lid; i < n; i += stride) {{
        s += metal::exp(float(xrow[i]) - m);
    }}
    s = block_sum(s, scratch, {SIMD_ARGS});
    // Pass 3: normalise and write.
    float inv = 1.0f / s;
    for (uint i = lid; i < n; i += stride) {{
        yrow[i] = T(metal::exp(float(xrow[i]) - m) * inv);
    }}
"""

SOFTMAX_ONLINE_SOURCE = _ROW + f"""
    const device T* xrow = x + row * n;
    device T* yrow = y + row * n;
    // One pass for max and sum together: when the running max grows from m to m2,
    // the sum so far is rescaled by exp(m - m2).
    float m = -INFINITY;
    float s = 0.0f;
    for (uint i = lid; i < n; i += stride) {{
        float v = float(xrow[i]);
        if (v == -INFINITY) {{
            continue;  // a masked entry adds 0; exp(-inf - -inf) would be NaN
        }}
        float m2 = max(m, v);
        s = s * metal::exp(m - m2) + metal::exp(v - m2);
        m = m2;
    }}
    // Combine the threads' (m, s) pairs: rescale every sum to the row maximum first.
    // A thread that saw no element has m = -inf and s = 0; its term must be 0, not NaN.
    float row_max = block_max(m, scratch, {SIMD_ARGS});
    float scaled = (s == 0.0f) ? 0.0f : s * metal::exp(m - row_max);
    float total = block_sum(scaled, scratch, {SIMD_ARGS});
    float inv = 1.0f / total;
    for (uint i = lid; i < n; i += stride) {{
        yrow[i] = T(metal::exp(float(xrow[i]) - row_max) * inv);
    }}
"""

SOFTMAX_VJP_SOURCE = _ROW + f"""
    // dx = y * (g - sum(g * y)), with y the forward output.
    const device T* yrow = y + row * n;
    const device T* grow = g + row * n;
    device T* dxrow = dx + row * n;
    float dot = 0.0f;
    for (uint i = lid; i < n; i += stride) {{
        dot += float(grow[i]) * float(yrow[i]);
    }}
    dot = block_sum(dot, scratch, {SIMD_ARGS});
    for (uint i = lid; i < n; i += stride) {{
        dxrow[i] = T(float(yrow[i]) * (float(grow[i]) - dot));
    }}
"""


@functools.cache
def softmax_kernel() -> Callable[..., list[mx.array]]:
    """Three passes over each row: max, sum, write."""
    return mx.fast.metal_kernel(
        name="mg_softmax", input_names=["x", "row_length"], output_names=["y"],
        source=SOFTMAX_SOURCE, header=BLOCK_REDUCE_HEADER,
    )  # fmt: skip


@functools.cache
def softmax_online_kernel() -> Callable[..., list[mx.array]]:
    """Two passes over each row: running (max, sum), then write."""
    return mx.fast.metal_kernel(
        name="mg_softmax_online", input_names=["x", "row_length"], output_names=["y"],
        source=SOFTMAX_ONLINE_SOURCE, header=BLOCK_REDUCE_HEADER,
    )  # fmt: skip


@functools.cache
def softmax_vjp_kernel() -> Callable[..., list[mx.array]]:
    """The gradient with respect to `x`, from the output `y` and the cotangent `g`."""
    return mx.fast.metal_kernel(
        name="mg_softmax_vjp", input_names=["y", "g", "row_length"],
        output_names=["dx"], source=SOFTMAX_VJP_SOURCE, header=BLOCK_REDUCE_HEADER,
    )  # fmt: skip
# --8<-- [end:kernels]


# --8<-- [start:launch]
THREADGROUP_SIZE = 256
# Rows longer than this use the online kernel by default: one read of the row saved.
ONLINE_THRESHOLD = 4096


def _launch_rows(
    kernel: Callable[..., list[mx.array]], arrays: list[mx.array], like: mx.array
) -> mx.array:
    n = like.shape[-1]
    rows = like.size // n
    threads = row_threadgroup_size(n, THREADGROUP_SIZE)
    (out,) = kernel(
        inputs=[*(a.reshape(rows, n) for a in arrays), mx.array(n, dtype=mx.uint32)],
        template=[("T", like.dtype)],
        grid=(threads, rows, 1),
        threadgroup=(threads, 1, 1),
        output_shapes=[(rows, n)],
        output_dtypes=[like.dtype],
    )
    return out.reshape(like.shape)


@mx.custom_function
def _softmax(x: mx.array, online: bool) -> mx.array:
    kernel = softmax_online_kernel() if online else softmax_kernel()
    return _launch_rows(kernel, [x], x)


@_softmax.vjp
def _softmax_vjp(
    primals: tuple[mx.array, bool], cotangent: mx.array, output: mx.array
) -> tuple[mx.array, None]:
    g = cotangent.astype(output.dtype)
    return _launch_rows(softmax_vjp_kernel(), [output, g], output), None


def softmax(x: mx.array, *, online: bool | None = None) -> mx.array:
    """Softmax of `x` along its last axis, computed in float32 and rounded to `x.dtype`.

    Args:
        x: float32, float16 or bfloat16, at least 1-D, non-empty.
        online: the two-pass online kernel (`True`), the three-pass kernel
            (`False`), or by row length (`None`: online above `ONLINE_THRESHOLD`).

    Raises:
        TypeError: `x` is not a float array.
        ValueError: `x` is 0-d, empty or too large.
    """
    x = check_float_array("softmax", "x", x, min_ndim=1)
    if online is None:
        online = x.shape[-1] > ONLINE_THRESHOLD
    return _softmax(x, bool(online))
# --8<-- [end:launch]


# --8<-- [start:reference]
def softmax_reference(x: mx.array) -> mx.array:
    """Stable softmax in plain MLX, in float32, rounded once to `x.dtype`."""
    xf = x.astype(mx.float32)
    e = mx.exp(xf - mx.max(xf, axis=-1, keepdims=True))
    return (e / mx.sum(e, axis=-1, keepdims=True)).astype(x.dtype)
# --8<-- [end:reference]

