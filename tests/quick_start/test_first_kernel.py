"""The first kernel: exact grid, one thread per element, built once; the timing helper."""

from __future__ import annotations

from collections.abc import Callable

import mlx.core as mx
import pytest

from metal_guide.kernels.testing import AWKWARD_LENGTHS, FLOAT_DTYPES, assert_matches_reference
from metal_guide.quick_start import first_kernel


def _reference(gate: mx.array, up: mx.array) -> mx.array:
    g, u = gate.astype(mx.float32), up.astype(mx.float32)
    return (g * mx.sigmoid(g) * u).astype(gate.dtype)


@pytest.mark.metal
@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=str)
@pytest.mark.parametrize("shape", [(n,) for n in AWKWARD_LENGTHS] + [(3, 257)], ids=str)
def test_matches_reference(dtype: mx.Dtype, shape: tuple[int, ...]) -> None:
    gate = (4 * mx.random.normal(shape, key=mx.random.key(shape[-1]))).astype(dtype)
    up = mx.random.normal(shape, key=mx.random.key(7)).astype(dtype)
    # exp is within a few ulp in float32 (MSL spec, Table 8.1); |gate| up to ~20 costs ~40 ulp.
    rtol = 1e-5 if dtype == mx.float32 else None
    assert_matches_reference(
        first_kernel.swiglu_first(gate, up), _reference(gate, up), rtol=rtol, what=str(shape)
    )


def test_kernel_is_built_once_and_never_per_call(
    count_kernel_builds: list[str], trace: Callable[..., None]
) -> None:
    x = mx.zeros((64,))
    for dtype in (mx.float32, mx.float16):
        for _ in range(2):
            trace(first_kernel.swiglu_first, x.astype(dtype), x.astype(dtype))
    assert count_kernel_builds == ["quick_start_swiglu"]
    assert first_kernel.swiglu_kernel() is first_kernel.swiglu_kernel()


def test_measure_evaluates_every_call_and_skips_the_warmup() -> None:
    calls: list[int] = []

    def fn() -> mx.array:
        calls.append(1)
        return mx.ones((4,))

    ms = first_kernel.measure(fn, warmup=2, runs=5)
    assert len(calls) == 7 and ms >= 0.0


def test_measure_reports_the_median_in_milliseconds(monkeypatch: pytest.MonkeyPatch) -> None:
    ticks = iter([0.0, 0.001, 1.0, 1.003, 2.0, 2.100])  # 1 ms, 3 ms, 100 ms
    monkeypatch.setattr(first_kernel.time, "perf_counter", lambda: next(ticks))
    assert first_kernel.measure(lambda: mx.ones((1,)), warmup=0, runs=3) == pytest.approx(3.0)
