"""SIMD-group matrices (`simdgroup_matrix<T, 8, 8>`) against NumPy, for float, half and bfloat.

The lane layout of `thread_elements()` is MLX's (steel `BaseMMAFrag::get_coord`); the tests
state it independently here (`lane_coord`) and check loads, stores and hand-filled fragments
against it.
"""

from __future__ import annotations

import functools

import mlx.core as mx
import numpy as np
import pytest

import metalsim
from metal_guide.kernels.testing import FLOAT_DTYPES, assert_matches_reference

pytestmark = pytest.mark.metal


def lane_coord(lane: int) -> tuple[int, int]:
    """(row, first column) of the two elements lane `lane` holds; the second is column + 1."""
    qid = lane // 4
    return (qid & 4) + (lane // 2) % 4, (qid & 2) * 2 + (lane % 2) * 2


# Every operation once, with elements-per-row, origins and transposes that differ from the
# defaults, through device and threadgroup memory. `a` is a 16x16 array (the 8x8 window at
# column ox, row oy is loaded), `b` an 8x8 array loaded transposed, `c` an 8x8 array loaded from
# threadgroup memory after each lane copies its own elements there.
OPS_SOURCE = """
    uint lane = thread_index_in_simdgroup;
    simdgroup_matrix<T, 8, 8> A, B, C, D, E;
    simdgroup_load(A, a, 16, ulong2(ox, oy));
    simdgroup_load(B, b, 8, ulong2(0, 0), true);
    threadgroup T tile[64];
    for (uint k = 0; k < 2; k++) {
        tile[2 * lane + k] = c[2 * lane + k];
    }
    simdgroup_barrier(mem_flags::mem_threadgroup);
    simdgroup_load(C, tile, 8);
    simdgroup_multiply(D, A, B);
    simdgroup_multiply_accumulate(E, A, B, C);
    simdgroup_store(D, prod, 8);
    simdgroup_store(E, acc, 16, ulong2(8, 0));
    simdgroup_store(E, acc, 16, ulong2(0, 0), true);
    simdgroup_barrier(mem_flags::mem_threadgroup);
    simdgroup_store(E, tile, 8, 0, true);
    simdgroup_barrier(mem_flags::mem_threadgroup);
    for (uint k = 0; k < 2; k++) {
        acc_t_tg[2 * lane + k] = tile[2 * lane + k];
        a_elems[2 * lane + k] = A.thread_elements()[k];
    }
    simdgroup_store(make_filled_simdgroup_matrix<T, 8, 8>(T(2.5f)), filled, 8);
    simdgroup_store(simdgroup_matrix<T, 8, 8>(T(3.0f)), diagonal, 8);
"""


@functools.cache
def ops_kernel() -> metalsim.MetalKernel:
    return metalsim.metal_kernel(
        name="sgm_ops",
        input_names=["a", "b", "c", "ox", "oy"],
        output_names=["prod", "acc", "acc_t_tg", "a_elems", "filled", "diagonal"],
        source=OPS_SOURCE,
    )


def _rounded(x: np.ndarray, dtype: mx.Dtype) -> tuple[mx.array, np.ndarray]:
    """The MLX input and the float64 values it really holds."""
    arr = mx.array(x.astype(np.float32)).astype(dtype)
    return arr, np.array(arr.astype(mx.float32)).astype(np.float64)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize(("ox", "oy"), [(0, 0), (5, 3), (8, 8)])
def test_operations_match_numpy(dtype: mx.Dtype, ox: int, oy: int) -> None:
    rng = np.random.default_rng(ox * 16 + oy)
    a, a64 = _rounded(rng.uniform(-2, 2, (16, 16)), dtype)
    b, b64 = _rounded(rng.uniform(-2, 2, (8, 8)), dtype)
    c, c64 = _rounded(rng.uniform(-2, 2, (8, 8)), dtype)
    prod, acc, acc_t_tg, a_elems, filled, diagonal = ops_kernel()(
        inputs=[a, b, c, mx.array(ox, mx.uint32), mx.array(oy, mx.uint32)],
        template=[("T", dtype)],
        grid=(32, 1, 1),
        threadgroup=(32, 1, 1),
        output_shapes=[(8, 8), (8, 16), (8, 8), (64,), (8, 8), (8, 8)],
        output_dtypes=[dtype] * 6,
        init_value=-7.0,
    )
    window = a64[oy : oy + 8, ox : ox + 8]
    want_prod = window @ b64.T
    want_acc = want_prod + c64
    # acc: E at columns 8..15, and E transposed at columns 0..7.
    want_acc_full = np.concatenate([want_acc.T, want_acc], axis=1)

    def check(got: mx.array, want: np.ndarray, what: str) -> None:
        assert_matches_reference(got, mx.array(want.astype(np.float32)).astype(dtype), what=what)

    check(prod, want_prod, "simdgroup_multiply")
    check(acc, want_acc_full, "simdgroup_multiply_accumulate, stores with origin/transpose")
    check(acc_t_tg, want_acc.T, "transposed store to threadgroup memory")
    check(filled, np.full((8, 8), 2.5), "make_filled_simdgroup_matrix")
    check(diagonal, 3.0 * np.eye(8), "diagonal constructor")
    lanes = np.array(a_elems.astype(mx.float32)).reshape(32, 2)
    for lane in range(32):
        row, col = lane_coord(lane)
        np.testing.assert_array_equal(lanes[lane], window[row, col : col + 2], f"lane {lane}")


# Fragments filled by hand through thread_elements() (as MLX's steel GEMM does), multiplied,
# stored: a test of the layout that does not go through simdgroup_load.
HAND_FILLED_SOURCE = """
    uint lane = thread_index_in_simdgroup;
    simdgroup_float8x8 A, B, D;
    A.thread_elements()[0] = a[2 * lane];
    A.thread_elements()[1] = a[2 * lane + 1];
    B.thread_elements() = float2(1.0f, 0.0f) * float(lane == 0);
    simdgroup_multiply(D, A, B);
    simdgroup_store(A, stored, 8);
    simdgroup_store(D, prod, 8);
"""


def test_hand_filled_fragments_follow_mlx_layout() -> None:
    kernel = metalsim.metal_kernel(
        name="sgm_hand", input_names=["a"], output_names=["stored", "prod"],
        source=HAND_FILLED_SOURCE,
    )  # fmt: skip
    per_lane = np.arange(64, dtype=np.float32)
    stored, prod = kernel(
        inputs=[mx.array(per_lane)], grid=(32, 1, 1), threadgroup=(32, 1, 1),
        output_shapes=[(8, 8), (8, 8)], output_dtypes=[mx.float32, mx.float32],
    )  # fmt: skip
    want = np.zeros((8, 8), np.float32)
    for lane in range(32):
        row, col = lane_coord(lane)
        want[row, col : col + 2] = per_lane[2 * lane : 2 * lane + 2]
    np.testing.assert_array_equal(np.array(stored), want)
    # B is 1 at (0, 0) only (lane 0's first element), so A @ B keeps A's first column.
    want_prod = np.zeros((8, 8), np.float32)
    want_prod[:, 0] = want[:, 0]
    np.testing.assert_array_equal(np.array(prod), want_prod)


# A tiled GEMM as real kernels write it: 2x2 SIMD groups per threadgroup, each computing a
# 16x16 block of C from threadgroup tiles of A and B, K in steps of 8. M, N multiples of 32,
# K a multiple of 8.
GEMM_SOURCE = """
    uint sg = simdgroup_index_in_threadgroup;
    uint t = thread_index_in_threadgroup;
    uint row0 = threadgroup_position_in_grid.y * 32;
    uint col0 = threadgroup_position_in_grid.x * 32;
    uint sr = (sg / 2) * 16;
    uint sc = (sg % 2) * 16;
    int K = a_shape[1];
    int N = b_shape[1];
    threadgroup T as[32 * 8];
    threadgroup T bs[8 * 32];
    simdgroup_matrix<float, 8, 8> acc[2][2];
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++)
            acc[i][j] = make_filled_simdgroup_matrix<float, 8, 8>(0.0f);
    for (int k0 = 0; k0 < K; k0 += 8) {
        for (uint e = t; e < 256; e += 128) {
            as[e] = a[(row0 + e / 8) * K + k0 + e % 8];
            bs[e] = b[(k0 + e / 32) * N + col0 + e % 32];
        }
        threadgroup_barrier(mem_flags::mem_threadgroup);
        simdgroup_matrix<T, 8, 8> fa[2], fb[2];
        for (int i = 0; i < 2; i++) simdgroup_load(fa[i], as, 8, ulong2(0, sr + 8 * i));
        for (int j = 0; j < 2; j++) simdgroup_load(fb[j], bs, 32, ulong2(sc + 8 * j, 0));
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 2; j++)
                simdgroup_multiply_accumulate(acc[i][j], fa[i], fb[j], acc[i][j]);
        threadgroup_barrier(mem_flags::mem_threadgroup);
    }
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++) {
            simdgroup_matrix<T, 8, 8> r;
            r.thread_elements() = vec<T, 2>(acc[i][j].thread_elements());
            simdgroup_store(r, c, N, ulong2(col0 + sc + 8 * j, row0 + sr + 8 * i));
        }
"""


@functools.cache
def gemm_kernel() -> metalsim.MetalKernel:
    return metalsim.metal_kernel(
        name="sgm_gemm", input_names=["a", "b"], output_names=["c"], source=GEMM_SOURCE
    )


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize(("m", "n", "k"), [(32, 32, 8), (64, 96, 40)])
@pytest.mark.parametrize("schedule", ["forward", "reverse", "random"])
def test_tiled_gemm(dtype: mx.Dtype, m: int, n: int, k: int, schedule: str) -> None:
    rng = np.random.default_rng(m + n + k)
    a, a64 = _rounded(rng.uniform(-1, 1, (m, k)), dtype)
    b, b64 = _rounded(rng.uniform(-1, 1, (k, n)), dtype)
    with metalsim.settings(schedule=schedule, seed=3):
        (c,) = gemm_kernel()(
            inputs=[a, b], template=[("T", dtype)],
            grid=(n // 32 * 128, m // 32, 1), threadgroup=(128, 1, 1),
            output_shapes=[(m, n)], output_dtypes=[dtype],
        )  # fmt: skip
    assert_matches_reference(c, mx.array((a64 @ b64).astype(np.float32)).astype(dtype))


DIVERGENT_SOURCE = """
    if (thread_index_in_simdgroup == 5) {
        return;
    }
    simdgroup_float8x8 A;
    simdgroup_load(A, a, 8);
    simdgroup_store(A, out, 8);
"""


def test_lane_that_skips_the_collective_is_diagnosed() -> None:
    kernel = metalsim.metal_kernel(
        name="sgm_divergent", input_names=["a"], output_names=["out"], source=DIVERGENT_SOURCE
    )
    with pytest.raises(metalsim.KernelRuntimeError) as err:
        kernel(
            inputs=[mx.zeros((64,))], grid=(32, 1, 1), threadgroup=(32, 1, 1),
            output_shapes=[(64,)], output_dtypes=[mx.float32],
        )  # fmt: skip
    msg = str(err.value)
    assert "simdgroup_load was reached by only 31 of the 32 lanes of SIMD group 0" in msg
    assert "<source>:6:" in msg  # the call's line in the user's source


def test_partial_simd_group_is_diagnosed() -> None:
    with pytest.raises(metalsim.KernelRuntimeError) as err:
        ops_kernel()(
            inputs=[mx.zeros((16, 16)), mx.zeros((8, 8)), mx.zeros((8, 8)),
                    mx.array(0, mx.uint32), mx.array(0, mx.uint32)],
            template=[("T", mx.float32)], grid=(48, 1, 1), threadgroup=(48, 1, 1),
            output_shapes=[(8, 8), (8, 16), (8, 8), (64,), (8, 8), (8, 8)],
            output_dtypes=[mx.float32] * 6,
        )  # fmt: skip
    assert "needs a full SIMD group of 32 threads, but SIMD group 1" in str(err.value)
    assert "has only 16" in str(err.value)
