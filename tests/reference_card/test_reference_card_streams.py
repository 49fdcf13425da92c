"""The reference card's streams example."""

from __future__ import annotations

import mlx.core as mx
import pytest

from metal_guide.reference_card import streams


@pytest.mark.skipif(not mx.is_available(mx.gpu), reason="needs a GPU device")
def test_streams_on_gpu() -> None:
    product, total = streams.main()
    assert product.shape == (512, 512)
    assert total.dtype == mx.float64


def test_streams_logic_with_cpu_in_place_of_gpu(monkeypatch: pytest.MonkeyPatch) -> None:
    """On CPU-only builds, run the same code with mx.gpu replaced by mx.cpu.

    This checks the code runs and joins correctly; it says nothing about CPU/GPU overlap.
    """
    monkeypatch.setattr(mx, "gpu", mx.cpu)
    product, total = streams.main()
    assert mx.allclose(product, product.T, rtol=1e-4, atol=1e-3).item()  # a @ a.T is symmetric
    assert total.dtype == mx.float64
