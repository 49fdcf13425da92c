"""Repository-wide pytest configuration.

Tests that launch a Metal kernel carry ``@pytest.mark.metal``. They run on a Mac
with Metal, or anywhere once the metalsim emulator has been swapped in; otherwise
they are skipped with the reason shown in the report.
"""

from __future__ import annotations

import mlx.core as mx
import pytest


def metal_kernels_runnable() -> tuple[bool, str]:
    """Can ``mx.fast.metal_kernel`` run here, on hardware or through metalsim?"""
    if mx.metal.is_available():
        return True, "Metal device"
    try:
        import metalsim
    except ImportError:
        return False, "no Metal device and metalsim is not importable"
    if getattr(metalsim, "is_installed", lambda: False)():
        return True, "metalsim emulator"
    return False, "no Metal device and metalsim is not installed for this run"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    ok, why = metal_kernels_runnable()
    if ok:
        return
    skip = pytest.mark.skip(reason=f"needs Metal: {why}")
    for item in items:
        if "metal" in item.keywords:
            item.add_marker(skip)
