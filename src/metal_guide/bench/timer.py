"""Timing MLX work correctly: evaluate inside the timed region, warm up, repeat.

MLX is lazy: a call only builds a graph, and the work happens in ``mx.eval``. The first call
of a kernel variant also compiles its Metal library (once per dtype, template value and input
kind), so it is timed separately as the *cold* call and never mixed into the warm samples.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import mlx.core as mx


@dataclass(frozen=True)
class Timing:
    cold_s: float  # the first call, compile included
    samples_s: tuple[float, ...]  # warm calls, one mx.eval each

    @property
    def median_s(self) -> float:
        return statistics.median(self.samples_s)

    def quantile_s(self, q: float) -> float:
        """The q-quantile of the warm samples (linear interpolation between order stats)."""
        s = sorted(self.samples_s)
        if len(s) == 1:
            return s[0]
        pos = q * (len(s) - 1)
        lo = int(pos)
        hi = min(lo + 1, len(s) - 1)
        return s[lo] + (s[hi] - s[lo]) * (pos - lo)

    @property
    def p10_s(self) -> float:
        return self.quantile_s(0.10)

    @property
    def p90_s(self) -> float:
        return self.quantile_s(0.90)


def time_call(
    fn: Callable[..., object],
    *args: object,
    warmup: int = 3,
    repeats: int = 30,
    clock: Callable[[], float] = time.perf_counter,
) -> Timing:
    """Time ``fn(*args)``: one cold call, ``warmup`` untimed calls, ``repeats`` timed ones.

    Every call is evaluated with ``mx.eval`` inside the timed region, and the inputs are
    evaluated before the clock starts, so neither pending input work nor laziness is timed.
    """
    if repeats < 1:
        raise ValueError(f"time_call: repeats must be at least 1, got {repeats}")
    if warmup < 0:
        raise ValueError(f"time_call: warmup must be 0 or more, got {warmup}")
    mx.eval(*[a for a in args if isinstance(a, mx.array)])
    t0 = clock()
    mx.eval(fn(*args))
    cold = clock() - t0
    for _ in range(warmup):
        mx.eval(fn(*args))
    samples = []
    for _ in range(repeats):
        t0 = clock()
        mx.eval(fn(*args))
        samples.append(clock() - t0)
    return Timing(cold, tuple(samples))
