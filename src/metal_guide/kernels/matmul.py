"""2-D matrix multiplication, tiled through threadgroup memory.

Each 16x16 threadgroup computes a 64x64 block of `c = a @ b`. It walks the shared dimension in
steps of 16: the threadgroup copies a 64x16 tile of `a` and a 16x64 tile of `b` into threadgroup
memory (zero-filled past the matrix edges, so the inner loop has no conditions), waits at a
barrier, and each thread multiplies a 4x4 block of outputs out of the tiles. Inputs stay in their
own type in memory; every product is accumulated in float32.
"""

from __future__ import annotations

# --8<-- [start:kernel]
import functools
from collections.abc import Callable

import mlx.core as mx

from metal_guide.kernels.validation import check_float_array, check_same_dtype

BLOCK_M = BLOCK_N = 64  # outputs per threadgroup: a 64x64 block of c
BLOCK_K = 16  # shared-dimension step per barrier pair
THREADS = 16  # a 16x16 threadgroup; each thread owns 4x4 outputs
PAD = 4  # extra columns per tile row, against threadgroup-memory bank conflicts

MATMUL_TILED_SOURCE = """
    threadgroup T a_tile[BM][BK + PAD];
    threadgroup T b_tile[BK][BN + PAD];
    const uint M = dims[0], K = dims[1], N = dims[2];
    const uint tx = thread_position_in_threadgroup.x;
    const uint ty = thread_position_in_threadgroup.y;
    const uint tid = ty * TN + tx;
    const uint row0 = threadgroup_position_in_grid.y * BM;
    const uint col0 = threadgroup_position_in_grid.x * BN;
    constexpr uint WM = BM / TN;  // outputs per thread along each axis (4)
    constexpr uint WN = BN / TN;
    float acc[WM][WN] = {};

    for (uint k0 = 0; k0 < K; k0 += BK) {
        // Load both tiles: TN*TN threads, each copying BM*BK/(TN*TN) elements of each.
        // Out-of-range elements become 0 so that they add nothing below.
        for (uint e = tid; e < BM * BK; e += TN * TN) {
            uint r = e / BK, c = e % BK;
            uint gr = row0 + r, gc = k0 + c;
            a_tile[r][c] = (gr < M && gc < K) ? a[gr * K + gc] : T(0);
        }
        for (uint e = tid; e < BK * BN; e += TN * TN) {
            uint r = e / BN, c = e % BN;
            uint gr = k0 + r, gc = col0 + c;
            b_tile[r][c] = (gr < K && gc < N) ? b[gr * N + gc] : T(0);
        }
        threadgroup_barrier(mem_flags::mem_threadgroup);  // tiles complete
        for (uint kk = 0; kk < BK; ++kk) {
            float av[WM], bv[WN];
            for (uint i = 0; i < WM; ++i) av[i] = float(a_tile[ty + i * TN][kk]);
            for (uint j = 0; j < WN; ++j) bv[j] = float(b_tile[kk][tx + j * TN]);
            for (uint i = 0; i < WM; ++i)
                for (uint j = 0; j < WN; ++j)
                    acc[i][j] += av[i] * bv[j];
        }
        threadgroup_barrier(mem_flags::mem_threadgroup);  // done reading before the next load
    }
    // Thread (tx, ty) owns rows ty + i*TN and columns tx + j*TN: neighbouring threads
    // write neighbouring columns.
    for (uint i = 0; i < WM; ++i) {
        for (uint j = 0; j < WN; ++j) {
            uint r = row0 + ty + i * TN, c = col0 + tx + j * TN;
            if (r < M && c < N) {
                out[r * N + c] = T(acc[i][j]);
            }
        }
    }
"""


@functools.cache
def matmul_kernel() -> Callable[..., list[mx.array]]:
    """The tiled kernel; block sizes are template arguments."""
    return mx.fast.metal_kernel(
        name="mg_matmul_tiled", input_names=["a", "b", "dims"], output_names=["out"],
        source=MATMUL_TILED_SOURCE,
    )  # fmt: skip
# --8<-- [end:kernel]


# --8<-- [start:validate]
MAX_DIM = 2**31 - 1


def check_matmul_inputs(a: mx.array, b: mx.array) -> None:
    """TypeError/ValueError naming the argument, for anything the kernels cannot take."""
    for name, m in (("a", a), ("b", b)):
        check_float_array("matmul", name, m)
        if m.ndim != 2:
            raise ValueError(
                f"matmul: `{name}` has {m.ndim} dimension(s); expected 2 (a matrix)"
            )
    check_same_dtype("matmul", "b", b, "a", a)
    if a.shape[1] != b.shape[0]:
        raise ValueError(
            f"matmul: shapes {tuple(a.shape)} and {tuple(b.shape)} do not chain: "
            f"`a` has {a.shape[1]} columns but `b` has {b.shape[0]} rows"
        )
    if a.shape[0] * b.shape[1] > MAX_DIM:
        raise ValueError(
            f"matmul: the result would have {a.shape[0] * b.shape[1]} elements, more than "
            f"this kernel's limit of {MAX_DIM} (2**31 - 1)"
        )
# --8<-- [end:validate]


# --8<-- [start:launch]
def matmul(a: mx.array, b: mx.array) -> mx.array:
    """`a @ b` for 2-D float32, float16 or bfloat16 matrices of one dtype.

    Accumulates in float32 and rounds once to the input dtype. Any size works; sizes that are
    not multiples of the 64x64 block are handled by zero-filled tiles and a guarded store.

    Raises:
        TypeError: non-float or mismatched dtypes.
        ValueError: not 2-D, empty, shapes that do not chain, or a result too large.
    """
    check_matmul_inputs(a, b)
    m, k = a.shape
    n = b.shape[1]
    blocks_x, blocks_y = -(-n // BLOCK_N), -(-m // BLOCK_M)
    (out,) = matmul_kernel()(
        inputs=[a, b, mx.array([m, k, n], dtype=mx.uint32)],
        template=[("T", a.dtype), ("BM", BLOCK_M), ("BN", BLOCK_N), ("BK", BLOCK_K),
                  ("TN", THREADS), ("PAD", PAD)],
        grid=(blocks_x * THREADS, blocks_y * THREADS, 1),  # threads, not threadgroups
        threadgroup=(THREADS, THREADS, 1),
        output_shapes=[(m, n)],
        output_dtypes=[a.dtype],
    )  # fmt: skip
    return out
# --8<-- [end:launch]


# --8<-- [start:reference]
def matmul_reference(a: mx.array, b: mx.array) -> mx.array:
    """`a @ b` in plain MLX, in float32, rounded once to the input dtype."""
    return (a.astype(mx.float32) @ b.astype(mx.float32)).astype(a.dtype)
# --8<-- [end:reference]
