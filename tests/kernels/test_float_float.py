"""Float-float kernels against exact rational arithmetic: exactness of the error-free
transformations, the proven relative error bound of each operation, and the reductions."""

from __future__ import annotations

import math
from fractions import Fraction

import mlx.core as mx
import numpy as np
import pytest

from metal_guide.kernels.float_float import (
    ERROR_BOUNDS,
    U,
    ff_dot,
    ff_dot_reference,
    ff_ops,
    ff_sum,
    ff_sum_reference,
    sum_error_bound,
)
from metal_guide.kernels.testing import (
    AWKWARD_LENGTHS,
    FLOAT_DTYPES,
    assert_matches_reference,
)

U2 = U * U


def _pairs(rng: np.random.Generator, n: int, lo_exp: int, hi_exp: int) -> np.ndarray:
    """n float-float numbers (hi, lo) as float32 with |lo| < ulp(hi)/2, random exponents."""
    hi = (rng.uniform(1, 2, n) * 2.0 ** rng.integers(lo_exp, hi_exp, n)).astype(np.float32)
    hi *= rng.choice(np.array([-1, 1], dtype=np.float32), n)
    ulp = np.spacing(np.abs(hi)).astype(np.float64)
    lo = (rng.uniform(-0.499, 0.499, n) * ulp).astype(np.float32)
    return np.stack([hi, lo])


