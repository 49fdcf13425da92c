"""Schedules: race-free kernels give identical bits under every order; a planted race (missing
barrier) gives different results under some order."""

from __future__ import annotations

import numpy as np

from .conftest import Runner

SCHEDULES = [("forward", 0), ("reverse", 0), ("random", 1), ("random", 2), ("random", 99)]


def neighbour(
    run: Runner, with_barrier: bool, schedule: str, seed: int, fibers: bool
) -> np.ndarray:
    n, tg = 256, 64
    x = np.random.default_rng(5).standard_normal(n).astype(np.float32)
    out = np.full(n, np.nan, np.float32)
    flag = np.array([int(with_barrier)], np.uint32)
    run("k_neighbour", [x, flag, out], (n, 1, 1), (tg, 1, 1), schedule=schedule, seed=seed,
        workers=2, uses_sync=fibers)  # fmt: skip
    return out


def test_race_free_identical_across_schedules(run: Runner) -> None:
    results = [neighbour(run, True, s, seed, True) for s, seed in SCHEDULES]
    x = np.random.default_rng(5).standard_normal(256).astype(np.float32).reshape(4, 64)
    exp = (np.roll(x, -1, axis=1) + np.float32(0.5) * np.roll(x, 1, axis=1)).reshape(-1)
    for r in results:
        assert r.tobytes() == results[0].tobytes()
    np.testing.assert_array_equal(results[0], exp)


def test_missing_barrier_is_exposed(run: Runner) -> None:
    # Same kernel without the barrier: the fast path (plain calls) and the fiber path both
    # follow the schedule, so some pair of schedules must disagree.
    for fibers in (False, True):
        results = {f"{s}:{seed}": neighbour(run, False, s, seed, fibers) for s, seed in SCHEDULES}
        distinct = {r.tobytes() for r in results.values()}
        assert len(distinct) > 1, f"race not exposed (fibers={fibers})"
        # Forward order reads the next slot before its owner wrote it: poison (NaN).
        assert np.isnan(results["forward:0"]).any()
