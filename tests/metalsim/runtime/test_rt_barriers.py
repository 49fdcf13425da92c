"""Barriers: release, lenient vs strict early return, divergent sites, simdgroup_barrier."""

from __future__ import annotations

import numpy as np
import pytest

from metalsim.errors import KernelRuntimeError

from .conftest import Runner, source_line


def tree_reference(x: np.ndarray, tg: int) -> np.ndarray:
    """The kernel's own summation order, in float32."""
    out = []
    for g0 in range(0, len(x), tg):
        buf = x[g0 : g0 + tg].astype(np.float32).copy()
        n = len(buf)
        s = 128
        while s > 0:
            for t in range(min(s, n)):
                if t + s < n:
                    buf[t] = np.float32(buf[t] + buf[t + s])
            s >>= 1
        out.append(buf[0])
    return np.array(out, np.float32)


@pytest.mark.parametrize("schedule", ["forward", "reverse", "random"])
@pytest.mark.parametrize("workers", [1, 2])
def test_tree_sum(run: Runner, schedule: str, workers: int) -> None:
    n = 4096 + 100  # last group is partial
    x = np.random.default_rng(1).standard_normal(n).astype(np.float32)
    out = np.full((n + 255) // 256, np.nan, np.float32)
    run("k_tree", [x, out], (n, 1, 1), (256, 1, 1), schedule=schedule, seed=3, workers=workers)
    np.testing.assert_array_equal(out, tree_reference(x, 256))


def test_early_return_lenient(run: Runner) -> None:
    out = np.full(128, np.nan, np.float32)
    keep = np.array([40], np.uint32)
    run("k_early_return", [out, keep], (128, 1, 1), (64, 1, 1))
    got = out.reshape(2, 64)
    assert (got[:, :40] == sum(range(40))).all()
    assert np.isnan(got[:, 40:]).all()


def test_early_return_strict(run: Runner) -> None:
    out = np.full(128, np.nan, np.float32)
    keep = np.array([40], np.uint32)
    with pytest.raises(KernelRuntimeError) as e:
        run("k_early_return", [out, keep], (128, 1, 1), (64, 1, 1), strict_barriers=True)
    msg = str(e.value)
    assert "barrier not reached by all threads of the threadgroup: 24 returned before it" in msg
    barrier_line = source_line("if (t >= keep) return;") + 2
    assert f"basic.cpp:{barrier_line}:" in msg, msg
    assert "e.g. thread_index_in_threadgroup 40;" in msg


def test_strict_passes_when_everyone_arrives(run: Runner) -> None:
    out = np.full(128, np.nan, np.float32)
    keep = np.array([64], np.uint32)
    run("k_early_return", [out, keep], (128, 1, 1), (64, 1, 1), strict_barriers=True)
    assert (out == sum(range(64))).all()


@pytest.mark.parametrize("strict", [False, True])
def test_divergent_barrier_names_both_sites(run: Runner, strict: bool) -> None:
    out = np.zeros(64, np.uint32)
    with pytest.raises(KernelRuntimeError) as e:
        run("k_divergent", [out], (64, 1, 1), (64, 1, 1), strict_barriers=strict)
    msg = str(e.value)
    first = source_line("if (t % 2)") + 1
    second = first + 2
    assert "divergent barrier" in msg
    assert f"basic.cpp:{first}:" in msg and f"basic.cpp:{second}:" in msg, msg


def test_simdgroup_barrier(run: Runner) -> None:
    n = 80  # one group of 80: SIMD groups of 32, 32 and 16
    out = np.zeros(n, np.uint32)
    run("k_simd_barrier", [out], (n, 1, 1), (n, 1, 1), schedule="reverse")
    exp = []
    for t in range(n):
        base = t - t % 32
        width = min(32, n - base)
        exp.append((base + (t % 32 + 1) % width) * 3)
    np.testing.assert_array_equal(out, exp)


def test_barrier_without_fibers_is_an_error(run: Runner) -> None:
    out = np.zeros(2, np.float32)
    with pytest.raises(KernelRuntimeError, match="without fibers"):
        run("k_tree", [np.zeros(64, np.float32), out], (64, 1, 1), (32, 1, 1), uses_sync=False)


def test_private_array_fits_default_stack(run: Runner) -> None:
    out = np.zeros(64, np.float32)
    run("k_private_array", [out], (64, 1, 1), (32, 1, 1))
    t = np.arange(64) % 32
    np.testing.assert_array_equal(out, sum(range(0, 10000, 1000)) + 10 * t)
