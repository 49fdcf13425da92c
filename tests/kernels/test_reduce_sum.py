"""reduce_sum against its reference: every dtype x awkward length, schedules, errors."""

from __future__ import annotations

import math

import mlx.core as mx
import pytest

from metal_guide.kernels.reduce_sum import (
    MAX_PARTIALS,
    THREADGROUP_SIZE,
    reduce_sum,
    reduce_sum_reference,
)
from metal_guide.kernels.testing import TOLERANCES, assert_matches_reference

from .conftest import (
    AWKWARD_LENGTHS,
    FLOAT_DTYPES,
    SCHEDULE_LENGTHS,
    SCHEDULES,
    dtype_id,
    rows,
    schedule,
)


def sum_tolerance(dtype: mx.Dtype, terms: int) -> tuple[float, float]:
    """The table's tolerance, widened for sums: two float32 summation orders differ by up
    to about sqrt(terms) float32 roundings of the partial sums (inputs are N(0, 1))."""
    rtol, atol = TOLERANCES[dtype]
    return rtol, atol + math.sqrt(terms) * 2.0**-23 * math.sqrt(terms)


@pytest.mark.metal
@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=dtype_id)
@pytest.mark.parametrize("n", AWKWARD_LENGTHS)
def test_row_sums_match_reference(dtype: mx.Dtype, n: int) -> None:
    x = rows(n, dtype)
    rtol, atol = sum_tolerance(dtype, n)
    assert_matches_reference(
        reduce_sum(x), reduce_sum_reference(x), rtol=rtol, atol=atol, what=f"n={n}"
    )


@pytest.mark.metal
@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=dtype_id)
@pytest.mark.parametrize(
    "shape",
    # one threadgroup; several; more than MAX_PARTIALS full threadgroups (grid-stride loop)
    [(31,), (2, 5, 1000), (THREADGROUP_SIZE * MAX_PARTIALS + 4097,)],
    ids=str,
)
def test_whole_array_sum_matches_reference(dtype: mx.Dtype, shape: tuple[int, ...]) -> None:
    mx.random.seed(len(shape))
    x = mx.random.normal(shape).astype(dtype)
    rtol, atol = sum_tolerance(dtype, x.size)
    assert_matches_reference(
        reduce_sum(x, axis=None), reduce_sum_reference(x, axis=None), rtol=rtol, atol=atol
    )


@pytest.mark.metal
def test_last_axis_given_as_positive_index_and_non_contiguous_input() -> None:
    x = rows(33, mx.float32)
    assert_matches_reference(reduce_sum(x, axis=2), reduce_sum_reference(x))
    xt = mx.swapaxes(x, 0, 2)  # a strided view: MLX copies it before the launch
    assert_matches_reference(reduce_sum(xt), reduce_sum_reference(xt))


@pytest.mark.metal
@pytest.mark.parametrize("name", SCHEDULES)
@pytest.mark.parametrize("n", SCHEDULE_LENGTHS)
def test_same_bits_under_every_schedule(name: str, n: int) -> None:
    x = rows(n, mx.float32)
    forward = reduce_sum(x)
    whole = reduce_sum(x, axis=None)
    with schedule(name):
        assert mx.array_equal(reduce_sum(x), forward)
        assert mx.array_equal(reduce_sum(x, axis=None), whole)


@pytest.mark.parametrize("dtype", [mx.int32, mx.bool_, mx.float64], ids=str)
def test_rejects_non_float_dtypes(dtype: mx.Dtype) -> None:
    with pytest.raises(TypeError, match=r"`x` has dtype \w+; expected float32"):
        reduce_sum(mx.zeros((4,), dtype=dtype))


def test_rejects_bad_axis_and_shapes() -> None:
    with pytest.raises(ValueError, match="`axis`=0 is not supported"):
        reduce_sum(mx.zeros((4, 4)), axis=0)
    with pytest.raises(TypeError, match="`axis` must be -1 or None"):
        reduce_sum(mx.zeros((4,)), axis=1.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="`x` is 0-d"):
        reduce_sum(mx.array(1.0))
    with pytest.raises(ValueError, match=r"`x` is empty \(shape \(3, 0\)\)"):
        reduce_sum(mx.zeros((3, 0)))
    with pytest.raises(TypeError, match="`x` must be an mx.array, got list"):
        reduce_sum([1.0, 2.0])  # type: ignore[arg-type]


def test_rejects_more_than_2_to_the_31_elements() -> None:
    huge = mx.broadcast_to(mx.array(1.0), (65536, 32768))  # lazy: never allocated
    with pytest.raises(ValueError, match=r"limit of 2147483647 \(2\*\*31 - 1\)"):
        reduce_sum(huge)
