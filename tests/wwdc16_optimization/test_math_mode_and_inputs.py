"""The math-mode kernels (with -inf entries), and the wrappers' input checks."""

from __future__ import annotations

from collections.abc import Callable

import mlx.core as mx
import pytest

from metal_guide.kernels.testing import FLOAT_DTYPES, assert_matches_reference
from metal_guide.wwdc16_optimization import (
    address_spaces,
    integer_division,
    math_mode,
    pairs,
    signed_offsets,
    stack_arrays,
)


@pytest.mark.metal
@pytest.mark.parametrize("n", [1, 33, 1000])
@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=str)
@pytest.mark.parametrize("mode", ["safe", "relaxed"])
def test_masked_exp_keeps_exp_of_minus_inf_zero(mode: str, dtype: mx.Dtype, n: int) -> None:
    x = mx.random.normal((n,))
    x = mx.where(mx.arange(n) % 3 == 1, -float("inf"), x).astype(dtype)
    out = math_mode.masked_exp(x, mode)
    assert_matches_reference(out, math_mode.masked_exp_reference(x))
    assert mx.all(mx.where(mx.isinf(x), out == 0, True)).item()


@pytest.mark.metal
@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=str)
def test_masked_exp_fast_mode_on_finite_input(dtype: mx.Dtype) -> None:
    # Fast math may assume there are no infinities: only finite input is meaningful here.
    x = mx.random.normal((1000,)).astype(dtype)
    assert_matches_reference(math_mode.masked_exp(x, "fast"),
                             math_mode.masked_exp_reference(x))


def test_masked_exp_rejects_unknown_mode() -> None:
    with pytest.raises(ValueError, match="math_mode must be"):
        math_mode.masked_exp(mx.zeros((3,)), "exact")


WRAPPERS: list[tuple[str, Callable[[mx.array], mx.array]]] = [
    (p.name, p.after) for p in pairs.PAIRS if p.name != "integer-division-and-modulo"
]


@pytest.mark.parametrize(("name", "fn"), WRAPPERS, ids=[n for n, _ in WRAPPERS])
def test_wrappers_reject_integer_input(name: str, fn: Callable[[mx.array], mx.array]) -> None:
    with pytest.raises(TypeError, match=r"`x` has dtype mlx\.core\.int32; expected float32"):
        fn(mx.zeros((4, 4), dtype=mx.int32))


@pytest.mark.parametrize("fn", [address_spaces.blur_taps_in_constant,
                                stack_arrays.row_histogram])
def test_wrappers_reject_wrong_rank(fn: Callable[[mx.array], mx.array]) -> None:
    with pytest.raises(ValueError, match=r"`x` must be [12]-D"):
        fn(mx.zeros((2, 2, 2)))


def test_bias_must_match_columns() -> None:
    with pytest.raises(ValueError, match="`bias` has 3 elements; expected 4"):
        integer_division.add_column_bias(mx.zeros((2, 4)), mx.zeros((3,)))
    with pytest.raises(TypeError, match="dtypes differ"):
        integer_division.add_column_bias(mx.zeros((2, 4)), mx.zeros((4,), dtype=mx.float16))


def test_signed_index_limit_is_checked_before_launch() -> None:
    huge = mx.broadcast_to(mx.array(1.0, dtype=mx.float16), (65536, 32768))  # 2**31 elements
    with pytest.raises(ValueError, match="limit of 2147483647"):
        signed_offsets.times_two_int(huge)


def test_empty_input_is_rejected() -> None:
    with pytest.raises(ValueError, match="`x` is empty"):
        signed_offsets.times_two_uint(mx.zeros((0,)))
