"""exact_sum / exact_dot: correctly rounded, and the same bits for every schedule and
threadgroup size, across the whole float32 range (subnormals, overflow, inf and NaN)."""

from __future__ import annotations

import math
from fractions import Fraction

import mlx.core as mx
import numpy as np
import pytest

from metal_guide.kernels.exact_sum import (
    THREADGROUP_SIZES,
    exact_dot,
    exact_dot_reference,
    exact_sum,
    exact_sum_reference,
)
from metal_guide.kernels.testing import (
    AWKWARD_LENGTHS,
    FLOAT_DTYPES,
    assert_matches_reference,
)

F32_MAX = float(np.finfo(np.float32).max)


def correctly_rounded(total: Fraction) -> float:
    """Round an exact rational to the nearest float32 (ties to even); overflow gives inf."""
    if total == 0:
        return 0.0
    sign = -1.0 if total < 0 else 1.0
    mag = abs(total)
    e = mag.numerator.bit_length() - mag.denominator.bit_length()
    if Fraction(2) ** e > mag:
        e -= 1  # now 2^e <= mag < 2^(e + 1)
    spacing = Fraction(2) ** max(e - 23, -149)  # float32 spacing there (subnormals: 2^-149)
    steps = mag / spacing
    n = steps.numerator // steps.denominator
    rest = steps - n
    if rest > Fraction(1, 2) or (rest == Fraction(1, 2) and n % 2 == 1):
        n += 1
    value = n * spacing
    if value > Fraction(F32_MAX):
        return sign * math.inf
    return sign * float(value)


def _exact_total(row: np.ndarray) -> Fraction:
    return sum((Fraction(float(v)) for v in row), Fraction(0))


def full_range_terms(rng: np.random.Generator, n: int) -> np.ndarray:
    """Terms with exponents over the whole float32 range, subnormals included, and
    cancelling giants: random sign, significand and binary exponent in [-149, 127]."""
    # Every finite positive float32 up to 2^112 (so that the total stays finite), then signs.
    bits = rng.integers(0, 0x77800000, n, dtype=np.uint32)
    x = bits.view(np.float32) * rng.choice(np.array([-1, 1], dtype=np.float32), n)
    # Pairs of +-FLT_MAX that cancel exactly: any float32 running sum would overflow.
    giants = rng.permutation(n)[: 2 * max(n // 20, 1)]
    x[giants[0::2]] = F32_MAX
    x[giants[1::2]] = -F32_MAX
    return x


@pytest.mark.metal
@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=str)
@pytest.mark.parametrize("n", AWKWARD_LENGTHS)
def test_sum_is_correctly_rounded(dtype: mx.Dtype, n: int) -> None:
    rng = np.random.default_rng(n)
    x = mx.array((rng.standard_normal((2, n)) * 2.0 ** rng.integers(-8, 8, (2, n))).astype(
        np.float32
    )).astype(dtype)
    got = np.array(exact_sum(x))
    rows = np.array(x.astype(mx.float32))
    for r in range(rows.shape[0]):
        assert got[r] == np.float32(correctly_rounded(_exact_total(rows[r]))), f"row {r}"
    # The float64 reference agrees wherever its own double rounding is harmless.
    assert_matches_reference(exact_sum(x), exact_sum_reference(x), rtol=1.2e-7, atol=0)


@pytest.mark.metal
@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=str)
@pytest.mark.parametrize("n", AWKWARD_LENGTHS)
def test_dot_is_correctly_rounded(dtype: mx.Dtype, n: int) -> None:
    rng = np.random.default_rng(50 + n)
    x = mx.array(rng.standard_normal((2, n)).astype(np.float32)).astype(dtype)
    y = mx.array(rng.standard_normal((2, n)).astype(np.float32)).astype(dtype)
    got = np.array(exact_dot(x, y))
    xs, ys = np.array(x.astype(mx.float32)), np.array(y.astype(mx.float32))
    for r in range(2):
        total = sum((Fraction(float(a)) * Fraction(float(b)) for a, b in zip(xs[r], ys[r],
                    strict=True)), Fraction(0))
        assert got[r] == np.float32(correctly_rounded(total)), f"row {r}"
    assert_matches_reference(
        exact_dot(x, y), exact_dot_reference(x, y), rtol=1.2e-7, atol=0
    )


@pytest.mark.metal
def test_full_float32_range_matches_fsum_and_fractions() -> None:
    rng = np.random.default_rng(3)
    x = full_range_terms(rng, 4097)
    total = _exact_total(x)
    got = exact_sum(mx.array(x)).item()
    assert math.isfinite(got) and got == correctly_rounded(total)
    # math.fsum is exact up to its final rounding to float64; the float32 result agrees
    # with rounding the fraction directly (fsum's double rounding can differ only at ties).
    assert math.isclose(got, math.fsum(x.astype(np.float64)), rel_tol=1.2e-7)


