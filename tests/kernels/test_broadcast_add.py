"""broadcast_add reads strided, broadcast, offset and reversed views in place."""

from __future__ import annotations

import mlx.core as mx
import pytest

from metal_guide.kernels.broadcast_add import broadcast_add, broadcast_add_reference
from metal_guide.kernels.testing import assert_matches_reference

from .conftest import AWKWARD_LENGTHS, FLOAT_DTYPES, dtype_id


@pytest.mark.metal
@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=dtype_id)
@pytest.mark.parametrize("n", AWKWARD_LENGTHS)
def test_views_match_reference(dtype: mx.Dtype, n: int) -> None:
    mx.random.seed(n)
    m = mx.random.normal((n, 9)).astype(dtype)
    row = mx.random.normal((n,)).astype(dtype)
    cases = {
        "transposed + row (stride 0 along axis 0)": (m.T, row),
        "reversed + column": (m[::-1], mx.random.normal((n, 1)).astype(dtype)),
        "offset view + same shape": (m[:, 1:], m[:, :-1]),
        "batch broadcast": (mx.random.normal((2, 1, 9)).astype(dtype), m.T[None, :, :1]),
    }
    for name, (a, b) in cases.items():
        assert_matches_reference(
            broadcast_add(a, b), broadcast_add_reference(a, b), what=f"{name}, n={n}"
        )


def test_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match=r"shapes \(3, 4\) \(`a`\) and \(5,\) \(`b`\)"):
        broadcast_add(mx.zeros((3, 4)), mx.zeros((5,)))
    with pytest.raises(TypeError, match="`b` has dtype bfloat16 but `a` has float32"):
        broadcast_add(mx.zeros((3,)), mx.zeros((3,), dtype=mx.bfloat16))
    with pytest.raises(ValueError, match="`a` has 0 dimension"):
        broadcast_add(mx.array(1.0), mx.zeros((3,)))
    big = mx.broadcast_to(mx.array(1.0), (65536, 1))
    with pytest.raises(ValueError, match="`the result` has 4294967296 elements"):
        broadcast_add(big, mx.zeros((65536,)))
