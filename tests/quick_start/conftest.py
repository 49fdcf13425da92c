"""Helpers shared by the quick-start tests."""

from __future__ import annotations

from collections.abc import Iterator

import mlx.core as mx
import pytest

# The same tracing and build-counting fixtures as the patterns tests; each uses this package's
# `mlx_kernels` below, which empties this package's builders.
from tests.kernel_patterns.conftest import count_kernel_builds, trace  # noqa: F401

from metal_guide.kernel_patterns.generated_source import mlx_metal_kernel
from metal_guide.quick_start.first_kernel import swiglu_kernel
from metal_guide.quick_start.launch_geometry import count_kernel

BUILDERS = (swiglu_kernel, count_kernel)


@pytest.fixture
def mlx_kernels(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Within the test, ``mx.fast.metal_kernel`` is MLX's own, and the cached builders start
    and end empty, so no kernel built here leaks into other tests."""
    monkeypatch.setattr(mx.fast, "metal_kernel", mlx_metal_kernel())
    for builder in BUILDERS:
        builder.cache_clear()
    yield
    for builder in BUILDERS:
        builder.cache_clear()

