"""Every SIMD-group and quad-group function against a NumPy model, with all lanes and with a
divergent subset of lanes active (the others wait at a different call site)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from metalsim.errors import KernelRuntimeError

from .conftest import Runner

NF, NU = 38, 23
F32 = np.float32


def tree(vals: list, op: Callable) -> object:
    """The runtime's fixed order: pairwise over the active lanes, compacted in lane order."""
    a = list(vals)
    while len(a) > 1:
        h = len(a) // 2
        nxt = [op(a[2 * i], a[2 * i + 1]) for i in range(h)]
        if len(a) % 2:
            nxt.append(a[-1])
        a = nxt
    return a[0]


def prefix(
    vals: dict[int, object], me: int, inclusive: bool, op: Callable, ident: object
) -> object:
    acc = ident
    for i in range(me + (1 if inclusive else 0)):
        if i in vals:
            acc = op(acc, vals[i])
    return acc


def i32(v: int) -> int:
    return ((v + 2**31) % 2**32) - 2**31


def model(x: np.ndarray, iv: np.ndarray, tg: int, mode: int) -> tuple[dict, dict]:
    """Expected float and uint outputs per grid thread (only the entries the kernel writes)."""
    fexp: dict[int, list] = {}
    uexp: dict[int, list] = {}
    n = len(x)
    add = lambda a, b: F32(a + b)  # noqa: E731
    mul = lambda a, b: F32(a * b)  # noqa: E731
    for g0 in range(0, n, tg):
        size = min(tg, n - g0)
        active = [mode == 0 or (t * 7 + 3) % 5 != 0 for t in range(size)]
        for t in range(size):
            g = g0 + t
            sbase = t - t % 32
            lanes = range(sbase, min(sbase + 32, size))
            if not active[t]:
                uexp[g] = [sum(1 << (j - sbase) for j in lanes if not active[j])]
                continue
            A = [j for j in lanes if active[j]]  # active lanes of my SIMD group
            me = t - sbase

            def snap(vals, A=A, sbase=sbase):
                v = [F32(0)] * 32
                for j in A:
                    v[j - sbase] = vals[j]
                return v

            xs = [F32(x[g0 + j]) for j in range(size)]
            ys = [F32(F32(1) + F32(v / F32(64))) for v in xs]
            neg = [F32(-v) for v in xs]
            vx, vn = snap(xs), snap(neg)
            xa = [xs[j] for j in A]
            ya = [ys[j] for j in A]
            d = {j - sbase: xs[j] for j in A}
            dy = {j - sbase: ys[j] for j in A}

            def fill_up(delta, mod, me=me, vx=vx, vn=vn):
                base, i = me - me % mod, me % mod
                return vx[base + i - delta] if i >= delta else vn[base + mod - delta + i]

            def fill_down(delta, mod, me=me, vx=vx, vn=vn):
                base, i = me - me % mod, me % mod
                return vx[base + i + delta] if i + delta < mod else vn[base + i + delta - mod]

            f = [
                tree(xa, add), tree(ya, mul), min(xa), max(xa),
                prefix(d, me, True, add, F32(0)), prefix(d, me, False, add, F32(0)),
                prefix(dy, me, True, mul, F32(1)), prefix(dy, me, False, mul, F32(1)),
                vx[5], xs[A[0]], vx[(me * 5 + 1) % 32],
                vx[me - 3] if me >= 3 else xs[t], vx[me + 5] if me + 5 < 32 else xs[t],
                vx[me ^ 6], vx[(me - 3) % 32], vx[(me + 5) % 32],
                fill_up(3, 32), fill_down(5, 32), fill_up(2, 8), fill_down(3, 8),
                tree([F32(2 * v) for v in xa], add), F32(len(xa)),
            ]  # fmt: skip
            qbase = t - t % 4
            Q = [j for j in range(qbase, min(qbase + 4, size)) if active[j]]
            ql = t - qbase
            qx = [F32(0)] * 4
            qn = [F32(0)] * 4
            for j in Q:
                qx[j - qbase], qn[j - qbase] = xs[j], neg[j]
            qd = {j - qbase: xs[j] for j in Q}
            qxa = [xs[j] for j in Q]
            f += [
                tree(qxa, add), tree([ys[j] for j in Q], mul), min(qxa), max(qxa),
                prefix(qd, ql, True, add, F32(0)), prefix(qd, ql, False, add, F32(0)),
                qx[2], xs[Q[0]], qx[(ql + 3) % 4],
                qx[ql - 1] if ql >= 1 else xs[t], qx[ql + 1] if ql + 1 < 4 else xs[t],
                qx[ql ^ 1], qx[(ql - 1) % 4], qx[(ql + 3) % 4],
                qx[ql - 1] if ql >= 1 else qn[ql + 3],
                qx[ql + 2] if ql + 2 < 4 else qn[ql - 2],
            ]  # fmt: skip
            fexp[g] = f
            ia = [int(iv[g0 + j]) for j in A]
            iq = [int(iv[g0 + j]) for j in Q]
            ballot = sum(1 << (j - sbase) for j in A if xs[j] > F32(0.3))
            amask = sum(1 << (j - sbase) for j in A)
            u = [
                ballot & 0xFFFFFFFF, ballot >> 32, amask,
                int(all(xs[j] > -100 for j in A)), int(any(xs[j] > F32(0.9) for j in A)),
                int(t == A[0]),
                tree(ia, lambda a, b: a & b), tree(ia, lambda a, b: a | b),
                tree(ia, lambda a, b: a ^ b), i32(sum(ia)), max(ia), min(ia),
                sum(1 << (j - qbase) for j in Q if xs[j] > F32(0.3)),
                sum(1 << (j - qbase) for j in Q),
                int(all(xs[j] > F32(0.1) for j in Q)), int(any(xs[j] > F32(0.8) for j in Q)),
                int(t == Q[0]),
                tree(iq, lambda a, b: a & b), tree(iq, lambda a, b: a | b),
                tree(iq, lambda a, b: a ^ b), i32(sum(iq)),
                int(ballot & 0xFFFFFFFF == 0xFFFFFFFF), i32(-sum(ia)),
            ]  # fmt: skip
            uexp[g] = [v & 0xFFFFFFFF for v in u]
    return fexp, uexp


