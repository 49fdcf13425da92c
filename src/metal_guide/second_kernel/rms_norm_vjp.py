"""Your second kernel, backward: the VJP of RMSNorm as a kernel, and a differentiable op.

With ``r = 1 / sqrt(mean(x**2) + eps)`` per row and ``g`` the cotangent of ``y``:

- ``dx[i] = r * g[i] * w[i] - x[i] * r**3 / n * sum_j(g[j] * w[j] * x[j])``, per row;
- ``dw[i] = sum over rows of g[i] * x[i] * r``: every row's threadgroup adds to the same
  ``dw[i]``, so those additions are atomic, on an output that starts at zero.
"""

# --8<-- [start:vjp-kernel]
import functools
from collections.abc import Callable

import mlx.core as mx

from metal_guide.second_kernel.rms_norm import (
    THREADS_PER_ROW,
    check_rms_norm_inputs,
    rms_norm_forward,
)

# Two sums per row (sum of x*x and of g*w*x), reduced together as a float2.
RMS_NORM_VJP_SOURCE = """
    uint row = threadgroup_position_in_grid.x;
    uint lane = thread_index_in_simdgroup;
    uint group = simdgroup_index_in_threadgroup;
    size_t base = size_t(row) * n;

    float2 sums = 0.0f;  // (sum x*x, sum g*w*x)
    for (uint i = thread_position_in_threadgroup.x; i < n;
         i += threads_per_threadgroup.x) {
        float v = float(x[base + i]);
        sums += float2(v * v, float(g[base + i]) * float(weight[i]) * v);
    }
    sums = simd_sum(sums);

    threadgroup float2 group_sums[32];
    if (lane == 0) {
        group_sums[group] = sums;
    }
    threadgroup_barrier(mem_flags::mem_threadgroup);
    if (group == 0) {
        float2 s = lane < simdgroups_per_threadgroup ? group_sums[lane] : float2(0.0f);
        s = simd_sum(s);
        if (lane == 0) {
            float r = metal::rsqrt(s.x / float(n) + eps);
            group_sums[0] = float2(r, r * r * r * s.y / float(n));
        }
    }
    threadgroup_barrier(mem_flags::mem_threadgroup);
    float r = group_sums[0].x;
    float c = group_sums[0].y;

    for (uint i = thread_position_in_threadgroup.x; i < n;
         i += threads_per_threadgroup.x) {
        float v = float(x[base + i]);
        float gi = float(g[base + i]);
        // Only this thread writes dx[base + i]; many rows add to dw[i].
        atomic_store_explicit(&dx[base + i], r * gi * float(weight[i]) - v * c,
                              memory_order_relaxed);
        atomic_fetch_add_explicit(&dw[i], gi * v * r, memory_order_relaxed);
    }
"""


@functools.cache
def rms_norm_vjp_kernel() -> Callable[..., list[mx.array]]:
    # atomic_outputs applies to every output, and Metal has atomic<float> but no
    # atomic<half>: both gradients are float32 here and cast afterwards.
    return mx.fast.metal_kernel(
        name="second_kernel_rms_norm_vjp",
        input_names=["x", "weight", "g", "n", "eps"],
        output_names=["dx", "dw"],
        source=RMS_NORM_VJP_SOURCE,
        atomic_outputs=True,
    )


# --8<-- [end:vjp-kernel]


# --8<-- [start:custom-function]
def rms_norm_backward(
    x: mx.array, weight: mx.array, g: mx.array, eps: float
) -> tuple[mx.array, mx.array]:
    """(dx, dw) for the cotangent `g` of rms_norm(x, weight, eps)."""
    n = x.shape[-1]
    rows = x.size // n
    dx, dw = rms_norm_vjp_kernel()(
        inputs=[
            x,
            weight,
            g,
            mx.array(n, dtype=mx.uint32),
            mx.array(eps, dtype=mx.float32),
        ],
        template=[("T", x.dtype)],
        grid=(rows * THREADS_PER_ROW, 1, 1),
        threadgroup=(THREADS_PER_ROW, 1, 1),
        output_shapes=[x.shape, weight.shape],
        output_dtypes=[mx.float32, mx.float32],
        init_value=0,  # dw is a sum of atomic adds: it must start at zero
    )
    return dx.astype(x.dtype), dw.astype(weight.dtype)


@functools.cache
def _rms_norm_op(eps: float) -> Callable[[mx.array, mx.array], mx.array]:
    """One differentiable op per eps (a plain float, so it is not a primal)."""

    @mx.custom_function
    def op(x: mx.array, weight: mx.array) -> mx.array:
        return rms_norm_forward(x, weight, eps)

    @op.vjp
    def op_vjp(
        primals: tuple[mx.array, mx.array], cotangent: mx.array, output: mx.array
    ) -> tuple[mx.array, mx.array]:
        x, weight = primals
        return rms_norm_backward(x, weight, cotangent, eps)

    return op


def rms_norm(x: mx.array, weight: mx.array, eps: float = 1e-5) -> mx.array:
    """RMSNorm over the last axis, differentiable with respect to `x` and `weight`."""
    check_rms_norm_inputs(x, weight, eps)
    return _rms_norm_op(float(eps))(x, weight)


# --8<-- [end:custom-function]


if __name__ == "__main__":
    # --8<-- [start:check-vjp]
    from metal_guide.second_kernel.rms_norm import rms_norm_reference

    x = mx.random.normal((3, 1000), key=mx.random.key(2))
    w = mx.random.uniform(0.5, 1.5, (1000,), key=mx.random.key(3))
    g = mx.random.normal((3, 1000), key=mx.random.key(4))  # the cotangent

    _, (dx, dw) = mx.vjp(lambda x, w: rms_norm(x, w), [x, w], [g])
    _, (dx_ref, dw_ref) = mx.vjp(lambda x, w: rms_norm_reference(x, w), [x, w], [g])
    print(mx.allclose(dx, dx_ref, rtol=1e-4, atol=1e-5).item())
    print(mx.allclose(dw, dw_ref, rtol=1e-4, atol=1e-5).item())
    # --8<-- [end:check-vjp]
