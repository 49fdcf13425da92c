"""Atomics on threadgroup and device memory with many threads; spin-waits make progress."""

from __future__ import annotations

import numpy as np
import pytest

from .conftest import Runner


@pytest.mark.parametrize("schedule", ["forward", "reverse", "random"])
def test_many_threads(run: Runner, schedule: str) -> None:
    n, tg = 8192, 256
    grp = np.zeros(n // tg, np.uint32)
    total = np.zeros(1, np.int32)
    ftotal = np.zeros(1, np.float32)
    mx = np.zeros(1, np.uint32)
    run("k_atomics", [grp, total, ftotal, mx], (n, 1, 1), (tg, 1, 1), schedule=schedule,
        workers=2)  # fmt: skip
    assert (grp == tg).all()
    assert total[0] == n
    assert ftotal[0] == n * 0.5  # exact: every partial sum is a multiple of 0.5 below 2**24
    assert mx[0] == n - 1


def test_operations(run: Runner) -> None:
    x = np.zeros(1, np.int32)
    out = np.zeros(9, np.int32)
    run("k_atomic_ops", [x, out], (1, 1, 1), (1, 1, 1), uses_sync=False)
    assert out.tolist() == [12, 0, 10, 1, 20, 4, 13, 8, -(2**31)]


@pytest.mark.parametrize("schedule", ["forward", "reverse", "random"])
def test_spin_wait_on_another_thread_of_the_group(run: Runner, schedule: str) -> None:
    out = np.zeros(8, np.uint32)
    run("k_spin_ok", [out], (8 * 64, 1, 1), (64, 1, 1), schedule=schedule, watchdog_seconds=20)
    assert (out == 1).all()


@pytest.mark.parametrize("schedule", ["forward", "reverse", "random"])
def test_spinning_lane_does_not_block_other_simd_groups(run: Runner, schedule: str) -> None:
    out = np.zeros(4, np.uint32)
    run("k_spin_simd", [out], (4 * 64, 1, 1), (64, 1, 1), schedule=schedule, watchdog_seconds=10)
    assert (out == 32).all()
