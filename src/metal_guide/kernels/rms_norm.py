"""RMS normalisation over the last axis, with the semantics of `mx.fast.rms_norm`.

`y = x / sqrt(mean(x**2) + eps) * weight`, with `weight` optional. One threadgroup per row
accumulates the sum of squares in float32. The VJP is a kernel that returns the input gradient
and, per row, the contribution to the weight gradient; summing those over the rows is an
ordinary MLX reduction, as in MLX's own `rms_norm` VJP.
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
from metal_guide.kernels.validation import check_eps, check_float_array, check_vector

_ROW = """
    threadgroup float scratch[32];
    uint row = threadgroup_position_in_grid.y;
    uint lid = thread_position_in_threadgroup.x;
    uint stride = threads_per_threadgroup.x;
    uint n = row_length;
    const device T* xrow = x + row * n;
"""

RMS_NORM_SOURCE = _ROW + f"""
    float ss = 0.0f;
    for (uint i = lid; i < n; i += stride) {{
        float v = float(xrow[i]);
        ss += v * v;
    }}
    ss = block_sum(ss, scratch, {SIMD_ARGS});
    float r = metal::precise::rsqrt(ss / float(n) + eps);
    device T* yrow = y + row * n;
    for (uint i = lid; i < n; i += stride) {{
        float wi = HAS_WEIGHT ? float(w[i]) : 1.0f;
        yrow[i] = T(float(xrow[i]) * r * wi);
    }}
"""

RMS_NORM_VJP_SOURCE = _ROW + f"""
    // With r = rsqrt(mean(x^2) + eps) and wg = w * g:
    //   dx = r * wg - x * r^3 * mean(wg * x),   dw (this row) = g * x * r.
    const device T* grow = g + row * n;
    float ss = 0.0f;
    float dot = 0.0f;
    for (uint i = lid; i < n; i += stride) {{
        float v = float(xrow[i]);
        float wg = float(grow[i]) * (HAS_WEIGHT ? float(w[i]) : 1.0f);
        ss += v * v;
        dot += wg * v;
    }}
    ss = block_sum(ss, scratch, {SIMD_ARGS});
    dot = block_sum(dot, scratch, {SIMD_ARGS});
    float r = metal::precise::rsqrt(ss / float(n) + eps);
    float c = r * r * r * dot / float(n);
    device T* dxrow = dx + row * n;
    device float* dwrow = dw_rows + row * n;
    for (uint i = lid; i < n; i += stride) {{
        float v = float(xrow[i]);
        float gi = float(grow[i]);
        float wg = gi * (HAS_WEIGHT ? float(w[i]) : 1.0f);
        dxrow[i] = T(r * wg - v * c);
        dwrow[i] = gi * v * r;
    }}
"""


@functools.cache
def rms_norm_kernel() -> Callable[..., list[mx.array]]:
    """Forward: one threadgroup per row; `HAS_WEIGHT` is a template bool."""
    return mx.fast.metal_kernel(
        name="mg_rms_norm", input_names=["x", "w", "eps", "row_length"],
        output_names=["y"], source=RMS_NORM_SOURCE, header=BLOCK_REDUCE_HEADER,
    )  # fmt: skip


@functools.cache
def rms_norm_vjp_kernel() -> Callable[..., list[mx.array]]:
    """Backward: `dx`, and the per-row terms of the weight gradient in float32."""
    return mx.fast.metal_kernel(
        name="mg_rms_norm_vjp", input_names=["x", "w", "g", "eps", "row_length"],
        output_names=["dx", "dw_rows"], source=RMS_NORM_VJP_SOURCE,
        header=BLOCK_REDUCE_HEADER,
    )  # fmt: skip
# --8<-- [end:kernels]


# --8<-- [start:launch]
THREADGROUP_SIZE = 256


def _launch(
    kernel: Callable[..., list[mx.array]],
    arrays: list[mx.array],
    x: mx.array,
    has_weight: bool,
    eps: float,
    output_dtypes: list[mx.Dtype],
) -> list[mx.array]:
    n = x.shape[-1]
    rows = x.size // n
    threads = row_threadgroup_size(n, THREADGROUP_SIZE)
    return kernel(
        inputs=[*arrays, mx.array(eps, dtype=mx.float32), mx.array(n, dtype=mx.uint32)],
        template=[("T", x.dtype), ("HAS_WEIGHT", has_weight)],
        grid=(threads, rows, 1),
        threadgroup=(threads, 1, 1),
        output_shapes=[(rows, n)] * len(output_dtypes),
        output_dtypes=output_dtypes,
    )


def _weight_or_placeholder(weight: mx.array | None, x: mx.array) -> mx.array:
    # Every input name needs an array; without a weight the kernel never reads this one.
    return weight if weight is not None else mx.zeros((1,), dtype=x.dtype)


@mx.custom_function
def _rms_norm(x: mx.array, weight: mx.array | None, eps: float) -> mx.array:
    n = x.shape[-1]
    w = _weight_or_placeholder(weight, x)
    (y,) = _launch(rms_norm_kernel(), [x.reshape(-1, n), w], x, weight is not None, eps,
                   [x.dtype])  # fmt: skip
    return y.reshape(x.shape)


@_rms_norm.vjp
def _rms_norm_vjp(
    primals: tuple[mx.array, mx.array | None, float],
    cotangent: mx.array,
    output: mx.array,
) -> tuple[mx.array, mx.array | None, None]:
    x, weight, eps = primals
    n = x.shape[-1]
    g = cotangent.astype(x.dtype).reshape(-1, n)
    w = _weight_or_placeholder(weight, x)
    dx, dw_rows = _launch(rms_norm_vjp_kernel(), [x.reshape(-1, n), w, g], x,
                          weight is not None, eps, [x.dtype, mx.float32])  # fmt: skip
    dw = None if weight is None else mx.sum(dw_rows, axis=0).astype(weight.dtype)
    return dx.reshape(x.shape), dw, None


def rms_norm(x: mx.array, weight: mx.array | None, eps: float = 1e-5) -> mx.array:
    """`x / sqrt(mean(x**2, axis=-1) + eps) * weight`, like `mx.fast.rms_norm`.

    Args:
        x: float32, float16 or bfloat16, at least 1-D, non-empty.
        weight: `None`, or a 1-D array of `x.shape[-1]` elements with `x`'s dtype.
        eps: added to the mean square; finite and >= 0.

    Raises:
        TypeError: a non-float array, mismatched dtypes, or a non-number `eps`.
        ValueError: `x` is 0-d, empty or too large; a wrong `weight` shape; bad `eps`.
    """
    x = check_float_array("rms_norm", "x", x, min_ndim=1)
    if weight is not None:
        weight = check_vector("rms_norm", "weight", weight, x.shape[-1], x)
    return _rms_norm(x, weight, check_eps("rms_norm", eps))
# --8<-- [end:launch]


# --8<-- [start:reference]
def rms_norm_reference(
    x: mx.array, weight: mx.array | None, eps: float = 1e-5
) -> mx.array:
    """The same normalisation in plain MLX, in float32, rounded once to `x.dtype`."""
    xf = x.astype(mx.float32)
    y = xf * mx.rsqrt(mx.mean(xf * xf, axis=-1, keepdims=True) + eps)
    if weight is not None:
        y = y * weight.astype(mx.float32)
    return y.astype(x.dtype)
# --8<-- [end:reference]
