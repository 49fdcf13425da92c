"""diagnostics.py on real kernels (compiler + runtime), including AddressSanitizer."""

from __future__ import annotations

from typing import Any

import mlx.core as mx
import pytest

import metalsim
from metalsim import diagnostics

NEIGHBOUR = """
    threadgroup float buf[64];
    uint l = thread_position_in_threadgroup.x;
    buf[l] = inp[thread_position_in_grid.x];
    BARRIER
    out[thread_position_in_grid.x] = buf[(l + 1) % 64];
"""


def _neighbour_call(x: mx.array) -> dict[str, Any]:
    return dict(inputs=[x], output_shapes=[x.shape], output_dtypes=[mx.float32],
                grid=(x.size, 1, 1), threadgroup=(64, 1, 1))  # fmt: skip


def test_compare_schedules_finds_a_missing_barrier() -> None:
    x = mx.arange(128, dtype=mx.float32)
    racy = metalsim.metal_kernel("ms_neighbour_racy", ["inp"], ["out"],
                                 NEIGHBOUR.replace("BARRIER", ""))  # fmt: skip
    report = diagnostics.compare_schedules(racy, **_neighbour_call(x))
    assert report and report.differences, str(report)
    fixed = metalsim.metal_kernel(
        "ms_neighbour", ["inp"], ["out"],
        NEIGHBOUR.replace("BARRIER", "threadgroup_barrier(mem_flags::mem_threadgroup);"),
    )  # fmt: skip
    assert not diagnostics.compare_schedules(fixed, **_neighbour_call(x))
    (y,) = fixed(**_neighbour_call(x))
    want = mx.concatenate([mx.roll(x[:64], -1), mx.roll(x[64:], -1)])
    assert mx.array_equal(y, want)


OOB = """
    uint i = thread_position_in_grid.x;
    out[i] = inp[i + 40];
"""


def _asan(kernel: Any, **call: Any) -> diagnostics.AsanReport:
    try:
        return diagnostics.run_with_asan(kernel, **call)
    except metalsim.ToolchainError as e:
        pytest.skip(f"no AddressSanitizer toolchain: {e}")


def test_asan_reports_out_of_bounds_read_with_source_line() -> None:
    k = metalsim.metal_kernel("ms_oob", ["inp"], ["out"], OOB)
    x = mx.arange(64, dtype=mx.float32)
    r = _asan(k, inputs=[x], output_shapes=[(64,)], output_dtypes=[mx.float32],
              grid=(64, 1, 1), threadgroup=(32, 1, 1))  # fmt: skip
    assert r and not r.ok
    assert r.error == "heap-buffer-overflow"
    assert r.location == "<source>:3:14"
    assert r.source_line == "out[i] = inp[i + 40];"
    assert "out[i] = inp[i + 40];" in str(r)


def test_asan_clean_run_returns_outputs() -> None:
    k = metalsim.metal_kernel("ms_oob", ["inp"], ["out"], OOB)
    x = mx.arange(64, dtype=mx.float32)
    r = _asan(k, inputs=[x], output_shapes=[(24,)], output_dtypes=[mx.float32],
              grid=(24, 1, 1), threadgroup=(32, 1, 1))  # fmt: skip
    assert r.ok and not r, str(r)
    assert r.outputs is not None and mx.array_equal(r.outputs[0], x[40:])


def test_asan_survives_a_wild_write() -> None:
    # Far outside any allocation: without the subprocess this could kill the test session.
    k = metalsim.metal_kernel("ms_wild", ["inp"], ["out"],
                              "out[thread_position_in_grid.x + (1u << 30)] = inp[0];")  # fmt: skip
    r = _asan(k, inputs=[mx.ones(4)], output_shapes=[(4,)], output_dtypes=[mx.float32],
              grid=(4, 1, 1), threadgroup=(4, 1, 1))  # fmt: skip
    assert not r.ok and r.returncode != 0 and r.error
