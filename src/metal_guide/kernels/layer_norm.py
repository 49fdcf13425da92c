"""Layer normalisation over the last axis, with the semantics of `mx.fast.layer_norm`.

`y = (x - mean) / sqrt(var + eps) * weight + bias`, with `weight` and `bias` each optional. The
variance is computed from a second pass over `x - mean`, not as `E[x^2] - mean^2`, which loses
every digit when the mean is large compared with the spread. The VJP is a kernel; the weight and
bias gradients are sums over rows, done with MLX's reduction as in MLX's own `layer_norm` VJP.
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

_ROW = f"""
    threadgroup float scratch[32];
    uint row = threadgroup_position_in_grid.y;
    uint lid = thread_position_in_threadgroup.x;
    uint stride = threads_per_threadgroup.x;
    uint n = row_length;
    const device T* xrow = x + row * n;
    float sum = 0.0f;
    for (uint i = lid; i < n; i += stride) {{
        sum += float(xrow[i]);
    }}
    float mean = block_sum(sum, scratch, {SIMD_ARGS}) / float(n);
    float sq = 0.0f;
    for (uint i = lid; i < n; i += stride) {{
        float d = float(xrow[i]) - mean;
        sq += d * d;
    }}
    float var = block_sum(sq, scratch, {SIMD_ARGS}) / float(n);
    float r = metal::precise::rsqrt(var + eps);
"""

LAYER_NORM_SOURCE = _ROW + """
    device T* yrow = y + row * n;
    for (uint i = lid; i < n; i += stride) {
        float v = (float(xrow[i]) - mean) * r;
        if (HAS_WEIGHT) {
            v *= float(w[i]);
        }
        if (HAS_BIAS) {
            v += float(b[i]);
        }
        yrow[i] = T(v);
    }
"""

LAYER_NORM_VJP_SOURCE = _ROW + f"""
    // With xhat = (x - mean) * r and wg = w * g:
    //   dx = r * (wg - mean(wg) - xhat * mean(wg * xhat)),   dw (this row) = g * xhat.
    const device T* grow = g + row * n;
    float s_wg = 0.0f;
    float s_wgx = 0.0f;
    for (uint i = lid; i < n; i += stride) {{
        float xhat = (float(xrow[i]) - mean) * r;
        float wg = float(grow[i]) * (HAS_WEIGHT ? float(w[i]) : 1.0f);
        s_wg += wg;
        s_wgx += wg * xhat;
    }}
    float mean_wg = block_sum(s_wg, scratch, {SIMD_ARGS}) / float(n);
    float mean_wgx = block_sum(s_wgx, scratch, {SIMD_ARGS}) / float(n);
    device T* dxrow = dx + row * n;
    device float* dwrow = dw_rows + row * n;
    for (uint i = lid; i < n; i += stride) {{
        float xhat = (float(xrow[i]) - mean) * r;
        float gi = float(grow[i]);
        float wg = gi * (HAS_WEIGHT ? float(w[i]) : 1.0f);
        dxrow[i] = T(r * (wg - mean_wg - xhat * mean_wgx));
        dwrow[i] = gi * xhat;
    }}
