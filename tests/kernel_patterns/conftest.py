"""Fixtures shared by the kernel-patterns tests (the quick-start tests reuse two of them)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import mlx.core as mx
import pytest

from metal_guide.kernel_patterns.caching import gated_kernel
from metal_guide.kernel_patterns.generated_source import mlx_metal_kernel
from metal_guide.kernel_patterns.swiglu import swiglu_kernel


@pytest.fixture
def mlx_kernels(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Within the test, ``mx.fast.metal_kernel`` is MLX's own, even if metalsim is installed.

    Cached kernel builders start empty and are emptied again afterwards, so no kernel built
    here leaks into other tests.
    """
    monkeypatch.setattr(mx.fast, "metal_kernel", mlx_metal_kernel())
    swiglu_kernel.cache_clear()
    gated_kernel.cache_clear()
    yield
    swiglu_kernel.cache_clear()
    gated_kernel.cache_clear()


@pytest.fixture
def trace(mlx_kernels: None, tmp_path: Path) -> Callable[..., None]:
    """Run ``fn(*args)`` under ``mx.export_function``, with MLX's own kernels.

    While an export traces, MLX builds the kernel call (checks, name, generated source, graph
    node) without Metal and without evaluating anything, so wrapper code paths can be
    exercised on any machine, at any size.
    """
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
