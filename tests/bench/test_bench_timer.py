"""The timer: evaluation inside the timed region, cold vs warm, quantiles."""

from __future__ import annotations

import mlx.core as mx
import pytest

from metal_guide.bench.timer import Timing, time_call


def test_cold_call_warmup_and_repeats_with_a_fake_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    ticks = iter(float(t) for t in range(1000))
    evaluated: list[int] = []
    real_eval = mx.eval

    def counting_eval(*args: object) -> None:
        evaluated.append(len(args))
        real_eval(*args)

    monkeypatch.setattr(mx, "eval", counting_eval)
    calls = []

    def fn(x: mx.array) -> mx.array:
        calls.append(1)
        return x + 1

    t = time_call(fn, mx.zeros((4,)), warmup=2, repeats=5, clock=lambda: next(ticks))
    # 1 cold + 2 warm-up + 5 timed calls, each evaluated; plus one eval of the inputs
    assert len(calls) == 8
    assert len(evaluated) == 9
    assert t.cold_s == 1.0 and t.samples_s == (1.0,) * 5


def test_quantiles() -> None:
    t = Timing(9.0, tuple(float(v) for v in range(1, 12)))  # 1..11
    assert (t.median_s, t.p10_s, t.p90_s) == (6.0, 2.0, 10.0)
    assert Timing(1.0, (3.0,)).p90_s == 3.0


@pytest.mark.parametrize(("warmup", "repeats"), [(-1, 3), (0, 0)])
def test_rejects_bad_counts(warmup: int, repeats: int) -> None:
    with pytest.raises(ValueError, match="time_call: (warmup|repeats)"):
        time_call(lambda: mx.zeros(1), warmup=warmup, repeats=repeats)
