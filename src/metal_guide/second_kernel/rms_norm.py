"""Your second kernel: RMSNorm over the last axis, one threadgroup per row.

``y = x / sqrt(mean(x**2) + eps) * weight``. Every thread of a row's threadgroup sums the
squares of a strided slice of the row; ``simd_sum`` adds the 32 partial sums of each SIMD
group; SIMD-group totals meet in threadgroup memory; one barrier later every thread knows the
row's sum and scales its elements. The row is read twice but from the same threadgroup, so it
is fetched from memory once and then served from cache.
"""

# --8<-- [start:kernel]
import functools
from collections.abc import Callable

import mlx.core as mx

THREADS_PER_ROW = 256  # a multiple of the SIMD-group width, 32

# One threadgroup per row: threadgroup_position_in_grid.x is the row.
RMS_NORM_SOURCE = """
    uint row = threadgroup_position_in_grid.x;
    uint lane = thread_index_in_simdgroup;
    uint group = simdgroup_index_in_threadgroup;
    const device T* xr = x + size_t(row) * n;
    device T* yr = y + size_t(row) * n;

    // 1. Each thread: sum of squares of its elements, in float.
    float sum = 0.0f;
    for (uint i = thread_position_in_threadgroup.x; i < n;
         i += threads_per_threadgroup.x) {
        float v = float(xr[i]);
        sum += v * v;
    }
    // 2. Each SIMD group: add its 32 partial sums, no memory needed.
    sum = simd_sum(sum);

    // 3. Across SIMD groups: one slot per group in threadgroup memory.
    threadgroup float group_sums[32];
    if (lane == 0) {
        group_sums[group] = sum;
    }
    threadgroup_barrier(mem_flags::mem_threadgroup);  // slots -> group 0
    if (group == 0) {
        float s = lane < simdgroups_per_threadgroup ? group_sums[lane] : 0.0f;
        s = simd_sum(s);
        if (lane == 0) {
            group_sums[0] = metal::rsqrt(s / float(n) + eps);
        }
    }
    threadgroup_barrier(mem_flags::mem_threadgroup);  // scale -> all
    float scale = group_sums[0];

    // 4. Each thread: write its elements.
    for (uint i = thread_position_in_threadgroup.x; i < n;
         i += threads_per_threadgroup.x) {
        yr[i] = T(float(xr[i]) * scale * float(weight[i]));
    }
"""


@functools.cache
def rms_norm_kernel() -> Callable[..., list[mx.array]]:
    """Built on first use, then reused."""
    return mx.fast.metal_kernel(
        name="second_kernel_rms_norm",
        input_names=["x", "weight", "n", "eps"],
        output_names=["y"],
        source=RMS_NORM_SOURCE,
    )


# --8<-- [end:kernel]


# --8<-- [start:validate]
FLOAT_DTYPES = (mx.float32, mx.float16, mx.bfloat16)
MAX_ROWS = 2**31 - 1  # grid is a C int: rows * THREADS_PER_ROW must fit too


def check_rms_norm_inputs(x: mx.array, weight: mx.array, eps: float) -> None:
    """Raise TypeError or ValueError, naming the argument, for bad input."""
    for name, a in (("x", x), ("weight", weight)):
        if not isinstance(a, mx.array):
            raise TypeError(
                f"rms_norm: `{name}` must be an mx.array, got {type(a).__name__}"
            )
        if a.dtype not in FLOAT_DTYPES:
            raise TypeError(
                f"rms_norm: `{name}` has dtype {a.dtype}; "
                "expected float32, float16 or bfloat16"
            )
    if x.dtype != weight.dtype:
        raise TypeError(
            f"rms_norm: dtypes differ: x is {x.dtype}, weight is {weight.dtype}"
        )
    if x.ndim == 0 or weight.ndim != 1 or weight.shape[0] != x.shape[-1]:
        raise ValueError(
            f"rms_norm: expected x of shape (..., n) and weight of shape (n,), "
            f"got x {x.shape} and weight {weight.shape}"
        )
    if x.size == 0:
        raise ValueError(f"rms_norm: `x` has no elements (shape {x.shape})")
    if x.size // x.shape[-1] * THREADS_PER_ROW > MAX_ROWS:
        raise ValueError(
            f"rms_norm: too many rows ({x.size // x.shape[-1]}); split `x`"
        )
    if not eps > 0:
        raise ValueError(f"rms_norm: `eps` must be positive, got {eps!r}")


# --8<-- [end:validate]


# --8<-- [start:launch]
def rms_norm_forward(x: mx.array, weight: mx.array, eps: float = 1e-5) -> mx.array:
    """RMSNorm over the last axis of `x`, computed by the kernel (no gradient)."""
    check_rms_norm_inputs(x, weight, eps)
    n = x.shape[-1]
    rows = x.size // n
    (y,) = rms_norm_kernel()(
        # n and eps are 0-d inputs, not template values: a new row length must not
        # compile a new kernel.
        inputs=[
            x,
            weight,
            mx.array(n, dtype=mx.uint32),
            mx.array(eps, dtype=mx.float32),
        ],
        template=[("T", x.dtype)],
        grid=(rows * THREADS_PER_ROW, 1, 1),  # threads, not threadgroups
        threadgroup=(THREADS_PER_ROW, 1, 1),
        output_shapes=[x.shape],
        output_dtypes=[x.dtype],
    )
    return y


# --8<-- [end:launch]


# --8<-- [start:reference]
def rms_norm_reference(x: mx.array, weight: mx.array, eps: float = 1e-5) -> mx.array:
    """The same function in plain MLX, in float32, rounded once at the end."""
    x32 = x.astype(mx.float32)
    scale = mx.rsqrt(mx.mean(x32 * x32, axis=-1, keepdims=True) + eps)
    return (x32 * scale * weight.astype(mx.float32)).astype(x.dtype)


# --8<-- [end:reference]


if __name__ == "__main__":
    # --8<-- [start:demo]
    x = mx.random.normal((4, 1000), key=mx.random.key(0))
    w = mx.random.uniform(0.5, 1.5, (1000,), key=mx.random.key(1))
    y = rms_norm_forward(x, w)
    print(mx.allclose(y, rms_norm_reference(x, w), rtol=1e-5, atol=1e-5).item())
    print(mx.allclose(y, mx.fast.rms_norm(x, w, 1e-5), rtol=1e-5, atol=1e-5).item())
    # --8<-- [end:demo]