def _inputs(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Random pairs, plus adversarial ones: cancellation, exponent spread, equal operands."""
    rng = np.random.default_rng(seed)
    n = 2000
    x = _pairs(rng, n, -30, 30)
    y = _pairs(rng, n, -30, 30)
    # Near-total cancellation: y = -x with a different low word, or -x * (1 + 2^-k).
    y[0, :100] = -x[0, :100]
    y[0, 100:200] = (-x[0, 100:200] * (1 + 2.0 ** -rng.integers(1, 24, 100))).astype(
        np.float32
    )
    ulp = np.spacing(np.abs(y[0, :200])).astype(np.float64)
    shrink = 2.0 ** -rng.integers(0, 20, 200)
    y[1, :200] = (rng.uniform(-0.499, 0.499, 200) * ulp * shrink).astype(np.float32)
    # Wide exponent spread: |x| ~ 2^40 against |y| ~ 2^-40.
    x[:, 200:300] = _pairs(rng, 100, 35, 45)
    y[:, 200:300] = _pairs(rng, 100, -45, -35)
    # y == x exactly.
    y[:, 300:350] = x[:, 300:350]
    return x.astype(np.float32), y.astype(np.float32)


def _exact(hi: float, lo: float) -> Fraction:
    return Fraction(float(hi)) + Fraction(float(lo))


@pytest.fixture(scope="module")
def results() -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    x, y = _inputs(0)
    out = ff_ops(
        (mx.array(x[0]), mx.array(x[1])), (mx.array(y[0]), mx.array(y[1]))
    )
    return x, y, {op: np.array(mx.stack(pair)) for op, pair in out.items()}


def _is_normalized(hi: float, lo: float) -> bool:
    return bool(np.float32(float(_exact(hi, lo))) == np.float32(hi))


@pytest.mark.metal
def test_two_sum_and_two_prod_are_exact(results) -> None:
    x, y, out = results
    for i in range(x.shape[1]):
        a, b = Fraction(float(x[0, i])), Fraction(float(y[0, i]))
        s, t = out["two_sum"][:, i]
        assert _exact(s, t) == a + b, f"2Sum is not exact at {i}"
        p, e = out["two_prod"][:, i]
        assert _exact(p, e) == a * b, f"TwoProd is not exact at {i}"
        if abs(a) >= abs(b):  # Fast2Sum's precondition
            s, t = out["fast_two_sum"][:, i]
            assert _exact(s, t) == a + b, f"Fast2Sum is not exact at {i}"


def _exact_result(op: str, xv: Fraction, yv: Fraction, yh: Fraction) -> Fraction | None:
    return {
        "add_f": xv + yh,
        "add": xv + yv,
        "mul_f": xv * yh,
        "mul": xv * yv,
        "div": xv / yv if yv else None,
    }.get(op)


@pytest.mark.metal
@pytest.mark.parametrize("op", ["add_f", "add", "mul_f", "mul", "div"])
def test_relative_error_within_proven_bound(results, op: str) -> None:
    x, y, out = results
    bound = ERROR_BOUNDS[op] * U2
    worst = Fraction(0)
    for i in range(x.shape[1]):
        xv, yv = _exact(*x[:, i]), _exact(*y[:, i])
        exact = _exact_result(op, xv, yv, Fraction(float(y[0, i])))
        got_hi, got_lo = out[op][:, i]
        if exact is None:
            continue
        if exact == 0:
            assert _exact(got_hi, got_lo) == 0, f"{op} at {i}: expected exact 0"
            continue
        rel = abs(_exact(got_hi, got_lo) - exact) / abs(exact)
        worst = max(worst, rel)
        assert rel <= bound, f"{op} at {i}: relative error {float(rel / U2):.3f} u^2"
        assert _is_normalized(got_hi, got_lo), f"{op} at {i}: result not normalized"
    # The measured worst case is reported by the accuracy script; here it must be non-zero
    # on these inputs, or the test would not be exercising rounding at all.
    assert worst > 0


@pytest.mark.metal
def test_sqrt_within_proven_bound(results) -> None:
    x, _, out = results
    bound = ERROR_BOUNDS["sqrt"] * U2
    for i in range(x.shape[1]):
        xv = abs(_exact(*x[:, i]))
        if x[0, i] < 0:
            continue  # the kernel takes x as given; negative inputs give NaN
        r = _exact(*out["sqrt"][:, i])
        # |r - sqrt(x)| <= B sqrt(x)  <=>  x (1 - B)^2 <= r^2 <= x (1 + B)^2, for r >= 0.
        assert xv * (1 - bound) ** 2 <= r * r <= xv * (1 + bound) ** 2, f"sqrt at {i}"
        assert _is_normalized(*out["sqrt"][:, i])


# --- reductions -------------------------------------------------------------------------


def _check_sum(x: np.ndarray, hi: np.ndarray, lo: np.ndarray) -> None:
    rows = x.reshape(-1, x.shape[-1]).astype(np.float64)
    for r, row in enumerate(rows):
        exact = sum((Fraction(float(v)) for v in row), Fraction(0))
        bound = sum_error_bound(row.size, sum((abs(Fraction(float(v))) for v in row), Fraction(0)))
        err = abs(_exact(hi.reshape(-1)[r], lo.reshape(-1)[r]) - exact)
        assert err <= bound, f"row {r}: error {float(err):g} > bound {float(bound):g}"


@pytest.mark.metal
@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=str)
@pytest.mark.parametrize("n", AWKWARD_LENGTHS)
def test_ff_sum_within_bound_at_awkward_sizes(dtype: mx.Dtype, n: int) -> None:
    rng = np.random.default_rng(n)
    # Terms of wildly different sizes that mostly cancel: float32 summation loses them.
    x = rng.standard_normal((2, n)) * 2.0 ** rng.integers(-12, 12, (2, n))
    xa = mx.array(x.astype(np.float32)).astype(dtype)
    hi, lo = ff_sum(xa)
    _check_sum(np.array(xa.astype(mx.float32)), np.array(hi), np.array(lo))
    ref_hi, ref_lo = ff_sum_reference(xa)
    # hi is the float32 rounding of the float-float sum; it agrees with float64's rounding
    # except when the sum lies within the float-float error of a rounding boundary.
    # Tighter than TOLERANCES[float32]: both sides are far more accurate than float32 sums.
    assert_matches_reference(hi, ref_hi, rtol=2e-7, atol=0, what="ff_sum hi")


@pytest.mark.metal
@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=str)
@pytest.mark.parametrize("n", AWKWARD_LENGTHS)
def test_ff_dot_within_bound_at_awkward_sizes(dtype: mx.Dtype, n: int) -> None:
    rng = np.random.default_rng(100 + n)
    x = mx.array(rng.standard_normal((3, n)).astype(np.float32)).astype(dtype)
    y = mx.array(rng.standard_normal((3, n)).astype(np.float32)).astype(dtype)
    hi, lo = ff_dot(x, y)
    prods = np.array(x.astype(mx.float32)).astype(np.float64) * np.array(
        y.astype(mx.float32)
    ).astype(np.float64)  # exact: 24-bit by 24-bit significands fit in 53 bits
    _check_sum(prods, np.array(hi), np.array(lo))
    ref_hi, _ = ff_dot_reference(x, y)
    assert_matches_reference(hi, ref_hi, rtol=2e-7, atol=0, what="ff_dot hi")


@pytest.mark.metal
def test_ff_sum_recovers_what_float32_loses() -> None:
    # 1 + 2^-30 repeated: float32 sums stay at 1, float-float keeps every 2^-30.
    x = mx.array([1.0] + [2.0**-30] * 4096, dtype=mx.float32)
    hi, lo = ff_sum(x)
    assert _exact(hi.item(), lo.item()) == 1 + Fraction(4096, 2**30)
    # A sequential float32 sum (NumPy's cumsum) never moves from 1.
    assert np.cumsum(np.array(x))[-1] == np.float32(1.0)


@pytest.mark.metal
@pytest.mark.parametrize("schedule", ["reverse", "random"])
def test_reduction_is_schedule_independent(schedule: str) -> None:
    metalsim = pytest.importorskip("metalsim")
    if not metalsim.is_installed():
        pytest.skip("thread schedules are a metalsim setting")
    rng = np.random.default_rng(7)
    x = mx.array(rng.standard_normal((2, 1000)).astype(np.float32))
    y = mx.array(rng.standard_normal((2, 1000)).astype(np.float32))
    base = [*ff_sum(x), *ff_dot(x, y)]
    with metalsim.settings(schedule=schedule, seed=4):
        other = [*ff_sum(x), *ff_dot(x, y)]
    for a, b in zip(base, other, strict=True):
        assert np.array_equal(np.array(a), np.array(b))


@pytest.mark.metal
def test_pragma_keeps_helpers_exact_under_fast_math() -> None:
    # The whole kernel is compiled with fast math; each helper's
    # `#pragma METAL fp math_mode(safe)` must still keep 2Sum and TwoProd exact.
    metalsim = pytest.importorskip("metalsim")
    if not metalsim.is_installed():
        pytest.skip("the math-mode override is a metalsim setting")
    x, y = _inputs(1)
    with metalsim.settings(math_mode="fast"):
        out = ff_ops((mx.array(x[0]), mx.array(x[1])), (mx.array(y[0]), mx.array(y[1])))
        two_sum = np.array(mx.stack(out["two_sum"]))
    for i in range(x.shape[1]):
        a, b = Fraction(float(x[0, i])), Fraction(float(y[0, i]))
        assert _exact(*two_sum[:, i]) == a + b
    assert np.count_nonzero(two_sum[1]) > 0


def test_bad_inputs_are_rejected() -> None:
    with pytest.raises(TypeError, match="int32"):
        ff_sum(mx.zeros((3,), dtype=mx.int32))
    with pytest.raises(ValueError, match="0-d"):
        ff_sum(mx.array(1.0))
    with pytest.raises(ValueError, match="shapes differ"):
        ff_dot(mx.zeros((3,)), mx.zeros((4,)))
    with pytest.raises(TypeError, match="dtypes differ"):
        ff_dot(mx.zeros((3,)), mx.zeros((3,), dtype=mx.float16))
    with pytest.raises(TypeError, match="mx.array"):
        ff_sum([1.0, 2.0])  # type: ignore[arg-type]


def test_empty_rows_sum_to_zero_without_a_launch() -> None:
    hi, lo = ff_sum(mx.zeros((2, 0)))
    assert hi.shape == (2,) and not np.any(np.array(hi)) and not np.any(np.array(lo))


def test_bounds_are_the_published_ones() -> None:
    # JMP17 Alg. 6: 3u^2/(1-4u); the float32 value is about 3.0000007 u^2.
    assert math.isclose(float(ERROR_BOUNDS["add"]), 3 / (1 - 4 * 2.0**-24))
    assert sum_error_bound(1, Fraction(5)) == 0
