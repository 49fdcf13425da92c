"""A planted bug: the row reduction with its barriers removed is caught by the schedules.

The library's block_sum publishes one value per SIMD group in threadgroup memory and reads them
all back. Without the barrier in between, a thread may read a slot that another SIMD group has
not written yet. Under metalsim the same kernel, launched under several schedules, then gives a
wrong answer under at least one of them, while the real kernel is right under all of them.
"""

from __future__ import annotations

import mlx.core as mx
import pytest

from metal_guide.kernels.block_reduce import BLOCK_REDUCE_HEADER
from metal_guide.kernels.reduce_sum import ROWS_SOURCE, reduce_sum_reference

from .conftest import rows

BARRIER = "threadgroup_barrier(mem_flags::mem_threadgroup);"
SCHEDULES = [("forward", 0), ("reverse", 0), ("random", 1), ("random", 2)]


def launch(kernel: object, x: mx.array) -> mx.array:
    rows_, n = x.shape
    (out,) = kernel(  # type: ignore[operator]
        inputs=[x, mx.array(n, dtype=mx.uint32)],
        template=[("T", x.dtype), ("U", x.dtype)],
        grid=(256, rows_, 1),
        threadgroup=(256, 1, 1),
        output_shapes=[(rows_,)],
        output_dtypes=[x.dtype],
    )
    return out


@pytest.mark.metal
def test_missing_barrier_is_caught_and_the_real_kernel_is_not() -> None:
    metalsim = pytest.importorskip("metalsim")
    assert BARRIER in BLOCK_REDUCE_HEADER
    racy = metalsim.metal_kernel(
        name="mg_test_reduce_rows_no_barrier", input_names=["x", "row_length"],
        output_names=["out"], source=ROWS_SOURCE,
        header=BLOCK_REDUCE_HEADER.replace(BARRIER, "// barrier removed"),
    )  # fmt: skip
    fixed = metalsim.metal_kernel(
        name="mg_test_reduce_rows", input_names=["x", "row_length"],
        output_names=["out"], source=ROWS_SOURCE, header=BLOCK_REDUCE_HEADER,
    )  # fmt: skip
    x = rows(1000, mx.float32).reshape(-1, 1000)
    expected = reduce_sum_reference(x)
    racy_ok, fixed_ok = [], []
    for kind, seed in SCHEDULES:
        with metalsim.settings(schedule=kind, seed=seed):
            racy_ok.append(bool(mx.allclose(launch(racy, x), expected, atol=1e-4)))
            fixed_ok.append(bool(mx.allclose(launch(fixed, x), expected, atol=1e-4)))
    assert all(fixed_ok)
    assert not all(racy_ok), "no schedule exposed the missing barrier"
