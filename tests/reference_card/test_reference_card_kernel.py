"""The reference card's kernel against its pure-MLX reference, across dtypes and sizes."""

from __future__ import annotations

import mlx.core as mx
import pytest

from metal_guide.reference_card.card import axpy, axpy_kernel, axpy_reference

# Inputs are exact in every dtype tested, and the kernel computes in float32 like the
# reference, so the only differences come from rounding once (fma) versus twice.
TOLERANCE = {mx.float32: 1e-6, mx.float16: 1e-3, mx.bfloat16: 1e-2}


@pytest.mark.metal
@pytest.mark.parametrize("dtype", list(TOLERANCE), ids=str)
@pytest.mark.parametrize("shape", [(1,), (31,), (33,), (1000,), (257,), (3, 333)], ids=str)
def test_axpy_matches_reference(dtype: mx.Dtype, shape: tuple[int, ...]) -> None:
    key_x, key_y = mx.random.split(mx.random.key(0))
    x = mx.random.normal(shape, key=key_x).astype(dtype)
    y = mx.random.normal(shape, key=key_y).astype(dtype)
    out = axpy(1.5, x, y)
    expected = axpy_reference(1.5, x, y)
    assert out.dtype == dtype and out.shape == shape
    tol = TOLERANCE[dtype]
    assert mx.allclose(out, expected, rtol=tol, atol=tol).item()


@pytest.mark.metal
def test_axpy_strided_input_is_copied() -> None:
    """ensure_row_contiguous (the default) makes a transposed view safe to pass."""
    x = mx.arange(12, dtype=mx.float32).reshape(3, 4).T
    y = mx.ones((4, 3))
    assert mx.array_equal(axpy(2.0, x, y), 2.0 * x + y).item()


def test_axpy_rejects_mismatched_inputs() -> None:
    with pytest.raises(ValueError, match="same shape"):
        axpy(1.0, mx.zeros((3,)), mx.zeros((4,)))
    with pytest.raises(ValueError, match="same shape"):
        axpy(1.0, mx.zeros((3,)), mx.zeros((3,), dtype=mx.float16))


def test_kernel_is_built_once() -> None:
    assert axpy_kernel() is axpy_kernel()
