"""layer_norm (weight and bias optional) and its VJP against the reference."""

from __future__ import annotations

import mlx.core as mx
import pytest

from metal_guide.kernels.layer_norm import layer_norm, layer_norm_reference
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

COMBOS = [(True, True), (True, False), (False, True), (False, False)]
COMBO_IDS = ["w+b", "w", "b", "none"]


def params(n: int, dtype: mx.Dtype, use_w: bool, use_b: bool) -> tuple:
    mx.random.seed(n)
    w = (1.0 + 0.1 * mx.random.normal((n,))).astype(dtype) if use_w else None
    b = (0.1 * mx.random.normal((n,))).astype(dtype) if use_b else None
    return w, b


@pytest.mark.metal
@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=dtype_id)
@pytest.mark.parametrize("n", AWKWARD_LENGTHS)
def test_matches_reference(dtype: mx.Dtype, n: int) -> None:
    # An offset mean: E[x^2] - mean^2 would lose digits here, the two-pass variance does not.
    x = (rows(n, mx.float32) + 3.0).astype(dtype)
    w, b = params(n, dtype, True, True)
    got, expected = layer_norm(x, w, b), layer_norm_reference(x, w, b)
    assert_matches_reference(got, expected, what=f"n={n}")


@pytest.mark.metal
@pytest.mark.parametrize(("use_w", "use_b"), COMBOS, ids=COMBO_IDS)
def test_optional_weight_and_bias_match_mlx_fast(use_w: bool, use_b: bool) -> None:
    x = rows(1000, mx.float32)
    w, b = params(1000, mx.float32, use_w, use_b)
    assert_matches_reference(layer_norm(x, w, b), layer_norm_reference(x, w, b))
    assert_matches_reference(layer_norm(x, w, b), mx.fast.layer_norm(x, w, b, 1e-5))


@pytest.mark.metal
@pytest.mark.parametrize("name", SCHEDULES)
@pytest.mark.parametrize("n", SCHEDULE_LENGTHS)
def test_same_bits_under_every_schedule(name: str, n: int) -> None:
    x, g = rows(n, mx.float32), rows(n, mx.float32, seed=1)
    w, b = params(n, mx.float32, True, True)
    forward = mx.vjp(layer_norm, [x, w, b], [g])
    with schedule(name):
        out = mx.vjp(layer_norm, [x, w, b], [g])
    for a, c in zip(forward[0] + forward[1], out[0] + out[1], strict=True):
        assert mx.array_equal(a, c)


GRAD_TOLERANCE = {mx.float32: (1e-4, 1e-4)}  # as for rms_norm: see test_rms_norm.py


@pytest.mark.metal
@pytest.mark.parametrize(
    ("dtype", "n", "use_w", "use_b"),
    [
        *((mx.float32, n, True, True) for n in AWKWARD_LENGTHS),
        *((mx.float32, 33, w, b) for w, b in COMBOS[1:]),
        (mx.float16, 33, True, True),
        (mx.bfloat16, 1000, True, True),
    ],
    ids=str,
)
def test_gradients_match_vjp_of_reference(
    dtype: mx.Dtype, n: int, use_w: bool, use_b: bool
) -> None:
    x, g = rows(n, dtype), rows(n, dtype, seed=1)
    w, b = params(n, dtype, use_w, use_b)
    present = [a for a in (w, b) if a is not None]

    def split(args: tuple) -> tuple:
        rest = list(args[1:])
        return (args[0], rest.pop(0) if use_w else None, rest.pop(0) if use_b else None)

    _, got = mx.vjp(lambda *a: layer_norm(*split(a)), [x, *present], [g])
    _, expected = mx.vjp(lambda *a: layer_norm_reference(*split(a)), [x, *present], [g])
    rtol, atol = GRAD_TOLERANCE.get(dtype, TOLERANCES[dtype])
    for i, (a, c) in enumerate(zip(got, expected, strict=True)):
        assert_matches_reference(a, c, rtol=2 * rtol, atol=2 * atol, what=f"grad {i}, n={n}")


def test_rejects_bad_input() -> None:
    x = mx.zeros((4, 8))
    with pytest.raises(ValueError, match=r"`bias` has shape \(4, 8\); expected \(8,\)"):
        layer_norm(x, None, mx.zeros((4, 8)))
    with pytest.raises(TypeError, match="`bias` has dtype bfloat16 but `x` has float32"):
        layer_norm(x, None, mx.zeros((8,), dtype=mx.bfloat16))
    with pytest.raises(ValueError, match="`eps` must be finite"):
        layer_norm(x, None, None, float("nan"))
    with pytest.raises(ValueError, match="`x` is empty"):
        layer_norm(mx.zeros((4, 0)), mx.zeros((0,)), None)
