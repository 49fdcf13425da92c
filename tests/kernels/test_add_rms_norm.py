"""The fused residual add + RMSNorm against the two unfused steps."""

from __future__ import annotations

import mlx.core as mx
import pytest

from metal_guide.kernels.add_rms_norm import add_rms_norm, add_rms_norm_reference
from metal_guide.kernels.rms_norm import rms_norm
from metal_guide.kernels.testing import assert_matches_reference

from .conftest import (
    AWKWARD_LENGTHS,
    FLOAT_DTYPES,
    SCHEDULE_LENGTHS,
    SCHEDULES,
    dtype_id,
    rows,
    schedule,
)


@pytest.mark.metal
@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=dtype_id)
@pytest.mark.parametrize("n", AWKWARD_LENGTHS)
def test_matches_reference(dtype: mx.Dtype, n: int) -> None:
    x, res = rows(n, dtype), rows(n, dtype, seed=1)
    w = (1.0 + 0.1 * rows(n, mx.float32, seed=2)[0, 0]).astype(dtype)
    h, y = add_rms_norm(x, res, w)
    h_ref, y_ref = add_rms_norm_reference(x, res, w)
    # h is one rounding of an exact float32 sum: bit-identical to the reference.
    assert mx.array_equal(h, h_ref)
    assert_matches_reference(y, y_ref, what=f"n={n}")
    # and the fused kernel agrees with the library's own unfused rms_norm
    assert_matches_reference(y, rms_norm(h_ref, w))


@pytest.mark.metal
@pytest.mark.parametrize("name", SCHEDULES)
@pytest.mark.parametrize("n", SCHEDULE_LENGTHS)
def test_same_bits_under_every_schedule(name: str, n: int) -> None:
    x, res, w = rows(n, mx.float32), rows(n, mx.float32, seed=1), mx.ones((n,))
    h, y = add_rms_norm(x, res, w)
    with schedule(name):
        h2, y2 = add_rms_norm(x, res, w)
    assert mx.array_equal(h, h2) and mx.array_equal(y, y2)


def test_rejects_bad_input() -> None:
    x = mx.zeros((4, 8))
    with pytest.raises(ValueError, match=r"`residual` has shape \(8, 4\); expected \(4, 8\)"):
        add_rms_norm(x, mx.zeros((8, 4)), mx.ones((8,)))
    with pytest.raises(TypeError, match="`residual` has dtype float16 but `x` has float32"):
        add_rms_norm(x, x.astype(mx.float16), mx.ones((8,)))
    with pytest.raises(TypeError, match="`weight` must be an mx.array, got NoneType"):
        add_rms_norm(x, x, None)  # type: ignore[arg-type]