"""


@functools.cache
def layer_norm_kernel() -> Callable[..., list[mx.array]]:
    """Forward; `HAS_WEIGHT` and `HAS_BIAS` are template bools."""
    return mx.fast.metal_kernel(
        name="mg_layer_norm", input_names=["x", "w", "b", "eps", "row_length"],
        output_names=["y"], source=LAYER_NORM_SOURCE, header=BLOCK_REDUCE_HEADER,
    )  # fmt: skip


@functools.cache
def layer_norm_vjp_kernel() -> Callable[..., list[mx.array]]:
    """Backward: `dx`, and per-row terms `g * xhat` of the weight gradient."""
    return mx.fast.metal_kernel(
        name="mg_layer_norm_vjp", input_names=["x", "w", "g", "eps", "row_length"],
        output_names=["dx", "dw_rows"], source=LAYER_NORM_VJP_SOURCE,
        header=BLOCK_REDUCE_HEADER,
    )  # fmt: skip
# --8<-- [end:kernels]


# --8<-- [start:launch]
THREADGROUP_SIZE = 256


def _placeholder(v: mx.array | None, x: mx.array) -> mx.array:
    # Every input name needs an array; a kernel built without HAS_WEIGHT never reads it.
    return v if v is not None else mx.zeros((1,), dtype=x.dtype)


def _geometry(x: mx.array) -> tuple[int, int, int]:
    n = x.shape[-1]
    return n, x.size // n, row_threadgroup_size(n, THREADGROUP_SIZE)


@mx.custom_function
def _layer_norm(
    x: mx.array, weight: mx.array | None, bias: mx.array | None, eps: float
) -> mx.array:
    n, rows, threads = _geometry(x)
    (y,) = layer_norm_kernel()(
        inputs=[x.reshape(rows, n), _placeholder(weight, x), _placeholder(bias, x),
                mx.array(eps, dtype=mx.float32), mx.array(n, dtype=mx.uint32)],
        template=[("T", x.dtype), ("HAS_WEIGHT", weight is not None),
                  ("HAS_BIAS", bias is not None)],
        grid=(threads, rows, 1), threadgroup=(threads, 1, 1),
        output_shapes=[(rows, n)], output_dtypes=[x.dtype],
    )  # fmt: skip
    return y.reshape(x.shape)


@_layer_norm.vjp
def _layer_norm_vjp(
    primals: tuple[mx.array, mx.array | None, mx.array | None, float],
    cotangent: mx.array,
    output: mx.array,
) -> tuple[mx.array, mx.array | None, mx.array | None, None]:
    x, weight, bias, eps = primals
    n, rows, threads = _geometry(x)
    g = cotangent.astype(x.dtype).reshape(rows, n)
    dx, dw_rows = layer_norm_vjp_kernel()(
        inputs=[x.reshape(rows, n), _placeholder(weight, x), g,
                mx.array(eps, dtype=mx.float32), mx.array(n, dtype=mx.uint32)],
        template=[("T", x.dtype), ("HAS_WEIGHT", weight is not None)],
        grid=(threads, rows, 1), threadgroup=(threads, 1, 1),
        output_shapes=[(rows, n), (rows, n)], output_dtypes=[x.dtype, mx.float32],
    )  # fmt: skip
    dw = None if weight is None else mx.sum(dw_rows, axis=0).astype(weight.dtype)
    db = None
    if bias is not None:
        db = mx.sum(g.astype(mx.float32), axis=0).astype(bias.dtype)
    return dx.reshape(x.shape), dw, db, None


def layer_norm(
    x: mx.array, weight: mx.array | None, bias: mx.array | None, eps: float = 1e-5
) -> mx.array:
    """`(x - mean) / sqrt(var + eps) * weight + bias` over the last axis, like
    `mx.fast.layer_norm`; `weight` and `bias` may each be `None`.

    Args:
        x: float32, float16 or bfloat16, at least 1-D, non-empty.
        weight: `None` or a 1-D array of `x.shape[-1]` elements with `x`'s dtype.
        bias: `None` or a 1-D array of `x.shape[-1]` elements with `x`'s dtype.
        eps: added to the variance; finite and >= 0.

    Raises:
        TypeError: a non-float array, mismatched dtypes, or a non-number `eps`.
        ValueError: `x` is 0-d, empty or too large; a wrong `weight` or `bias`
            shape; bad `eps`.
    """
    x = check_float_array("layer_norm", "x", x, min_ndim=1)
    if weight is not None:
        weight = check_vector("layer_norm", "weight", weight, x.shape[-1], x)
    if bias is not None:
        bias = check_vector("layer_norm", "bias", bias, x.shape[-1], x)
    return _layer_norm(x, weight, bias, check_eps("layer_norm", eps))
# --8<-- [end:launch]


# --8<-- [start:reference]
def layer_norm_reference(
    x: mx.array, weight: mx.array | None, bias: mx.array | None, eps: float = 1e-5
) -> mx.array:
    """The same normalisation in plain MLX, in float32, rounded once to `x.dtype`."""
    xf = x.astype(mx.float32)
    mean = mx.mean(xf, axis=-1, keepdims=True)
    var = mx.mean(mx.square(xf - mean), axis=-1, keepdims=True)
    y = (xf - mean) * mx.rsqrt(var + eps)
    if weight is not None:
        y = y * weight.astype(mx.float32)
    if bias is not None:
        y = y + bias.astype(mx.float32)
    return y.astype(x.dtype)
# --8<-- [end:reference]
