"""One cached kernel per source variant, each under its own name."""

from __future__ import annotations

from collections.abc import Callable

import mlx.core as mx
import pytest

from metal_guide.kernel_patterns import caching


def test_each_variant_is_built_once_under_its_own_name(
    count_kernel_builds: list[str], trace: Callable[..., None]
) -> None:
    x = mx.zeros((50,))
    for _ in range(2):
        for activation in ("silu", "relu"):
            trace(lambda a, b, act=activation: caching.gated(a, b, act), x, x)
    assert count_kernel_builds == ["patterns_gated_silu", "patterns_gated_relu"]
    assert caching.gated_kernel("relu") is caching.gated_kernel("relu")
    assert caching.gated_kernel("relu") is not caching.gated_kernel("silu")


def test_unknown_activation_is_a_clear_error(mlx_kernels: None) -> None:
    expected = r"unknown activation 'gelu'; choose from \['relu', 'silu'\]"
    with pytest.raises(ValueError, match=expected):
        caching.gated_kernel("gelu")


@pytest.mark.metal
@pytest.mark.parametrize("dtype", [mx.float32, mx.float16, mx.bfloat16], ids=str)
def test_variants_match_their_references(dtype: mx.Dtype) -> None:
    tol = {mx.float32: 1e-5, mx.float16: 1e-3, mx.bfloat16: 1e-2}[dtype]
    g32, u32 = 4 * mx.random.normal((1027,)), mx.random.normal((1027,))
    gate, up = g32.astype(dtype), u32.astype(dtype)
    g, u = gate.astype(mx.float32), up.astype(mx.float32)
    relu = (mx.maximum(g, 0) * u).astype(dtype)
    silu = (g * mx.sigmoid(g) * u).astype(dtype)
    assert mx.allclose(caching.gated(gate, up, "relu"), relu, rtol=tol, atol=tol)
    assert mx.allclose(caching.gated(gate, up, "silu"), silu, rtol=tol, atol=tol)
