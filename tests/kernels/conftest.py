"""Shared inputs and schedules for the kernel library's tests.

Compiles dominate the cost of these tests under metalsim (every kernel source x dtype is one
clang build), while running a compiled kernel is cheap. So every dtype x size runs on the
default (forward) schedule, and the reverse and random schedules rerun a representative subset:
float32 at sizes on both sides of a SIMD group and of a threadgroup, where a missing barrier
would show. Inputs always have at least 8 elements where the size allows it: MLX passes smaller
arrays in `constant` memory, which is a different kernel signature and one more compile.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import mlx.core as mx

from metal_guide.kernels.testing import AWKWARD_LENGTHS, FLOAT_DTYPES

# Leading dimensions for row kernels: batch > 1, and more than one leading axis.
BATCH = (2, 5)
DTYPE_IDS = {mx.float32: "float32", mx.float16: "float16", mx.bfloat16: "bfloat16"}
# Lengths for the schedule reruns: one SIMD group +1, a partial threadgroup, several loops.
SCHEDULE_LENGTHS = (33, 1000, 4097)
SCHEDULES = ("reverse", "random:7")

__all__ = ["AWKWARD_LENGTHS", "FLOAT_DTYPES", "rows", "schedule", "dtype_id"]


def dtype_id(dtype: mx.Dtype) -> str:
    return DTYPE_IDS[dtype]


def rows(n: int, dtype: mx.Dtype, *, seed: int = 0, scale: float = 1.0) -> mx.array:
    """A (2, 5, n) array of normal values: 10 rows of length `n`."""
    mx.random.seed(seed * 7919 + n)
    return (scale * mx.random.normal((*BATCH, n))).astype(dtype)


@contextmanager
def schedule(name: str) -> Iterator[None]:
    """Run the block's kernels under metalsim schedule `name` (no effect on real Metal)."""
    import metalsim

    kind, _, seed = name.partition(":")
    with metalsim.settings(schedule=kind, seed=int(seed or 0)):
        yield
