"""Blocked Householder QR for float32 matrices (m >= n), reduced form like NumPy's.

`qr(a)` returns (q, r) with a = q @ r, q m x n with orthonormal columns and r n x n upper
triangular. The structure is LAPACK's `sgeqrf` + `sorgqr`, with three kernels orchestrated from
Python, panel by panel (`PANEL` = 32 columns):

1. `qr_panel_kernel`: one threadgroup factors the panel column by column (Householder
   reflectors H_j = I - tau_j v_j v_j^T, v_j(j) = 1), writing R's rows, V and tau.
2. `qr_wy_kernel`: forms the compact WY factor T (LAPACK `slarft`, forward, columnwise), so that
   H_1 ... H_k = I - V T V^T (Schreiber and Van Loan, 1989), and Y = V T^T for the update.
3. `qr_gram_kernel` (W = V^T C) and `qr_update_kernel` (C <- C - Y W): the trailing update
   C <- (I - V T^T V^T) C, two tiled products with 16 x 16 tiles in threadgroup memory.

Q is accumulated backwards from [I; 0] with the same two product kernels and Y = V T.

Sign convention (LAPACK's `slarfg`, hence NumPy's and MLX's): for each column, the diagonal of R
is beta = -sign(alpha) * ||x|| where alpha is the pivot element and sign(0) = +1; when the part
below the pivot is already zero, tau = 0 and the diagonal is alpha itself (no reflection).
So R's diagonal may be negative, exactly as `numpy.linalg.qr` returns it.

The input is scaled by a power of two (exact) so that its largest entry is about 1: the panel's
sums of squares can neither overflow nor underflow, and R is scaled back exactly.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import mlx.core as mx

PANEL = 32  # columns per panel; T and the panel's reductions use PANEL x PANEL threadgroup arrays
TILE = 16  # tile edge of the product kernels: 2 tiles of 16 x 16 floats = 2 KB per threadgroup
PANEL_THREADS = 256
# The WY kernel runs PANEL x WY_ROWS threads: 256, well under the 1024 maximum, which a
# register-heavy pipeline may not reach on a GPU (MLX then raises).
WY_ROWS = 8

# --8<-- [start:panel]
# One threadgroup factors a panel of `kb` <= PANEL columns and `rows` rows, in place in
# `out` (a copy of the panel). For column j: the sum of squares below the pivot (a
# reduction), the reflector (thread 0), v = x / (alpha - beta), then w = v^T A[:, c] for
# every later column at once (PANEL partial sums per thread, one reduction each), and
# A[:, c] -= tau w v.
QR_PANEL_SOURCE = """
    uint tid = thread_position_in_threadgroup.x;
    uint lane = thread_index_in_simdgroup;
    uint sg = simdgroup_index_in_threadgroup;
    uint tg = threads_per_threadgroup.x;
    uint m = rows;
    uint nb = cols;
    threadgroup float simd_part[32][NB];
    threadgroup float column_sum[NB];
    threadgroup float reflector[3];  // tau, beta, 1 / (alpha - beta)
    for (uint i = tid; i < m * nb; i += tg) {
        out[i] = panel[i];
    }
    threadgroup_barrier(mem_flags::mem_device);
    for (uint j = 0; j < nb; ++j) {
        float ss = 0.0f;
        for (uint r = j + 1 + tid; r < m; r += tg) {
            float x = out[r * nb + j];
            ss = metal::fma(x, x, ss);
        }
        ss = simd_sum(ss);
        if (lane == 0) {
            simd_part[sg][0] = ss;
        }
        threadgroup_barrier(mem_flags::mem_threadgroup);
        if (tid == 0) {
            float total = 0.0f;
            for (uint g = 0; g < (tg + 31) / 32; ++g) {
                total += simd_part[g][0];
            }
            float alpha = out[j * nb + j];
            float tau = 0.0f;
            float beta = alpha;
            float scale = 0.0f;
            if (total > 0.0f) {
                float norm = metal::sqrt(metal::fma(alpha, alpha, total));
                beta = alpha >= 0.0f ? -norm : norm;
                tau = (beta - alpha) / beta;
                scale = 1.0f / (alpha - beta);
            }
            reflector[0] = tau;
            reflector[1] = beta;
            reflector[2] = scale;
            tau_out[j] = tau;
        }
        threadgroup_barrier(mem_flags::mem_threadgroup);
        float tau = reflector[0];
        float scale = reflector[2];
        for (uint r = j + 1 + tid; r < m; r += tg) {
            out[r * nb + j] *= scale;
        }
        threadgroup_barrier(mem_flags::mem_device);
        // w_c = A[j, c] + sum_{r > j} v_r A[r, c] for every later column c.
        float part[NB];
        for (uint c = 0; c < NB; ++c) {
            part[c] = 0.0f;
        }
        for (uint r = j + 1 + tid; r < m; r += tg) {
            float v = out[r * nb + j];
            for (uint c = j + 1; c < nb; ++c) {
                part[c] = metal::fma(v, out[r * nb + c], part[c]);
            }
        }
        for (uint c = j + 1; c < nb; ++c) {
            float s = simd_sum(part[c]);
            if (lane == 0) {
                simd_part[sg][c] = s;
            }
        }
        threadgroup_barrier(mem_flags::mem_threadgroup);
        for (uint c = j + 1 + tid; c < nb; c += tg) {
            float w = out[j * nb + c];
            for (uint g = 0; g < (tg + 31) / 32; ++g) {
                w += simd_part[g][c];
            }
            column_sum[c] = tau * w;
        }
        threadgroup_barrier(mem_flags::mem_threadgroup);
        for (uint i = tid; i < (m - j) * (nb - j - 1); i += tg) {
            uint r = j + i / (nb - j - 1);
            uint c = j + 1 + i % (nb - j - 1);
            float v = (r == j) ? 1.0f : out[r * nb + j];
            out[r * nb + c] -= column_sum[c] * v;
        }
        if (tid == 0) {
            out[j * nb + j] = reflector[1];
        }
        threadgroup_barrier(mem_flags::mem_device | mem_flags::mem_threadgroup);
    }
