"""The tiled transpose against `x.T`."""

from __future__ import annotations

import mlx.core as mx
import pytest

from metal_guide.kernels.transpose import transpose, transpose_reference

from .conftest import FLOAT_DTYPES, SCHEDULES, dtype_id, schedule

# Tile edges are 32: shapes below, at and above one and several tiles, and a long thin one.
SHAPES = [(3, 5), (31, 33), (33, 65), (257, 129), (1, 4097)]


@pytest.mark.metal
@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=dtype_id)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_matches_reference(dtype: mx.Dtype, shape: tuple[int, int]) -> None:
    mx.random.seed(shape[0])
    x = mx.random.normal(shape).astype(dtype)
    # A transpose moves values: the result is exact.
    assert mx.array_equal(transpose(x), transpose_reference(x))


@pytest.mark.metal
@pytest.mark.parametrize("name", SCHEDULES)
def test_same_result_under_every_schedule(name: str) -> None:
    x = mx.random.normal((257, 129))
    with schedule(name):
        assert mx.array_equal(transpose(x), x.T)


@pytest.mark.metal
def test_non_contiguous_input() -> None:
    x = mx.random.normal((40, 70))[::2, 3:]
    assert mx.array_equal(transpose(x), transpose_reference(x))


def test_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match=r"`x` has 3 dimension\(s\); expected 2"):
        transpose(mx.zeros((2, 3, 4)))
    with pytest.raises(TypeError, match="`x` has dtype uint8"):
        transpose(mx.zeros((2, 3), dtype=mx.uint8))
