"""Swap ``mx.fast.metal_kernel`` for metalsim's emulating version (``metalsim.install()``).

The module is not named ``install``: the package exports the function ``install``, which
would hide a submodule of the same name. It only keeps the stack of swaps; MLX's own function
is captured by ``metalsim.kernel``, which this module imports (never the other way round).

Only code that looks the function up at call time (``mx.fast.metal_kernel(...)``) sees the swap;
a ``from mlx.core.fast import metal_kernel`` made before [`install`][metalsim.install]
keeps MLX's function.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import mlx.core as mx

from metalsim.kernel import metal_kernel, mlx_metal_kernel

_lock = threading.Lock()
# Stack of the functions we replaced, so nested install()/installed() restore in order.
_saved: list[Any] = []


def metal_available() -> bool:
    """Can MLX run Metal kernels itself on this machine?"""
    try:
        return bool(mx.metal.is_available())
    except Exception:  # very old or unusual builds
        return False


# MLX's own ``mx.fast.metal_kernel``, whether or not metalsim is installed.
original_metal_kernel = mlx_metal_kernel


def is_installed() -> bool:
    """Is ``mx.fast.metal_kernel`` currently metalsim's emulator?"""
    return mx.fast.metal_kernel is metal_kernel


def install(force: bool = False) -> bool:
    """Make ``mx.fast.metal_kernel`` emulate on the CPU.

    With a Metal device nothing is swapped unless ``force=True`` (real hardware is better).
    Returns True when metalsim is installed afterwards. Every successful call must be balanced
    by [`uninstall`][metalsim.uninstall].
    """
    if metal_available() and not force:
        return is_installed()
    with _lock:
        _saved.append(mx.fast.metal_kernel)
        mx.fast.metal_kernel = metal_kernel
    return True


def uninstall() -> None:
    """Undo the latest [`install`][metalsim.install] (no-op when nothing is installed)."""
    with _lock:
        if _saved:
            mx.fast.metal_kernel = _saved.pop()


@contextmanager
def installed(force: bool = False) -> Iterator[bool]:
    """``with metalsim.installed():`` -- install for the block; yields whether it is active."""
    swapped = (not metal_available()) or force
    active = install(force=force)
    try:
        yield active
    finally:
        if swapped:
            uninstall()