"""
# --8<-- [end:panel]

# --8<-- [start:wy]
# Compact WY (LAPACK slarft, forward, columnwise): T is upper triangular with T[i, i] =
# tau_i and T[0:i, i] = -tau_i T[0:i, 0:i] (V[:, 0:i]^T v_i). Also Y = V T^T (for R) and
# Yq = V T (for Q). V is unit lower trapezoidal, read from the factored panel.
QR_WY_SOURCE = """
    uint tx = thread_position_in_threadgroup.x;
    uint ty = thread_position_in_threadgroup.y;
    uint tid = ty * NB + tx;
    uint threads = NB * ROWS;
    uint m = rows;
    uint nb = cols;
    threadgroup float gram[NB][NB];
    threadgroup float t[NB][NB];
    // gram[i][k] = v_i^T v_k for i < k (v_i(i) = 1, zero above); i = iy, k = tx.
    for (uint iy = ty; iy < NB; iy += ROWS) {
        if (tx < nb && iy < tx) {
            // Row k contributes v_i(k) * v_k(k), with v_k(k) = 1.
            float s = factored[tx * nb + iy];
            for (uint r = tx + 1; r < m; ++r) {
                s = metal::fma(factored[r * nb + iy], factored[r * nb + tx], s);
            }
            gram[iy][tx] = s;
        }
        t[iy][tx] = 0.0f;
    }
    threadgroup_barrier(mem_flags::mem_threadgroup);
    for (uint i = 0; i < nb; ++i) {
        if (tid < i) {
            float s = 0.0f;
            for (uint k = tid; k < i; ++k) {
                s = metal::fma(t[tid][k], gram[k][i], s);
            }
            t[tid][i] = -tau[i] * s;
        }
        if (tid == i) {
            t[i][i] = tau[i];
        }
        threadgroup_barrier(mem_flags::mem_threadgroup);
    }
    for (uint iy = ty; iy < NB; iy += ROWS) {
        t_out[iy * NB + tx] = t[iy][tx];
    }
    // Y = V T^T and Yq = V T, one row per thread.
    for (uint r = tid; r < m; r += threads) {
        for (uint i = 0; i < nb; ++i) {
            float yr = 0.0f;
            float yq = 0.0f;
            for (uint k = 0; k < nb && k <= r; ++k) {
                float v = (k == r) ? 1.0f : factored[r * nb + k];
                yr = metal::fma(v, t[i][k], yr);
                yq = metal::fma(v, t[k][i], yq);
            }
            y_r[r * nb + i] = yr;
            y_q[r * nb + i] = yq;
        }
    }
