"""diagnostics.py with a fake runtime whose behaviour we control."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import mlx.core as mx
import numpy as np
import pytest

import metalsim
from metalsim import diagnostics
from metalsim import kernel as K
from metalsim.run_settings import Settings

from .fake_backend import swap_backend


class Fake:
    """'partial' writes the first half of out; 'racy' writes a schedule-dependent value;
    'fails' fails under the reverse schedule; 'poisonlike' writes all-0xFF bytes everywhere."""

    def __init__(self) -> None:
        self.calls = 0

    def compile(self, gen: Any, math_mode: str, sanitize: bool) -> Any:
        return gen

    def launch(self, gen: Any, args: list[Any], grid: Any, tg: Any, st: Settings) -> None:
        self.calls += 1
        out = np.frombuffer(args[-1], dtype=np.float32)
        name = gen.kernel_name
        if "partial" in name:
            out[: len(out) // 2] = 1.0
        elif "racy" in name:
            out[:] = 1.0
            if st.schedule == "reverse":
                out[3] = 2.0
            if st.schedule == "random" and st.seed == 1:
                out[5:7] = out[5:7] + 1e-7
        elif "fails" in name:
            if st.schedule == "reverse":
                raise metalsim.KernelRuntimeError("divergent barrier")
            out[:] = 0
        elif "poisonlike" in name:
            out.view(np.uint32)[:] = 0xFFFFFFFF


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[Fake]:
    yield from swap_backend(monkeypatch, Fake())


def _kw(n: int = 10, **extra: Any) -> dict[str, Any]:
    return dict(inputs=[mx.ones(n)], output_shapes=[(n,)], output_dtypes=[mx.float32],
                grid=(n, 1, 1), threadgroup=(n, 1, 1), **extra)  # fmt: skip


def test_unwritten_outputs_reports_missing_elements(fake: Fake) -> None:
    k = metalsim.metal_kernel("partial", ["a"], ["out"], "// body")
    report = diagnostics.unwritten_outputs(k, **_kw(init_value=0))
    assert report
    (o,) = report.outputs
    assert (o.name, o.count, o.first[0]) == ("out", 5, (5,))
    assert "5 of 10 elements never written" in str(report)


def test_writing_the_poison_pattern_is_not_unwritten(fake: Fake) -> None:
    k = metalsim.metal_kernel("poisonlike", ["a"], ["out"], "// body")
    report = diagnostics.unwritten_outputs(k, **_kw())
    assert not report, str(report)


def test_compare_schedules_finds_differences(fake: Fake) -> None:
    k = metalsim.metal_kernel("racy", ["a"], ["out"], "// body")
    report = diagnostics.compare_schedules(k, **_kw())
    assert report
    by_schedule = {d.schedule: d for d in report.differences}
    assert set(by_schedule) == {"reverse", "random:1"}
    assert by_schedule["reverse"].count == 1 and by_schedule["reverse"].first == [(3,)]
    assert by_schedule["random:1"].count == 2
    # With a tolerance, the tiny random:1 difference is accepted, the reverse one is not.
    tolerant = diagnostics.compare_schedules(k, rtol=1e-5, **_kw())
    assert [d.schedule for d in tolerant.differences] == ["reverse"]


def test_compare_schedules_reports_failures(fake: Fake) -> None:
    k = metalsim.metal_kernel("fails", ["a"], ["out"], "// body")
    report = diagnostics.compare_schedules(k, **_kw())
    assert report and "reverse" in report.errors and "divergent barrier" in report.errors["reverse"]
    clean = metalsim.metal_kernel("partial", ["a"], ["out"], "// body")
    assert not diagnostics.compare_schedules(clean, **_kw())


def test_replay_round_trip(fake: Fake, tmp_path: Path) -> None:
    k = metalsim.metal_kernel("partial", ["a", "b", "c"], ["out"], "// body", header="// h\n",
                              ensure_row_contiguous=False,
                              compile_options={"math_mode": "fast"})  # fmt: skip
    x = mx.arange(10).astype(mx.bfloat16)
    kw = dict(inputs=[x, mx.array(3), 2.5], output_shapes=[(10,)], output_dtypes=[mx.float32],
              grid=(10, 1, 1), threadgroup=(10, 1, 1),
              template=[("T", mx.float16), ("N", -3), ("B", True)], init_value=4)  # fmt: skip
    diagnostics.write_replay(k, tmp_path, **kw)
    seen: list[Any] = []
    K.source_observers.append(lambda kk, gen: seen.append((kk, gen)))
    try:
        (out,) = diagnostics.replay(tmp_path)
    finally:
        K.source_observers.clear()
    kk, gen = seen[-1]
    assert gen.source == k.prepare(**kw).generated.source
    assert (kk.math_mode, kk.ensure_row_contiguous, kk.header) == ("fast", False, "// h\n")
    assert mx.array_equal(out, mx.array([1.0] * 5 + [4.0] * 5))
    with np.load(tmp_path / "outputs.npz") as z:
        assert np.array_equal(z["out0"], np.asarray(out))


@pytest.mark.parametrize("dtype", [mx.float32, mx.bfloat16], ids=str)
def test_replay_keeps_strided_views(fake: Fake, tmp_path: Path, dtype: mx.Dtype) -> None:
    base = mx.arange(30).astype(dtype).reshape(5, 6)
    views = [base.T, base[::-1, ::2], mx.broadcast_to(base[2], (3, 6)), mx.array(7, dtype)]
    k = metalsim.metal_kernel("noop", ["a", "b", "c", "d"], ["out"], "// a_strides b_strides",
                              ensure_row_contiguous=False)  # fmt: skip
    kw = dict(inputs=views, output_shapes=[(1,)], output_dtypes=[mx.float32], grid=(1, 1, 1),
              threadgroup=(1, 1, 1))  # fmt: skip
    diagnostics.write_replay(k, tmp_path, **kw)
    with np.load(tmp_path / "inputs.npz") as arrays:
        spec = json.loads((tmp_path / "call.json").read_text())
        rebuilt = [diagnostics._decode_value(e, arrays) for e in spec["inputs"]]
    for v, r in zip(views, rebuilt, strict=True):
        assert r.shape == v.shape and r.dtype == v.dtype
        assert mx.array_equal(r, v)
        assert memoryview(r).strides == memoryview(v).strides


def test_unwritten_outputs_handles_0d_and_empty_outputs(fake: Fake) -> None:
    k = metalsim.metal_kernel("noop", ["a"], ["s", "e"], "// nothing")
    report = diagnostics.unwritten_outputs(
        k, inputs=[mx.ones(2)], output_shapes=[(), (0, 3)],
        output_dtypes=[mx.float32, mx.int32], grid=(1, 1, 1), threadgroup=(1, 1, 1),
    )  # fmt: skip
    assert [(o.name, o.count, o.first) for o in report.outputs] == [("s", 1, [()])]
