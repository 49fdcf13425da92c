"""The patterns page's own kernels: parameters, strided views, Gram-Schmidt, errors."""

from __future__ import annotations

import mlx.core as mx
import pytest

from metal_guide.kernel_patterns import gram_schmidt as mgs
from metal_guide.kernel_patterns import parameters, strided
from metal_guide.kernels.testing import AWKWARD_LENGTHS, FLOAT_DTYPES, assert_matches_reference


@pytest.mark.metal
@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=str)
@pytest.mark.parametrize("n", AWKWARD_LENGTHS)
def test_poly_matches_reference(dtype: mx.Dtype, n: int) -> None:
    x = mx.random.uniform(-2, 2, (2, n), key=mx.random.key(n)).astype(dtype)
    c = mx.array([0.5, -1.0, 0.25, 0.125])
    assert_matches_reference(parameters.poly(x, c), parameters.poly_reference(x, c))
    assert_matches_reference(
        parameters.poly(x, c, limit=0.75), parameters.poly_reference(x, c, limit=0.75)
    )


@pytest.mark.parametrize("coeffs", [mx.zeros((9,)), mx.zeros((2, 2)), [1.0, 2.0]], ids=str)
def test_poly_rejects_bad_coefficients(coeffs: object) -> None:
    with pytest.raises(ValueError, match="`coeffs` must be a 1-d mx.array of 1 to 8"):
        parameters.poly(mx.zeros((8,)), coeffs)  # type: ignore[arg-type]


@pytest.mark.metal
@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=str)
@pytest.mark.parametrize("n", AWKWARD_LENGTHS)
def test_strided_views_need_no_copy_and_stay_exact(dtype: mx.Dtype, n: int) -> None:
    a = mx.random.normal((3, n), key=mx.random.key(n)).astype(dtype)
    for view in (a.T, a[:, ::-1], a[::2], mx.broadcast_to(a[:1], (3, n))):
        assert_matches_reference(strided.double(view), 2 * view, rtol=0, atol=0)


def test_strided_rejects_scalars_and_empty_arrays() -> None:
    for bad in (mx.array(1.0), mx.zeros((0, 3))):
        with pytest.raises(ValueError, match="`x` needs at least one dimension"):
            strided.double(bad)


@pytest.mark.metal
@pytest.mark.parametrize(("m", "n"), [(31, 31), (33, 8), (1000, 12), (4097, 9)])
def test_mgs_matches_reference_and_is_a_qr(m: int, n: int) -> None:
    a = mx.random.normal((m, n), key=mx.random.key(m))
    q, r = mgs.mgs_qr(a)
    q_ref, r_ref = mgs.mgs_qr_reference(a)
    assert_matches_reference(q, q_ref, rtol=1e-3, atol=1e-4, what="Q")
    assert_matches_reference(r, r_ref, rtol=1e-3, atol=1e-3, what="R")
    assert_matches_reference(q @ r, a, rtol=1e-4, atol=1e-4, what="QR = A")
    assert_matches_reference(q.T @ q, mx.eye(n), rtol=0, atol=1e-4, what="Q^T Q")
    assert mx.array_equal(mx.tril(r, k=-1), mx.zeros_like(r))


def test_mgs_rejects_bad_input() -> None:
    with pytest.raises(TypeError, match="2-d float32"):
        mgs.mgs_qr(mx.zeros((4, 2), dtype=mx.float16))
    with pytest.raises(ValueError, match="1 <= columns <= rows"):
        mgs.mgs_qr(mx.zeros((2, 4)))