"""
# --8<-- [end:wy]

# --8<-- [start:products]
# W = V^T C (kb x n), V unit lower trapezoidal (m x kb). Tiles of V and C pass through
# threadgroup memory; one thread per element of W.
QR_GRAM_SOURCE = """
    uint tx = thread_position_in_threadgroup.x;
    uint ty = thread_position_in_threadgroup.y;
    uint col = threadgroup_position_in_grid.x * TILE + tx;
    uint i = threadgroup_position_in_grid.y * TILE + ty;
    uint m = rows;
    uint n = cols;
    uint kb = width;
    threadgroup float vt[TILE][TILE];
    threadgroup float ct[TILE][TILE];
    float s = 0.0f;
    for (uint r0 = 0; r0 < m; r0 += TILE) {
        uint r = r0 + ty;
        uint vi = threadgroup_position_in_grid.y * TILE + tx;
        float v = 0.0f;
        if (r < m && vi < kb) {
            v = (r == vi) ? 1.0f : (r > vi ? factored[r * kb + vi] : 0.0f);
        }
        vt[ty][tx] = v;  // vt[row][i]
        ct[ty][tx] = (r < m && col < n) ? c[r * n + col] : 0.0f;
        threadgroup_barrier(mem_flags::mem_threadgroup);
        for (uint k = 0; k < TILE; ++k) {
            s = metal::fma(vt[k][ty], ct[k][tx], s);
        }
        threadgroup_barrier(mem_flags::mem_threadgroup);
    }
    if (i < kb && col < n) {
        w[i * n + col] = s;
    }
"""

# C_out = C - Y W (m x n), Y m x kb, W kb x n; kb <= PANEL is walked in TILE steps.
QR_UPDATE_SOURCE = """
    uint tx = thread_position_in_threadgroup.x;
    uint ty = thread_position_in_threadgroup.y;
    uint col = threadgroup_position_in_grid.x * TILE + tx;
    uint row = threadgroup_position_in_grid.y * TILE + ty;
    uint m = rows;
    uint n = cols;
    uint kb = width;
    threadgroup float yt[TILE][TILE];
    threadgroup float wt[TILE][TILE];
    float s = 0.0f;
    for (uint k0 = 0; k0 < kb; k0 += TILE) {
        yt[ty][tx] = (row < m && k0 + tx < kb) ? y[row * kb + k0 + tx] : 0.0f;
        wt[ty][tx] = (k0 + ty < kb && col < n) ? w[(k0 + ty) * n + col] : 0.0f;
        threadgroup_barrier(mem_flags::mem_threadgroup);
        for (uint k = 0; k < TILE; ++k) {
            s = metal::fma(yt[ty][k], wt[k][tx], s);
        }
        threadgroup_barrier(mem_flags::mem_threadgroup);
    }
    if (row < m && col < n) {
        out[row * n + col] = c[row * n + col] - s;
    }
