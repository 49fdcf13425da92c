"""rms_norm and its VJP against the reference and mx.fast.rms_norm."""

from __future__ import annotations

import mlx.core as mx
import pytest

from metal_guide.kernels.rms_norm import rms_norm, rms_norm_reference
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


def weight(n: int, dtype: mx.Dtype) -> mx.array:
    mx.random.seed(n)
    return (1.0 + 0.1 * mx.random.normal((n,))).astype(dtype)


@pytest.mark.metal
@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=dtype_id)
@pytest.mark.parametrize("n", AWKWARD_LENGTHS)
def test_matches_reference(dtype: mx.Dtype, n: int) -> None:
    x, w = rows(n, dtype), weight(n, dtype)
    assert_matches_reference(rms_norm(x, w), rms_norm_reference(x, w), what=f"n={n}")


@pytest.mark.metal
@pytest.mark.parametrize("n", [1, 1000])
def test_without_weight_and_against_mlx_fast(n: int) -> None:
    x = rows(n, mx.float32)
    assert_matches_reference(rms_norm(x, None, 1e-6), rms_norm_reference(x, None, 1e-6))
    w = weight(n, mx.float32)
    assert_matches_reference(rms_norm(x, w, 1e-6), mx.fast.rms_norm(x, w, 1e-6))


@pytest.mark.metal
@pytest.mark.parametrize("name", SCHEDULES)
@pytest.mark.parametrize("n", SCHEDULE_LENGTHS)
def test_same_bits_under_every_schedule(name: str, n: int) -> None:
    x, w, g = rows(n, mx.float32), weight(n, mx.float32), rows(n, mx.float32, seed=1)
    forward = mx.vjp(rms_norm, [x, w], [g])
    with schedule(name):
        out = mx.vjp(rms_norm, [x, w], [g])
    for a, b in zip(forward[0] + forward[1], out[0] + out[1], strict=True):
        assert mx.array_equal(a, b)


# float32 gradients go through more arithmetic than the forward pass (a row sum of w*g*x
# times r**3), so they get ten times the forward tolerance; the 16-bit types are limited by
# their own rounding and keep the table's value.
GRAD_TOLERANCE = {mx.float32: (1e-4, 1e-4)}


@pytest.mark.metal
@pytest.mark.parametrize("with_weight", [True, False], ids=["weight", "no-weight"])
@pytest.mark.parametrize(
    ("dtype", "n"),
    [*((mx.float32, n) for n in AWKWARD_LENGTHS), (mx.float16, 33), (mx.bfloat16, 1000)],
    ids=str,
)
def test_gradients_match_vjp_of_reference(dtype: mx.Dtype, n: int, with_weight: bool) -> None:
    x, g = rows(n, dtype), rows(n, dtype, seed=1)
    w = weight(n, dtype) if with_weight else None
    primals = [x, w] if with_weight else [x]

    def ours(*a: mx.array) -> mx.array:
        return rms_norm(a[0], a[1] if with_weight else None)

    def ref(*a: mx.array) -> mx.array:
        return rms_norm_reference(a[0], a[1] if with_weight else None)

    _, got = mx.vjp(ours, primals, [g])
    _, expected = mx.vjp(ref, primals, [g])
    rtol, atol = GRAD_TOLERANCE.get(dtype, TOLERANCES[dtype])
    # The weight gradient sums over 10 rows: one more rounding of the 16-bit result.
    for name, a, b in zip(["dx", "dweight"], got, expected, strict=False):
        assert_matches_reference(a, b, rtol=2 * rtol, atol=2 * atol, what=f"{name}, n={n}")


def test_rejects_bad_input() -> None:
    x = mx.zeros((4, 8))
    with pytest.raises(ValueError, match=r"`weight` has shape \(7,\); expected \(8,\)"):
        rms_norm(x, mx.zeros((7,)))
    with pytest.raises(TypeError, match="`weight` has dtype float16 but `x` has float32"):
        rms_norm(x, mx.zeros((8,), dtype=mx.float16))
    with pytest.raises(ValueError, match="`eps` must be finite and >= 0, got -1"):
        rms_norm(x, None, -1.0)
    with pytest.raises(TypeError, match="`eps` must be a float, got str"):
        rms_norm(x, None, "1e-5")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="`x` has 0 dimension"):
        rms_norm(mx.array(1.0), None)
