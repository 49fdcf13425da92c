"""Helpers shared by the quick-start tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import mlx.core as mx
import pytest


@pytest.fixture
def trace(tmp_path: Path) -> Callable[..., None]:
    """Run ``fn(*args)`` under ``mx.export_function``.

    While an export traces, MLX builds the kernel call (name, generated source, graph node)
    without needing Metal, so wrapper code paths can be exercised on any machine.
    """
    counter = iter(range(1_000_000))

    def run(fn: Callable[..., object], *args: mx.array) -> None:
        mx.export_function(str(tmp_path / f"trace{next(counter)}.mlxfn"), fn, *args)

    return run


@pytest.fixture
def count_kernel_builds(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record the ``name`` of every ``mx.fast.metal_kernel`` construction from now on."""
    names: list[str] = []
    real = mx.fast.metal_kernel

    def counting(*args: object, **kwargs: object) -> object:
        names.append(str(kwargs.get("name", args[0] if args else "?")))
        return real(*args, **kwargs)

    monkeypatch.setattr(mx.fast, "metal_kernel", counting)
    return names
