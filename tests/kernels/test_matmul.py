"""Both matmul kernels (tiled, simdgroup_matrix) against the float32 reference, at sizes that
are no multiple of a tile."""

from __future__ import annotations

import math

import mlx.core as mx
import pytest

from metal_guide.kernels.matmul import matmul, matmul_reference
from metal_guide.kernels.testing import TOLERANCES, assert_matches_reference

from .conftest import FLOAT_DTYPES, SCHEDULES, dtype_id, schedule

# (m, k, n): one element; smaller than a tile; two tiles + 1 in every dimension; many tiles.
SHAPES = [(1, 1, 1), (7, 13, 5), (33, 65, 31), (257, 129, 255)]


def operands(m: int, k: int, n: int, dtype: mx.Dtype) -> tuple[mx.array, mx.array]:
    mx.random.seed(m * 31 + k)
    a = mx.random.normal((m, k)).astype(dtype)
    b = mx.random.normal((k, n)).astype(dtype)
    return a, b


# The simdgroup variant skips, with the probe's finding, where the device lacks simdgroup_matrix.
VARIANTS = [
    pytest.param(False, id="tiled"),
    pytest.param(True, id="simdgroup", marks=pytest.mark.metal_feature("simdgroup_matrix")),
]


def matmul_tolerance(dtype: mx.Dtype, k: int) -> tuple[float, float]:
    """The table's tolerance plus float32 reordering error of a length-k dot product of
    N(0, 1) terms: about sqrt(k) roundings of size 2**-24 * sqrt(k) each."""
    rtol, atol = TOLERANCES[dtype]
    return rtol, atol + k * 2.0**-24 * 4


@pytest.mark.metal
@pytest.mark.parametrize("simdgroup", VARIANTS)
@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=dtype_id)
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "x".join(map(str, s)))
def test_matches_reference(
    simdgroup: bool, dtype: mx.Dtype, shape: tuple[int, int, int]
) -> None:
    a, b = operands(*shape, dtype)
    rtol, atol = matmul_tolerance(dtype, shape[1])
    got = matmul(a, b, simdgroup=simdgroup)
    assert_matches_reference(got, matmul_reference(a, b), rtol=rtol, atol=atol)


@pytest.mark.metal
@pytest.mark.parametrize("simdgroup", VARIANTS)
@pytest.mark.parametrize("name", SCHEDULES)
@pytest.mark.parametrize("shape", [(33, 65, 31), (257, 129, 255)], ids=str)
def test_same_bits_under_every_schedule(
    simdgroup: bool, name: str, shape: tuple[int, int, int]
) -> None:
    a, b = operands(*shape, mx.float32)
    forward = matmul(a, b, simdgroup=simdgroup)
    with schedule(name):
        assert mx.array_equal(matmul(a, b, simdgroup=simdgroup), forward)


@pytest.mark.metal
def test_transposed_operands_are_copied_not_misread() -> None:
    a, b = operands(33, 65, 31, mx.float32)
    at, bt = mx.contiguous(a.T), mx.contiguous(b.T)  # row-contiguous transposes
    got = matmul(at.T, bt.T)  # strided views of the original matrices
    rtol, atol = matmul_tolerance(mx.float32, 65)
    assert_matches_reference(got, matmul_reference(a, b), rtol=rtol, atol=atol)


def test_rejects_bad_input() -> None:
    a = mx.zeros((3, 4))
    with pytest.raises(ValueError, match=r"`a` has 4 columns but `b` has 5 rows"):
        matmul(a, mx.zeros((5, 2)))
    with pytest.raises(ValueError, match=r"`b` has 1 dimension\(s\); expected 2"):
        matmul(a, mx.zeros((4,)))
    with pytest.raises(TypeError, match="`b` has dtype float16 but `a` has float32"):
        matmul(a, mx.zeros((4, 2), dtype=mx.float16))
    with pytest.raises(ValueError, match="`a` is empty"):
        matmul(mx.zeros((0, 4)), mx.zeros((4, 2)))
    wide = mx.broadcast_to(mx.array(1.0), (65536, 1))
    tall = mx.broadcast_to(mx.array(1.0), (1, 65536))
    with pytest.raises(ValueError, match=r"4294967296 elements, more than"):
        matmul(wide, tall)
    assert math.prod((65536, 65536)) == 2**32
