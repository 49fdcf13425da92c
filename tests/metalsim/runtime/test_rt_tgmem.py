"""Threadgroup memory: shared per group, fresh and poisoned per group, aligned, 32 KiB limit."""

from __future__ import annotations

import numpy as np
import pytest

from metalsim.errors import KernelRuntimeError

from .conftest import Runner


@pytest.mark.parametrize("schedule", ["forward", "reverse", "random"])
def test_shared_fresh_and_poisoned(run: Runner, schedule: str) -> None:
    n, tg = 100, 32  # groups of 32, 32, 32 and 4
    out = np.zeros((n, 3), np.uint32)
    run("k_tg_share", [out], (n, 1, 1), (tg, 1, 1), schedule=schedule, workers=2)
    assert (out[:, 0] == 0xFFFFFFFF).all(), "threadgroup memory must start as 0xFF poison"
    for g0 in range(0, n, tg):
        grp = out[g0 : g0 + tg]
        assert len(set(grp[:, 1].tolist())) == 1, "one pointer per declaration and group"
        size = len(grp)
        idx = np.arange(size)
        assert (grp[:, 2] == (g0 + (idx + 1) % size) * 10).all()


def test_two_declarations_distinct_and_aligned(run: Runner) -> None:
    out = np.zeros((8, 2), np.uint32)
    run("k_tg_two", [out], (8, 1, 1), (8, 1, 1), uses_sync=False)
    assert (out[:, 0] == 0).all() and (out[:, 1] == 1).all()


@pytest.mark.parametrize("fibers", [False, True])
def test_limit_message(run: Runner, fibers: bool) -> None:
    with pytest.raises(KernelRuntimeError) as e:
        run("k_tg_too_big", [], (64, 1, 1), (64, 1, 1), uses_sync=False, force_fibers=fibers)
    msg = str(e.value)
    assert "<source>:12:3" in msg
    assert "threadgroup memory of 36000 bytes exceeds the limit of 32768 bytes" in msg
    # The process survives and the runtime keeps working.
    out = np.zeros((4, 2), np.uint32)
    run("k_tg_two", [out], (4, 1, 1), (4, 1, 1))
    assert (out[:, 1] == 1).all()
