"""The ported kernel against PyTorch's CPU leaky_relu and MLX's own, under metalsim."""

from __future__ import annotations

import mlx.core as mx
import mlx.nn as nn
import numpy as np
import pytest

from metal_guide.kernels.testing import AWKWARD_LENGTHS, FLOAT_DTYPES, assert_matches_reference
from metal_guide.pytorch_to_mlx import custom_kernel

SLOPE = 0.125


@pytest.mark.metal
@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=str)
@pytest.mark.parametrize("shape", [(n,) for n in AWKWARD_LENGTHS] + [(3, 257)], ids=str)
def test_matches_mlx_reference(dtype: mx.Dtype, shape: tuple[int, ...]) -> None:
    x = (4 * mx.random.normal(shape, key=mx.random.key(shape[-1]))).astype(dtype)
    expected = nn.leaky_relu(x.astype(mx.float32), SLOPE).astype(dtype)
    assert_matches_reference(custom_kernel.leaky_relu(x, SLOPE), expected, what=str(shape))


@pytest.mark.metal
def test_matches_pytorch_on_cpu() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch not installed: pip install torch==2.13.0")
    x = np.random.default_rng(0).standard_normal(1000).astype(np.float32)
    expected = torch.nn.functional.leaky_relu(torch.from_numpy(x), SLOPE).numpy()
    got = np.array(custom_kernel.leaky_relu(mx.array(x), SLOPE))
    np.testing.assert_allclose(got, expected, rtol=0, atol=0)


def test_rejects_integer_input() -> None:
    with pytest.raises(TypeError, match="x must be"):
        custom_kernel.leaky_relu(mx.arange(4), SLOPE)


def test_mps_side_needs_mps() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch not installed: pip install torch==2.13.0")
    if torch.backends.mps.is_available():
        pytest.skip("MPS present: this test checks the Linux behaviour")
    with pytest.raises(RuntimeError, match="MPS"):
        custom_kernel.leaky_relu_mps(torch.zeros(4), SLOPE)
