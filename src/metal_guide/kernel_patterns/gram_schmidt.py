"""Metal kernel patterns, worked example: Modified Gram-Schmidt QR as two kernels per step.

The columns of ``A`` (m x n) are stored as the rows of ``At = A.T`` (n x m), so each column is
contiguous. Step k of Modified Gram-Schmidt needs

1. the dot products ``d[j] = a_k . a_j`` for every column j >= k: one threadgroup per column,
   a reduction like RMSNorm's;
2. then the update ``a_j -= d[j] / d[k] * a_k`` for j > k and ``q_k = a_k / sqrt(d[k])``.

Step 2 needs *all* of step 1's dot products, which different threadgroups compute, and no
barrier orders threadgroups: hence two kernels, one dispatch after the other.
"""

# --8<-- [start:dots]
import functools
from collections.abc import Callable

import mlx.core as mx

THREADS_PER_COLUMN = 256

# d[j] = a_k . a_j for j >= k, one threadgroup per column j; 0 for j < k.
DOTS_SOURCE = """
    uint j = threadgroup_position_in_grid.x;
    uint lane = thread_index_in_simdgroup;
    uint group = simdgroup_index_in_threadgroup;
    uint len = j >= k ? m : 0;  // the same for the whole threadgroup
    float sum = 0.0f;
    for (uint i = thread_position_in_threadgroup.x; i < len;
         i += threads_per_threadgroup.x) {
        sum += at[size_t(k) * m + i] * at[size_t(j) * m + i];
    }
    sum = simd_sum(sum);
    threadgroup float group_sums[32];
    if (lane == 0) {
        group_sums[group] = sum;
    }
    threadgroup_barrier(mem_flags::mem_threadgroup);
    if (group == 0) {
        float s = lane < simdgroups_per_threadgroup ? group_sums[lane] : 0.0f;
        s = simd_sum(s);
        if (lane == 0) {
            d[j] = s;
        }
    }
"""


@functools.cache
def dots_kernel() -> Callable[..., list[mx.array]]:
    return mx.fast.metal_kernel(
        name="patterns_mgs_dots",
        input_names=["at", "k", "m"],
        output_names=["d"],
        source=DOTS_SOURCE,
    )


# --8<-- [end:dots]


# --8<-- [start:update]
# One thread per element of At: normalise column k, update columns j > k, copy j < k.
UPDATE_SOURCE = """
    uint i = thread_position_in_grid.x;
    uint j = thread_position_in_grid.y;
    size_t idx = size_t(j) * m + i;
    float a = at[idx];
    float ak = at[size_t(k) * m + i];
    if (j == k) {
        a = ak * metal::rsqrt(d[k]);
    } else if (j > k) {
        a -= d[j] / d[k] * ak;
    }
    out[idx] = a;
"""


@functools.cache
def update_kernel() -> Callable[..., list[mx.array]]:
    return mx.fast.metal_kernel(
        name="patterns_mgs_update",
        input_names=["at", "d", "k", "m"],
        output_names=["out"],
        source=UPDATE_SOURCE,
    )


# --8<-- [end:update]


# --8<-- [start:qr]
def mgs_qr(a: mx.array) -> tuple[mx.array, mx.array]:
    """Q (m x n, orthonormal columns) and R (n x n, upper triangular) with A = Q R."""
    if not isinstance(a, mx.array) or a.dtype != mx.float32 or a.ndim != 2:
        raise TypeError("mgs_qr: `a` must be a 2-d float32 mx.array")
    m, n = a.shape
    if not 1 <= n <= m:
        raise ValueError(f"mgs_qr: need 1 <= columns <= rows, got shape {a.shape}")
    at = a.T  # ensure_row_contiguous copies it once: columns become contiguous rows
    m_arg = mx.array(m, dtype=mx.uint32)
    r_rows = []
    for k in range(n):
        k_arg = mx.array(k, dtype=mx.uint32)
        (d,) = dots_kernel()(
            inputs=[at, k_arg, m_arg],
            grid=(n * THREADS_PER_COLUMN, 1, 1),
            threadgroup=(THREADS_PER_COLUMN, 1, 1),
            output_shapes=[(n,)],
            output_dtypes=[mx.float32],
        )
        (at,) = update_kernel()(
            inputs=[at, d, k_arg, m_arg],
            grid=(m, n, 1),
            threadgroup=(256, 1, 1),
            output_shapes=[(n, m)],
            output_dtypes=[mx.float32],
        )
        r_rows.append(d / mx.sqrt(d[k]))  # R[k, j] = d[j] / |a_k|; 0 for j < k
    return at.T, mx.stack(r_rows)


# --8<-- [end:qr]


# --8<-- [start:reference]
def mgs_qr_reference(a: mx.array) -> tuple[mx.array, mx.array]:
    """The same algorithm in plain MLX, column by column."""
    m, n = a.shape
    cols = [a[:, j] for j in range(n)]
    q_cols, r_rows = [], []
    for k in range(n):
        norm = mx.sqrt(mx.sum(cols[k] * cols[k]))
        q = cols[k] / norm
        row = [mx.array(0.0)] * k + [norm]
        for j in range(k + 1, n):
            r_kj = mx.sum(q * cols[j])
            cols[j] = cols[j] - r_kj * q
            row.append(r_kj)
        q_cols.append(q)
        r_rows.append(mx.stack(row))
    return mx.stack(q_cols, axis=1), mx.stack(r_rows)


# --8<-- [end:reference]


if __name__ == "__main__":
    # --8<-- [start:demo]
    a = mx.random.normal((1000, 12), key=mx.random.key(0))
    q, r = mgs_qr(a)
    q_ref, r_ref = mgs_qr_reference(a)
    print("Q matches:", mx.allclose(q, q_ref, rtol=1e-4, atol=1e-5).item())
    print("R matches:", mx.allclose(r, r_ref, rtol=1e-4, atol=1e-4).item())
    print("Q^T Q = I:", mx.allclose(q.T @ q, mx.eye(12), atol=1e-5).item())
    # --8<-- [end:demo]
