"""The claims the "Testing kernels on Linux" page makes about its examples.

Each example plants one bug; these tests check that the bug is really there, that the diagnostic
really reports it, and that the report goes away when the bug does (so a diagnostic that always
complained would fail here too).
"""

from __future__ import annotations

import time
from typing import Any

import mlx.core as mx
import pytest

import metalsim
from metalsim import diagnostics


def test_scale_runs_emulated_and_installed_restores() -> None:
    from metal_guide.testing_on_linux.scale import scale

    before = mx.fast.metal_kernel
    x = mx.arange(1000, dtype=mx.float32)
    with metalsim.installed():
        assert mx.array_equal(scale(x, 2.0), 2 * x)
    assert mx.fast.metal_kernel is before
    metalsim.install()
    metalsim.uninstall()
    assert mx.fast.metal_kernel is before


def test_scale_builds_its_kernel_once() -> None:
    from metal_guide.testing_on_linux.scale import scale, scale_kernel

    x = mx.arange(33, dtype=mx.float32)
    with metalsim.installed():
        for factor in (1.0, 2.0, 3.0):
            assert mx.array_equal(scale(x, factor), factor * x)
    assert scale_kernel.cache_info().currsize == 1


def test_unwritten_reports_exactly_the_dropped_tail() -> None:
    from metal_guide.testing_on_linux.unwritten import scale4, scale4_call

    x = mx.arange(1003, dtype=mx.float32)
    (y,) = scale4(**scale4_call(x))
    assert mx.isnan(y[1000:]).all() and mx.array_equal(y[:1000], 2 * x[:1000])
    report = diagnostics.unwritten_outputs(scale4, **scale4_call(x))
    assert report and len(report.outputs) == 1
    assert report.outputs[0].count == 3
    assert report.outputs[0].first == [(1000,), (1001,), (1002,)]
    whole = mx.arange(1000, dtype=mx.float32)  # a multiple of 4: nothing is dropped
    assert not diagnostics.unwritten_outputs(scale4, **scale4_call(whole))


def test_missing_barrier_differs_across_schedules_and_forward_is_right_by_luck() -> None:
    from metal_guide.testing_on_linux.schedules import call, fixed, racy, x

    want = mx.concatenate([mx.zeros(1), x[:63], mx.zeros(1), x[64:127]])
    report = diagnostics.compare_schedules(racy, **call)
    assert report and not report.errors
    assert {d.schedule for d in report.differences} == {"reverse", "random:0", "random:1"}
    (forward,) = racy(**call)
    assert mx.array_equal(forward, want)  # "the forward order happens to be right"
    with metalsim.settings(schedule="reverse"):
        (reverse,) = racy(**call)
    assert mx.isnan(reverse[1:64]).all()
    assert not diagnostics.compare_schedules(fixed, **call)
    for schedule in ("forward", "reverse", "random"):
        with metalsim.settings(schedule=schedule, seed=7):
            assert mx.array_equal(fixed(**call)[0], want)


def test_divergent_barrier_lenient_by_default_strict_fails() -> None:
    from metal_guide.testing_on_linux.barriers import call, centre, x

    (y,) = centre(**call)
    assert mx.array_equal(y, x - mx.where(x < 256, 0, 256))
    with metalsim.settings(strict_barriers=True):
        with pytest.raises(metalsim.KernelRuntimeError, match="212 returned before it"):
            centre(**call)
        # Without surplus threads nobody leaves early: strict mode has nothing to report.
        exact = dict(inputs=[x[:256], 256], output_shapes=[(256,)], output_dtypes=[x.dtype],
                     grid=(256, 1, 1), threadgroup=(256, 1, 1))  # fmt: skip
        assert mx.array_equal(centre(**exact)[0], x[:256])


def _asan(kernel: Any, **call: Any) -> diagnostics.AsanReport:
    try:
        return diagnostics.run_with_asan(kernel, **call)
    except metalsim.ToolchainError as e:
        pytest.skip(f"no AddressSanitizer toolchain: {e}")


def test_asan_finds_the_read_past_the_end_and_passes_the_fixed_launch() -> None:
    from metal_guide.testing_on_linux.asan import call, diff, x

    report = _asan(diff, **call)
    assert report.error == "heap-buffer-overflow"
    assert report.location == "<source>:3:18"
    assert report.source_line == "out[i] = inp[i + 1] - inp[i];  // i + 1 == n for the last thread"
    n = x.size - 1  # one thread fewer: every read in bounds
    clean = _asan(diff, **{**call, "grid": (n, 1, 1), "output_shapes": [(n,)]})
    assert clean.ok and clean.outputs is not None
    assert mx.array_equal(clean.outputs[0], x[1:] - x[:-1])


def test_guard_catches_the_off_by_one_write() -> None:
    from metal_guide.testing_on_linux.redzones import call, shift

    with pytest.raises(metalsim.KernelRuntimeError) as err:
        shift(**call)
    assert "wrote past the end of output `out`" in str(err.value)
    assert "element [48] of 48" in str(err.value)
    n = call["inputs"][0].size - 1  # one thread fewer: in bounds, no error
    (y,) = shift(**{**call, "grid": (n, 1, 1)})
    assert mx.array_equal(y[1:], call["inputs"][0][:-1])


def test_compile_error_points_at_the_body_line() -> None:
    from metal_guide.testing_on_linux import compile_errors

    with pytest.raises(metalsim.MetalCompileError) as err:
        compile_errors.broken(inputs=[compile_errors.x], output_shapes=[(4,)],
                              output_dtypes=[mx.float32], grid=(4, 1, 1),
                              threadgroup=(4, 1, 1))  # fmt: skip
    assert str(err.value).startswith("<source>:2:24: error: expected ';' at end of declaration")


def test_watchdog_stops_the_spin_wait_quickly() -> None:
    from metal_guide.testing_on_linux.watchdog import call, wait_forever

    start = time.perf_counter()
    with metalsim.settings(watchdog_seconds=0.5):
        with pytest.raises(metalsim.KernelRuntimeError, match=r"^watchdog: .* after 0\.5 s"):
            wait_forever(**call)
    assert time.perf_counter() - start < 10


def test_threadgroup_limits() -> None:
    from metal_guide.testing_on_linux.limits import run, x

    assert mx.array_equal(run(tile=1024, threads=1024), x)
    with pytest.raises(ValueError, match=r"Thread group size \(2048\) is greater than"):
        run(tile=2048, threads=2048)
    with pytest.raises(metalsim.KernelRuntimeError,
                       match=r"^<source>:2:\d+: threadgroup memory of 36000 bytes exceeds "
                             r"the limit of 32768 bytes"):  # fmt: skip
        run(tile=9000, threads=256)
    assert mx.array_equal(run(tile=8192, threads=256), x)  # exactly 32 KiB is allowed