@pytest.mark.metal
def test_subnormals_and_cancellation_are_exact() -> None:
    tiny = np.float32(2.0**-149)
    x = np.array([F32_MAX, tiny, -F32_MAX, tiny, tiny], dtype=np.float32)
    assert exact_sum(mx.array(x)).item() == 3 * 2.0**-149  # float32 would give 0 or inf
    y = np.array([2.0**-75, 2.0**-75, -(2.0**-75)], dtype=np.float32)
    z = np.array([2.0**-75, 2.0**-74, 2.0**-75], dtype=np.float32)
    # products 2^-150 + 2^-149 - 2^-150 = 2^-149: below the smallest subnormal individually
    assert exact_dot(mx.array(y), mx.array(z)).item() == 2.0**-149


@pytest.mark.metal
def test_specials_follow_ieee() -> None:
    inf, nan = np.float32(np.inf), np.float32(np.nan)
    rows = np.array(
        [
            [F32_MAX, F32_MAX, 0.0],  # finite terms, exact sum overflows: +inf
            [-F32_MAX, -F32_MAX, 0.0],
            [inf, 1.0, 2.0],
            [inf, -inf, 1.0],  # inf - inf: NaN
            [nan, 1.0, 1.0],
            [1.0, -1.0, 0.0],  # exact zero: +0.0
        ],
        dtype=np.float32,
    )
    got = np.array(exact_sum(mx.array(rows)))
    assert got[0] == np.inf and got[1] == -np.inf and got[2] == np.inf
    assert np.isnan(got[3]) and np.isnan(got[4])
    assert got[5] == 0.0 and not np.signbit(got[5])
    dot = exact_dot(
        mx.array([[math.inf, 1.0], [math.inf, 1.0]]), mx.array([[0.0, 1.0], [-2.0, 1.0]])
    )
    assert np.isnan(dot[0].item()) and dot[1].item() == -np.inf


@pytest.mark.metal
@pytest.mark.parametrize("threadgroup", THREADGROUP_SIZES)
def test_bit_identical_for_every_threadgroup_size_and_schedule(threadgroup: int) -> None:
    metalsim = pytest.importorskip("metalsim")
    if not metalsim.is_installed():
        pytest.skip("thread schedules are a metalsim setting")
    rng = np.random.default_rng(11)
    # 40000 terms: three threadgroups' worth of limbs, so the cross-group pass is exercised.
    x = mx.array(full_range_terms(rng, 40_000)[None, :] * np.float32(2.0**-2))
    # Products from below the subnormal range up to about 2^108.
    y_np = rng.standard_normal(40_000) * 2.0 ** rng.integers(-140, -20, 40_000)
    y = mx.array(y_np.astype(np.float32)[None, :])
    xs, ys = np.array(x)[0], np.array(y)[0]
    expected_sum = correctly_rounded(_exact_total(xs))
    expected_dot = correctly_rounded(
        sum((Fraction(float(a)) * Fraction(float(b)) for a, b in zip(xs, ys, strict=True)),
            Fraction(0))
    )
    bits = set()
    for schedule, seed in (("forward", 0), ("reverse", 0), ("random", 0), ("random", 1)):
        with metalsim.settings(schedule=schedule, seed=seed):
            s = exact_sum(x, threadgroup=threadgroup)
            d = exact_dot(x, y, threadgroup=threadgroup)
            mx.eval(s, d)
        bits.add((np.array(s).tobytes(), np.array(d).tobytes()))
        assert s.item() == expected_sum, schedule
        assert d.item() == expected_dot, schedule
    assert len(bits) == 1


def test_bad_inputs_are_rejected() -> None:
    with pytest.raises(TypeError, match="int32"):
        exact_sum(mx.zeros((3,), dtype=mx.int32))
    with pytest.raises(ValueError, match="0-d"):
        exact_sum(mx.array(1.0))
    with pytest.raises(ValueError, match="threadgroup must be one of"):
        exact_sum(mx.zeros((3,)), threadgroup=100)
    with pytest.raises(ValueError, match="shapes differ"):
        exact_dot(mx.zeros((3,)), mx.zeros((2,)))
    with pytest.raises(TypeError, match="dtypes differ"):
        exact_dot(mx.zeros((3,)), mx.zeros((3,), dtype=mx.bfloat16))


def test_empty_rows_give_zero() -> None:
    assert np.array_equal(np.array(exact_sum(mx.zeros((3, 0)))), np.zeros(3))
