"""2-D matrix multiplication, tiled through threadgroup memory; plain or with simdgroup_matrix.

Each 16x16 threadgroup computes a 64x64 block of `c = a @ b`. It walks the shared dimension in
steps of 16: the threadgroup copies a 64x16 tile of `a` and a 16x64 tile of `b` into threadgroup
memory (zero-filled past the matrix edges, so the inner loop has no conditions), waits at a
barrier, and each thread multiplies a 4x4 block of outputs out of the tiles. Inputs stay in their
own type in memory; every product is accumulated in float32.

The `simdgroup` variant does the inner product with 8x8 `simdgroup_matrix` fragments, as MLX's
steel GEMM does: each SIMD group of a 2x2 arrangement multiplies 2x2 fragments per step.
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
        threadgroup_barrier(mem_flags::mem_threadgroup);  // all done reading the tiles
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


# --8<-- [start:simdgroup]
SG_BLOCK = 32  # outputs per threadgroup: a 32x32 block, 4 SIMD groups of 16x16 each
SG_BLOCK_K = 16  # two 8-deep fragment steps per barrier pair
SG_THREADS = 128  # 4 SIMD groups of 32

MATMUL_SIMDGROUP_SOURCE = """
    // Tiles are staged as float, so fragments and accumulators are float for
    // every input type (MLX's steel GEMM also accumulates in float).
    threadgroup float a_tile[BM][BK + PAD];
    threadgroup float b_tile[BK][BN + PAD];
    threadgroup float c_tile[BM][BN + PAD];
    const uint M = dims[0], K = dims[1], N = dims[2];
    const uint tid = thread_index_in_threadgroup;
    const uint sg = simdgroup_index_in_threadgroup;
    const uint row0 = threadgroup_position_in_grid.y * BM;
    const uint col0 = threadgroup_position_in_grid.x * BN;
    const uint sr = (sg / 2) * 16;  // this SIMD group's 16x16 corner of the block
    const uint sc = (sg % 2) * 16;
    simdgroup_float8x8 acc[2][2];
    for (uint i = 0; i < 2; ++i)
        for (uint j = 0; j < 2; ++j)
            acc[i][j] = make_filled_simdgroup_matrix<float, 8, 8>(0.0f);

    for (uint k0 = 0; k0 < K; k0 += BK) {
        for (uint e = tid; e < BM * BK; e += NT) {
            uint r = e / BK, c = e % BK;
            uint gr = row0 + r, gc = k0 + c;
            a_tile[r][c] = (gr < M && gc < K) ? float(a[gr * K + gc]) : 0.0f;
        }
        for (uint e = tid; e < BK * BN; e += NT) {
            uint r = e / BN, c = e % BN;
            uint gr = k0 + r, gc = col0 + c;
            b_tile[r][c] = (gr < K && gc < N) ? float(b[gr * N + gc]) : 0.0f;
        }
        threadgroup_barrier(mem_flags::mem_threadgroup);
        // Every lane of the SIMD group takes part in each fragment operation.
        for (uint kk = 0; kk < BK; kk += 8) {
            simdgroup_float8x8 fa[2], fb[2];
            for (uint i = 0; i < 2; ++i)
                simdgroup_load(fa[i], &a_tile[sr + 8 * i][kk], BK + PAD);
            for (uint j = 0; j < 2; ++j)
                simdgroup_load(fb[j], &b_tile[kk][sc + 8 * j], BN + PAD);
            for (uint i = 0; i < 2; ++i)
                for (uint j = 0; j < 2; ++j)
                    simdgroup_multiply_accumulate(acc[i][j], fa[i], fb[j], acc[i][j]);
        }
        threadgroup_barrier(mem_flags::mem_threadgroup);
    }
    // Fragments store whole 8x8 blocks: go through threadgroup memory so that
    // the edges can be guarded and the result converted to T.
    for (uint i = 0; i < 2; ++i)
        for (uint j = 0; j < 2; ++j)
            simdgroup_store(acc[i][j], &c_tile[sr + 8 * i][sc + 8 * j], BN + PAD);
    threadgroup_barrier(mem_flags::mem_threadgroup);
    for (uint e = tid; e < BM * BN; e += NT) {
        uint r = e / BN, c = e % BN;
        if (row0 + r < M && col0 + c < N) {
            out[(row0 + r) * N + col0 + c] = T(c_tile[r][c]);
        }
    }
"""


@functools.cache
def matmul_simdgroup_kernel() -> Callable[..., list[mx.array]]:
    """The simdgroup_matrix kernel: 128 threads per 32x32 block of the output."""
    return mx.fast.metal_kernel(
        name="mg_matmul_simdgroup", input_names=["a", "b", "dims"],
        output_names=["out"], source=MATMUL_SIMDGROUP_SOURCE,
    )  # fmt: skip
# --8<-- [end:simdgroup]


# --8<-- [start:validate]
MAX_DIM = 2**31 - 1


def check_matmul_inputs(a: mx.array, b: mx.array) -> None:
    """TypeError/ValueError naming the argument, for anything the kernel can't take."""
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
            f"matmul: the result would have {a.shape[0] * b.shape[1]} elements, "
            f"more than this kernel's limit of {MAX_DIM} (2**31 - 1)"
        )
# --8<-- [end:validate]


# --8<-- [start:launch]
def matmul(a: mx.array, b: mx.array, *, simdgroup: bool = False) -> mx.array:
    """`a @ b` for 2-D float32, float16 or bfloat16 matrices of one dtype.

    Accumulates in float32 and rounds once to the input dtype. Any size works:
    sizes that are not multiples of the block get zero-filled tiles and a
    guarded store. `simdgroup=True` uses the `simdgroup_matrix` kernel.

    Raises:
        TypeError: non-float or mismatched dtypes.
        ValueError: not 2-D, empty, shapes that do not chain, or a result too large.
    """
    check_matmul_inputs(a, b)
    m, k = a.shape
    n = b.shape[1]
    dims = mx.array([m, k, n], dtype=mx.uint32)
    if simdgroup:
        blocks_x, blocks_y = -(-n // SG_BLOCK), -(-m // SG_BLOCK)
        (out,) = matmul_simdgroup_kernel()(
            inputs=[a, b, dims],
            template=[("T", a.dtype), ("BM", SG_BLOCK), ("BN", SG_BLOCK),
                      ("BK", SG_BLOCK_K), ("NT", SG_THREADS), ("PAD", PAD)],
            grid=(blocks_x * SG_THREADS, blocks_y, 1),
            threadgroup=(SG_THREADS, 1, 1),
            output_shapes=[(m, n)], output_dtypes=[a.dtype],
        )  # fmt: skip
        return out
    blocks_x, blocks_y = -(-n // BLOCK_N), -(-m // BLOCK_M)
    (out,) = matmul_kernel()(
        inputs=[a, b, dims],
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