@pytest.mark.parametrize("mode", [0, 1], ids=["all-lanes", "divergent"])
@pytest.mark.parametrize("schedule", ["forward", "reverse", "random"])
def test_collectives_match_model(run: Runner, mode: int, schedule: str) -> None:
    n, tg = 90, 45  # per group: SIMD groups of 32 and 13 lanes; last quad has 1 lane
    rng = np.random.default_rng(7)
    x = rng.random(n, dtype=np.float32)
    iv = rng.integers(-(2**30), 2**30, n).astype(np.int32)
    float_out = np.full((n, NF), np.nan, np.float32)
    uint_out = np.full((n, NU), 0xEEEEEEEE, np.uint32)
    run("k_collectives", [x, iv, np.array([mode], np.uint32), float_out, uint_out], (n, 1, 1),
        (tg, 1, 1), schedule=schedule, seed=11, workers=2)  # fmt: skip
    fexp, uexp = model(x, iv, tg, mode)
    assert any(len(v) == 1 for v in uexp.values()) == (mode == 1)
    for g in range(n):
        expected_uints = uexp[g]
        np.testing.assert_array_equal(
            uint_out[g, : len(expected_uints)],
            np.array(expected_uints, np.uint32),
            f"uint, thread {g}",
        )
        if g in fexp:
            # Bit-exact: same operations in the same order, in float32.
            np.testing.assert_array_equal(
                float_out[g], np.array(fexp[g], np.float32), f"float, thread {g}"
            )
        else:
            assert np.isnan(float_out[g]).all()


def test_collective_in_loop_groups_lanes_still_looping(run: Runner) -> None:
    n = 64
    out = np.zeros(n, np.uint32)
    run("k_collective_loop", [out], (n, 1, 1), (n, 1, 1))
    # Round r has the lanes with t % 4 + 1 > r: 32, 24, 16, 8 per SIMD group.
    left = [32, 24, 16, 8]
    exp = [sum(left[: t % 4 + 1]) for t in range(n)]
    np.testing.assert_array_equal(out, exp)


def test_collective_without_fibers_fails_cleanly(run: Runner) -> None:
    out = np.zeros(64, np.float32)
    with pytest.raises(KernelRuntimeError, match="SIMD-group or quad-group function"):
        run("k_collective_plain", [out], (64, 1, 1), (64, 1, 1), uses_sync=False)
