"""Run code written for `mx.gpu` on a CPU stream, where MLX has no GPU back-end, and say so.

`map_gpu_to_cpu()` makes every read of `mx.gpu` return `mx.cpu` and counts the reads;
`cpu_if_no_gpu()` applies it only where this MLX has no GPU. This repository's test session
applies the mapping to the stream guides through the pytest plugin
`metal_guide.timeline._pytest_plugin`, which reports every mapped test. On a Mac nothing is
mapped and the code runs on the GPU as written.

The mapping checks that the code is correct (values, joins, thread rules); it says nothing about
GPU speed or CPU/GPU overlap.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import mlx.core as mx


class _Reads:
    count = 0


@contextmanager
def map_gpu_to_cpu() -> Iterator[_Reads]:
    """Within the block, `mx.gpu` is `mx.cpu`; `.count` tells how often `mx.gpu` was read.

    Raises:
        RuntimeError: if this MLX has a GPU back-end (there is nothing to map).
    """
    if mx.is_available(mx.gpu):
        raise RuntimeError("this MLX has a GPU back-end: run the code as written")
    reads = _Reads()
    real = mx.__dict__.pop("gpu")
    previous = mx.__dict__.get("__getattr__")

    # PEP 562: a module's __getattr__ runs only for names it does not have, so removing
    # `gpu` routes every `mx.gpu` (and `from mlx.core import gpu`) through this function.
    def module_getattr(name: str) -> Any:
        if name == "gpu":
            reads.count += 1
            return mx.cpu
        if previous is not None:
            return previous(name)
        raise AttributeError(f"module 'mlx.core' has no attribute {name!r}")

    mx.__getattr__ = module_getattr  # type: ignore[attr-defined]
    try:
        yield reads
    finally:
        mx.gpu = real  # type: ignore[attr-defined]
        if previous is None:
            del mx.__getattr__  # type: ignore[attr-defined]
        else:
            mx.__getattr__ = previous  # type: ignore[attr-defined]


@contextmanager
def cpu_if_no_gpu() -> Iterator[None]:
    """For `python -m` runs of the examples: map `mx.gpu` only if there is no GPU, and say so."""
    if mx.is_available(mx.gpu):  # a Mac, or a mapping that is already active
        yield
        return
    print("note: this MLX has no GPU back-end; mx.gpu runs on a CPU stream", file=sys.stderr)
    with map_gpu_to_cpu():
        yield
