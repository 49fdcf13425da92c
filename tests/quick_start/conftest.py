"""Helpers shared by the quick-start tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import mlx.core as mx
import pytest

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


@pytest.fixture
def trace(mlx_kernels: None, tmp_path: Path) -> Callable[..., None]:
    """Run ``fn(*args)`` under ``mx.export_function``: MLX builds the kernel call without
    Metal and without evaluating anything."""
    counter = iter(range(1_000_000))

    def run(fn: Callable[..., object], *args: mx.array) -> None:
        mx.export_function(str(tmp_path / f"trace{next(counter)}.mlxfn"), fn, *args)

    return run


@pytest.fixture
def count_kernel_builds(mlx_kernels: None, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record the ``name`` of every ``mx.fast.metal_kernel`` construction from now on."""
    names: list[str] = []
    real = mx.fast.metal_kernel

    def counting(*args: object, **kwargs: object) -> object:
        names.append(str(kwargs.get("name", args[0] if args else "?")))
        return real(*args, **kwargs)

    monkeypatch.setattr(mx.fast, "metal_kernel", counting)
    return names
