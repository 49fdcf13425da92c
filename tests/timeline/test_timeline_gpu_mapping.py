"""The explicit mx.gpu -> mx.cpu mapping used where MLX has no GPU back-end."""

from __future__ import annotations

import mlx.core as mx
import pytest

from metal_guide.timeline import gpu_mapping


@pytest.fixture
def unmapped() -> None:
    if "gpu" not in mx.__dict__:
        pytest.skip("a mapping is active for this test (see the gpu-mapping report line)")
    if mx.is_available(mx.gpu):
        pytest.skip("this MLX has a GPU back-end: nothing is mapped")


def test_reads_are_mapped_counted_and_restored(unmapped: None) -> None:
    real = mx.gpu
    with gpu_mapping.map_gpu_to_cpu() as reads:
        stream = mx.new_stream(mx.gpu)
        from mlx.core import gpu

        assert stream.device == mx.cpu and gpu == mx.cpu
        assert reads.count == 2
    assert mx.gpu is real and "__getattr__" not in mx.__dict__
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        with gpu_mapping.map_gpu_to_cpu():
            mx.nope  # noqa: B018 - other names still fail as usual
