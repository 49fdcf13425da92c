"""The finished wrapper: correctness against the reference, caching and input validation."""

from __future__ import annotations

from collections.abc import Callable

import mlx.core as mx
import pytest

from metal_guide.kernel_patterns.checking import AWKWARD_SHAPES, TOLERANCES, check_swiglu
from metal_guide.kernel_patterns.swiglu import (
    MAX_ELEMENTS,
    swiglu,
    swiglu_kernel,
    swiglu_reference,
)

DTYPES = [mx.float32, mx.float16, mx.bfloat16]


def _close(result: mx.array, expected: mx.array) -> bool:
    rtol, atol = TOLERANCES[expected.dtype]
    return result.dtype == expected.dtype and result.shape == expected.shape and bool(
        mx.allclose(result, expected, rtol=rtol, atol=atol)
    )


# --- launches the kernel ---------------------------------------------------------------


@pytest.mark.metal
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("shape", AWKWARD_SHAPES, ids=str)
def test_matches_reference(dtype: mx.Dtype, shape: tuple[int, ...]) -> None:
    mx.random.seed(sum(shape))
    check_swiglu(dtype, shape)


@pytest.mark.metal
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_non_contiguous_inputs_are_still_correct(dtype: mx.Dtype) -> None:
    gate = mx.random.normal((33, 40)).astype(dtype)
    up = mx.random.normal((40, 33)).astype(dtype)
    transposed = gate.T  # a strided view; ensure_row_contiguous copies it
    assert _close(swiglu(transposed, up), swiglu_reference(transposed, up))
    row = mx.random.normal((33,)).astype(dtype)
    broadcast = mx.broadcast_to(row, (40, 33))  # stride 0 along the first axis
    assert _close(swiglu(broadcast, up), swiglu_reference(broadcast, up))
    offset = gate.reshape(-1)[7:]  # row-contiguous view that starts at an offset
    assert _close(swiglu(offset, offset), swiglu_reference(offset, offset))


@pytest.mark.metal
def test_zero_dimensional_input() -> None:
    gate, up = mx.array(1.5), mx.array(-2.0)
    out = swiglu(gate, up)
    assert out.shape == ()
    assert _close(out, swiglu_reference(gate, up))


@pytest.mark.metal
def test_extreme_values() -> None:
    gate = mx.array([-1e4, -100.0, -20.0, 0.0, 20.0, 100.0, 1e4, float("inf"), -0.0])
    up = mx.ones_like(gate)
    out = swiglu(gate, up)
    expected = swiglu_reference(gate, up)
    assert _close(out, expected), (out, expected)


# --- no kernel launch needed -----------------------------------------------------------


@pytest.mark.parametrize("shape", [(0,), (0, 3), (4, 0, 2)], ids=str)
def test_empty_input_returns_empty_without_a_launch(shape: tuple[int, ...]) -> None:
    x = mx.zeros(shape, dtype=mx.float16)
    out = swiglu(x, x)  # would raise "No Metal back-end" on Linux if it launched
    assert out.shape == shape and out.dtype == mx.float16


def test_kernel_is_built_once(
    count_kernel_builds: list[str], trace: Callable[..., None]
) -> None:
    assert swiglu_kernel() is swiglu_kernel()
    for dtype in DTYPES:
        x = mx.zeros((100,), dtype=dtype)
        trace(swiglu, x, x)
        trace(swiglu, x, x)
    assert count_kernel_builds == ["patterns_swiglu_n"]


@pytest.mark.parametrize("dtype", [mx.int32, mx.uint8, mx.bool_, mx.float64, mx.complex64], ids=str)
def test_rejects_non_float_dtypes(dtype: mx.Dtype) -> None:
    x = mx.zeros((8,), dtype=dtype)
    expected = r"`gate` has dtype mlx\.core\.\w+; expected float32, float16 or bfloat16"
    with pytest.raises(TypeError, match=expected):
        swiglu(x, x)


def test_rejects_mixed_dtypes() -> None:
    with pytest.raises(TypeError, match="dtypes differ: gate is mlx.core.float32, up is"):
        swiglu(mx.zeros((8,)), mx.zeros((8,), dtype=mx.float16))


def test_rejects_non_arrays() -> None:
    with pytest.raises(TypeError, match="`up` must be an mx.array, got list"):
        swiglu(mx.zeros((2,)), [1.0, 2.0])  # type: ignore[arg-type]


@pytest.mark.parametrize(("a", "b"), [((8,), (9,)), ((4, 8), (8,)), ((2, 3), (3, 2))])
def test_rejects_mismatched_shapes(a: tuple[int, ...], b: tuple[int, ...]) -> None:
    with pytest.raises(ValueError, match=r"shapes differ: gate \(.*\), up \("):
        swiglu(mx.zeros(a), mx.zeros(b))


def test_rejects_more_than_2_to_the_32_elements() -> None:
    # broadcast_to is lazy: nothing of this size is ever allocated.
    huge = mx.broadcast_to(mx.array(1.0, dtype=mx.float16), (65536, 65537))
    assert huge.size == MAX_ELEMENTS + 1 + 65536
    with pytest.raises(ValueError, match=r"limit of 4294967295 \(2\*\*32 - 1\)"):
        swiglu(huge, huge)


def test_largest_accepted_size_fits_the_launch(trace: Callable[..., None]) -> None:
    # 2**32 - 1 elements: the grid is ceil(n / 4) threads, which fits MLX's int grid
    # argument, and the kernel's 32-bit indices do not wrap.
    n = MAX_ELEMENTS
    big = mx.broadcast_to(mx.array(1.0, dtype=mx.float16), (3, 5, 17, 257, 65537))
    assert big.size == n
    trace(swiglu, big, big)  # builds the call without evaluating it