"""
# --8<-- [end:products]


@functools.cache
def qr_panel_kernel() -> Callable[..., list[mx.array]]:
    """Unblocked Householder factorization of one panel (LAPACK sgeqr2), built once."""
    # Written for clarity, as the page says; a panel is at most NB columns wide.
    # metalsim-lint: disable=stack-array-dynamic-index,runtime-integer-division -- clarity
    return mx.fast.metal_kernel(
        name="kernels_qr_panel",
        input_names=["panel", "rows", "cols"],
        output_names=["out", "tau_out"],
        source=QR_PANEL_SOURCE,
    )


@functools.cache
def qr_wy_kernel() -> Callable[..., list[mx.array]]:
    """The T factor of the compact WY form and Y = V T^T, Yq = V T, built once."""
    return mx.fast.metal_kernel(
        name="kernels_qr_wy",
        input_names=["factored", "tau", "rows", "cols"],
        output_names=["t_out", "y_r", "y_q"],
        source=QR_WY_SOURCE,
    )


@functools.cache
def qr_gram_kernel() -> Callable[..., list[mx.array]]:
    """W = V^T C with 16 x 16 tiles, built once."""
    return mx.fast.metal_kernel(
        name="kernels_qr_gram",
        input_names=["factored", "c", "rows", "cols", "width"],
        output_names=["w"],
        source=QR_GRAM_SOURCE,
    )


@functools.cache
def qr_update_kernel() -> Callable[..., list[mx.array]]:
    """C - Y W with 16 x 16 tiles, built once."""
    return mx.fast.metal_kernel(
        name="kernels_qr_update",
        input_names=["c", "y", "w", "rows", "cols", "width"],
        output_names=["out"],
        source=QR_UPDATE_SOURCE,
    )


def _u32(value: int) -> mx.array:
    return mx.array(value, dtype=mx.uint32)


def factor_panel(panel: mx.array) -> tuple[mx.array, mx.array]:
    """Factor a rows x kb panel: returns (factored panel with R above and V below, tau)."""
    rows, kb = panel.shape
    out, tau = qr_panel_kernel()(
        inputs=[panel, _u32(rows), _u32(kb)],
        template=[("NB", PANEL)],
        grid=(PANEL_THREADS, 1, 1),
        threadgroup=(PANEL_THREADS, 1, 1),
        output_shapes=[(rows, kb), (kb,)],
        output_dtypes=[mx.float32, mx.float32],
    )
    return out, tau


def wy_factors(factored: mx.array, tau: mx.array) -> tuple[mx.array, mx.array, mx.array]:
    """(T, V T^T, V T) for a factored panel; T is PANEL x PANEL, zero outside kb x kb."""
    rows, kb = factored.shape
    t, y_r, y_q = qr_wy_kernel()(
        inputs=[factored, tau, _u32(rows), _u32(kb)],
        template=[("NB", PANEL), ("ROWS", WY_ROWS)],
        grid=(PANEL, WY_ROWS, 1),
        threadgroup=(PANEL, WY_ROWS, 1),
        output_shapes=[(PANEL, PANEL), (rows, kb), (rows, kb)],
        output_dtypes=[mx.float32, mx.float32, mx.float32],
    )
    return t, y_r, y_q


def apply_block_reflector(factored: mx.array, y: mx.array, c: mx.array) -> mx.array:
    """C - Y (V^T C): applies (I - V T^T V^T) with Y = V T^T, or (I - V T V^T) with Y = V T."""
    rows, kb = factored.shape
    n = c.shape[1]
    groups_x = -(-n // TILE)
    (w,) = qr_gram_kernel()(
        inputs=[factored, c, _u32(rows), _u32(n), _u32(kb)],
        template=[("TILE", TILE)],
        grid=(groups_x * TILE, -(-kb // TILE) * TILE, 1),
        threadgroup=(TILE, TILE, 1),
        output_shapes=[(kb, n)],
        output_dtypes=[mx.float32],
    )
    (out,) = qr_update_kernel()(
        inputs=[c, y, w, _u32(rows), _u32(n), _u32(kb)],
        template=[("TILE", TILE)],
        grid=(groups_x * TILE, -(-rows // TILE) * TILE, 1),
        threadgroup=(TILE, TILE, 1),
        output_shapes=[(rows, n)],
        output_dtypes=[mx.float32],
    )
    return out


# --8<-- [start:qr]
def check_qr_input(a: object) -> mx.array:
    """Raise TypeError or ValueError unless `a` is float32, m x n, with m >= n >= 1."""
    if not isinstance(a, mx.array):
        raise TypeError(f"qr: `a` must be an mx.array, got {type(a).__name__}")
    if a.dtype != mx.float32:
        raise TypeError(
            f"qr: `a` has dtype {a.dtype}; expected float32 "
            "(convert with a.astype(mx.float32))"
        )
    if a.ndim != 2:
        raise ValueError(f"qr: `a` must be 2-D (m x n), got shape {a.shape}")
    m, n = a.shape
    if n == 0 or m < n:
        raise ValueError(
            f"qr: `a` has shape {a.shape}; expected m >= n >= 1 (for m < n, factor a.T)"
        )
    return a


def qr(a: mx.array) -> tuple[mx.array, mx.array]:
    """Reduced QR of a float32 m x n matrix, m >= n: returns q (m x n) and r (n x n)."""
    check_qr_input(a)
    m, n = a.shape
    # Power-of-two scaling is exact and keeps the panel's sums of squares in range.
    peak = mx.max(mx.abs(a)).item()
    if not math.isfinite(peak):
        raise ValueError("qr: `a` contains NaN or infinity")
    exponent = math.frexp(peak)[1] if peak > 0 else 0
    # Two factors, each a float32 power of two, even for subnormal-sized entries.
    work = a * (2.0 ** -(exponent // 2)) * (2.0 ** -(exponent - exponent // 2))
    blocks = []  # (first column, factored panel, Y for Q)
    for k in range(0, n, PANEL):
        kb = min(PANEL, n - k)
        factored, tau = factor_panel(work[k:, k : k + kb])
        work[k:, k : k + kb] = factored
        _, y_r, y_q = wy_factors(factored, tau)
        if k + kb < n:
            trailing = work[k:, k + kb :]
            work[k:, k + kb :] = apply_block_reflector(factored, y_r, trailing)
        blocks.append((k, factored, y_q))
    r = mx.triu(work[:n, :]) * (2.0 ** (exponent // 2))
    r = r * (2.0 ** (exponent - exponent // 2))
    # Q = H_1 ... H_n [I; 0], accumulated from the last block backwards (LAPACK sorgqr).
    q = mx.eye(m, n, dtype=mx.float32)
    for k, factored, y_q in reversed(blocks):
        q[k:, k:] = apply_block_reflector(factored, y_q, q[k:, k:])
    return q, r
# --8<-- [end:qr]


def qr_reference(a: mx.array) -> tuple[mx.array, mx.array]:
    """MLX's own QR on the CPU stream (LAPACK underneath), the same sign convention."""
    return mx.linalg.qr(a, stream=mx.cpu)
