"""The first kernel: exact grid, one thread per element, built once at import."""

from __future__ import annotations

from collections.abc import Callable

import mlx.core as mx
import pytest

from metal_guide.quick_start import first_kernel
from metal_guide.quick_start.checking import AWKWARD_SHAPES, TOLERANCES
from metal_guide.quick_start.generated_source import load_fresh
from metal_guide.quick_start.swiglu import swiglu_reference


@pytest.mark.metal
@pytest.mark.parametrize("dtype", list(TOLERANCES), ids=str)
@pytest.mark.parametrize("shape", AWKWARD_SHAPES, ids=str)
def test_matches_reference(dtype: mx.Dtype, shape: tuple[int, ...]) -> None:
    mx.random.seed(len(shape) * 1000 + shape[0])
    gate = (4 * mx.random.normal(shape)).astype(dtype)
    up = mx.random.normal(shape).astype(dtype)
    out = first_kernel.swiglu_first(gate, up)
    expected = swiglu_reference(gate, up)
    rtol, atol = TOLERANCES[dtype]
    assert out.shape == shape and out.dtype == dtype
    assert mx.allclose(out, expected, rtol=rtol, atol=atol)


@pytest.mark.metal
def test_pure_mlx_one_liner_agrees_in_float32() -> None:
    # The page compares against `gate * mx.sigmoid(gate) * up` directly.
    gate, up = mx.random.normal((1000,)), mx.random.normal((1000,))
    out = first_kernel.swiglu_first(gate, up)
    assert mx.allclose(out, gate * mx.sigmoid(gate) * up, rtol=1e-5, atol=1e-6)


def test_kernel_is_built_at_import_and_never_per_call(
    count_kernel_builds: list[str], trace: Callable[..., None]
) -> None:
    module = load_fresh("first_kernel.py")  # a fresh import of the file
    assert count_kernel_builds == ["quick_start_swiglu"]
    x = mx.zeros((64,))
    for _ in range(3):
        trace(module["swiglu_first"], x, x)
    assert count_kernel_builds == ["quick_start_swiglu"]


def test_kernel_body_uses_only_declared_names() -> None:
    # MLX declares inputs/outputs by the names given; the body must use exactly those.
    for name in ("gate", "up", "out", "thread_position_in_grid", "T("):
        assert name in first_kernel.SWIGLU_SOURCE
