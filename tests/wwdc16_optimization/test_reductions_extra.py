"""The reductions beyond the pairs: the atomic total, schedules, and the fma variants."""

from __future__ import annotations

import mlx.core as mx
import pytest

import metalsim
from metal_guide.kernels.testing import FLOAT_DTYPES, assert_matches_reference
from metal_guide.wwdc16_optimization import fma, reductions

SHAPES = [(1, 1), (3, 31), (2, 33), (5, 1000)]


@pytest.mark.metal
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=str)
def test_atomic_total_matches_reference(dtype: mx.Dtype, shape: tuple[int, int]) -> None:
    x = mx.random.normal(shape).astype(dtype)
    # atomic additions arrive in any order: float32 rounding differs a little
    assert_matches_reference(reductions.total_sum(x), reductions.total_sum_reference(x),
                             rtol=1e-4, atol=1e-4)


@pytest.mark.metal
@pytest.mark.parametrize("schedule", ["forward", "reverse", "random"])
@pytest.mark.parametrize("variant", ["threadgroup_barrier", "simdgroup_barrier"])
def test_barrier_trees_under_every_schedule(variant: str, schedule: str) -> None:
    x = mx.random.normal((4, 77))
    with metalsim.settings(schedule=schedule, seed=7, strict_barriers=True):
        out = reductions.row_sum(x, variant)
        mx.eval(out)
    assert_matches_reference(out, reductions.row_sum_reference(x), rtol=1e-4, atol=1e-4)


@pytest.mark.metal
@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=str)
def test_horner_without_contraction(dtype: mx.Dtype) -> None:
    x = mx.random.uniform(-1, 1, (1000,)).astype(dtype)
    assert_matches_reference(fma.horner(x, "no_contraction"), fma.horner_reference(x))


@pytest.mark.parametrize("bad", [mx.zeros((4,)), mx.zeros((2, 3), dtype=mx.int32)], ids=str)
def test_row_sum_rejects_bad_input(bad: mx.array) -> None:
    with pytest.raises((TypeError, ValueError), match="row_sum: `x`"):
        reductions.row_sum(bad)
