"""Kernel errors end the launch with a message and leave the process (and runtime) usable."""

from __future__ import annotations

import time

import numpy as np
import pytest

from metalsim.errors import KernelRuntimeError, MetalsimError
from metalsim.launch import LaunchOptions, launch, runtime_info

from .conftest import Kernel, Runner


@pytest.mark.parametrize("fibers", [False, True])
def test_watchdog_stops_endless_spin_wait(run: Runner, fibers: bool) -> None:
    flag = np.zeros(1, np.int32)
    t0 = time.monotonic()
    with pytest.raises(
        KernelRuntimeError, match=r"watchdog: the kernel is still running after 0.5 s"
    ):
        run("k_spin", [flag], (64, 1, 1), (32, 1, 1), uses_sync=fibers, watchdog_seconds=0.5,
            workers=2)  # fmt: skip
    assert time.monotonic() - t0 < 10


@pytest.mark.parametrize("fibers", [False, True])
def test_fail_reports_location_and_thread(run: Runner, fibers: bool) -> None:
    out = np.zeros(1, np.uint32)
    with pytest.raises(KernelRuntimeError) as e:
        run("k_fail", [out], (256, 1, 1), (64, 1, 1), uses_sync=fibers, workers=2)
    msg = str(e.value)
    assert msg.startswith("<source>:3:9: planted failure")
    assert "thread_position_in_grid (77, 0, 0)" in msg
    assert "threadgroup_position_in_grid (1, 0, 0)" in msg
    assert out[0] == 0
    # Still alive and working afterwards.
    x = np.arange(64, dtype=np.float32)
    res = np.zeros(1, np.float32)
    run("k_tree", [x, res], (64, 1, 1), (64, 1, 1))
    assert res[0] == x.sum()


def test_missing_symbol(kernels_so) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(MetalsimError, match="no entry symbol"):
        launch(Kernel(kernels_so, "no_such_kernel"), [], (1, 1, 1), (1, 1, 1))


def test_bad_options(run: Runner) -> None:
    with pytest.raises(MetalsimError, match="schedule"):
        run("k_attrs", [np.zeros(38, np.uint32)], (1, 1, 1), (1, 1, 1), schedule="sideways")
    with pytest.raises(MetalsimError, match="3 dimensions"):
        run("k_attrs", [np.zeros(38, np.uint32)], (1, 1), (1, 1, 1))


def test_runtime_info() -> None:
    info = runtime_info()
    assert info.startswith("metalsim_rt 1 ")
    assert LaunchOptions().watchdog_seconds == 60.0


def test_fiber_stack_overflow_is_an_error(run: Runner) -> None:
    out = np.zeros(64, np.float32)
    with pytest.raises(KernelRuntimeError, match="fiber stack overflow") as e:
        run("k_stack_overflow", [out], (64, 1, 1), (32, 1, 1), workers=2)
    assert "65536-byte fiber stack" in str(e.value)
    # A bigger stack fixes it, in the same process.
    run("k_stack_overflow", [out], (64, 1, 1), (32, 1, 1), stack_size=256 * 1024, workers=2)
    np.testing.assert_array_equal(out, 2 * (np.arange(64) % 32))


@pytest.mark.parametrize("fibers", [False, True])
def test_invalid_memory_access_is_an_error(run: Runner, fibers: bool) -> None:
    out = np.zeros(64, np.float32)
    wild = np.array([0x10], np.uint64)  # address 16: never mapped
    with pytest.raises(KernelRuntimeError) as e:
        run("k_wild_write", [out, wild], (64, 1, 1), (32, 1, 1), uses_sync=fibers, workers=2)
    msg = str(e.value)
    assert msg.startswith("invalid memory access: the kernel accessed invalid address 0x24")
    assert "thread_position_in_grid (5, 0, 0)" in msg and "sanitize=True" in msg


@pytest.mark.parametrize("fibers", [False, True])
def test_integer_division_by_zero_is_an_error(run: Runner, fibers: bool) -> None:
    d = np.ones(64, np.int32)
    d[40] = 0
    out = np.zeros(64, np.int32)
    with pytest.raises(KernelRuntimeError, match="integer division by zero") as e:
        run("k_div_zero", [d, out], (64, 1, 1), (64, 1, 1), uses_sync=fibers)
    assert "thread_position_in_grid (40, 0, 0)" in str(e.value)
    d[40] = 4
    run("k_div_zero", [d, out], (64, 1, 1), (64, 1, 1), uses_sync=fibers)
    assert out[40] == 25


def test_watchdog_stops_endless_barrier_loop(run: Runner) -> None:
    stop = np.zeros(1, np.uint32)
    # The in-thread check ("keep passing barriers") usually reports first; on a loaded machine
    # the watchdog thread may (same prefix).
    with pytest.raises(
        KernelRuntimeError, match="watchdog: the kernel is still running after 0.3 s"
    ):
        run("k_barrier_forever", [stop], (128, 1, 1), (64, 1, 1), watchdog_seconds=0.3)


@pytest.mark.parametrize("fibers", [False, True])
def test_watchdog_stops_endless_loop_without_sync_points(run: Runner, fibers: bool) -> None:
    stop = np.zeros(1, np.uint32)
    t0 = time.monotonic()
    with pytest.raises(KernelRuntimeError, match="still running after 0.3 s.*an endless loop"):
        run("k_endless", [stop], (64, 1, 1), (32, 1, 1), uses_sync=fibers, watchdog_seconds=0.3,
            workers=2)  # fmt: skip
    assert time.monotonic() - t0 < 10
    # The pool recovered: the next launch works on every worker.
    x = np.arange(512, dtype=np.float32)
    res = np.zeros(2, np.float32)
    run("k_tree", [x, res], (512, 1, 1), (256, 1, 1), workers=2)
    assert res.tolist() == [x[:256].sum(), x[256:].sum()]
