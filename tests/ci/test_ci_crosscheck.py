"""The cross-check's record/compare code, run with two metalsim passes and synthetic arrays."""

from __future__ import annotations

import mlx.core as mx
import numpy as np
import pytest

import metalsim
from metal_guide.ci import crosscheck

SOURCE = """
    uint i = thread_position_in_grid.x;
    y[i] = x[i] * scale[0];
"""


def _run(scale: float) -> None:
    kernel = mx.fast.metal_kernel(
        name="scale_cc", input_names=["x", "scale"], output_names=["y"], source=SOURCE
    )
    x = mx.arange(8, dtype=mx.float32) + 1
    for _ in range(2):
        kernel(
            inputs=[x, mx.array([scale])],
            grid=(8, 1, 1),
            threadgroup=(8, 1, 1),
            output_shapes=[(8,)],
            output_dtypes=[mx.float32],
        )


@pytest.mark.metal
def test_two_metalsim_passes_are_bit_identical() -> None:
    rec = crosscheck.Recorder()
    for name in ("first", "second"):
        with metalsim.installed(force=True), rec.recording("t::a", name):
            _run(2.0)
    rows = crosscheck.compare(rec, "first", "second")
    assert [(r["kernel"], r["call"], r["status"]) for r in rows] == [
        ("scale_cc", 0, "compared"),
        ("scale_cc", 1, "compared"),
    ]
    assert all(r["bit_identical"] and r["max_abs_err"] == 0 for r in rows)
    assert crosscheck.summarize(rows)["scale_cc"]["bit_identical"] is True


@pytest.mark.metal
def test_a_different_result_is_measured_not_hidden() -> None:
    rec = crosscheck.Recorder()
    with metalsim.installed(force=True), rec.recording("t::a", "first"):
        _run(2.0)
    with metalsim.installed(force=True), rec.recording("t::a", "second"):
        _run(2.5)  # planted difference: y differs by 0.5 * x, x up to 8
    summary = crosscheck.summarize(crosscheck.compare(rec, "first", "second"))["scale_cc"]
    assert summary["bit_identical"] is False
    assert summary["max_abs_err"] == pytest.approx(4.0)
    assert summary["max_rel_err"] == pytest.approx(0.25)


@pytest.mark.metal
def test_kernel_cached_across_passes_is_not_compared() -> None:
    rec = crosscheck.Recorder()
    with metalsim.installed(force=True):
        with rec.recording("t::a", "metalsim"):
            _run(2.0)
        with rec.recording("t::a", "metal"):
            kernel = mx.fast.metal_kernel(
                name="scale_cc", input_names=["x", "scale"], output_names=["y"], source=SOURCE
            )
    # The "metal" pass's kernel was built by metalsim: comparing it would prove nothing.
    with rec.recording("t::a", "metal"):
        for _ in range(2):
            kernel(
                inputs=[mx.ones((8,)), mx.array([2.0])],
                grid=(8, 1, 1),
                threadgroup=(8, 1, 1),
                output_shapes=[(8,)],
                output_dtypes=[mx.float32],
            )
    rows = crosscheck.compare(rec)
    assert {r["status"] for r in rows} == {"not compared"}
    assert "cached across passes" in rows[0]["detail"]
    assert crosscheck.summarize(rows)["scale_cc"]["bit_identical"] is None


def test_recording_restores_the_kernel_factory() -> None:
    before = mx.fast.metal_kernel
    with crosscheck.Recorder().recording("t", "p"):
        assert mx.fast.metal_kernel is not before
    assert mx.fast.metal_kernel is before


@pytest.mark.parametrize(
    ("a", "b", "abs_err", "rel_err", "identical"),
    [
        ([1.0, 2.0], [1.0, 2.0], 0.0, 0.0, True),
        ([1.0, -4.0], [1.0, -3.0], 1.0, 0.25, False),
        ([np.inf, 1.0], [np.inf, 1.0], 0.0, 0.0, True),
        ([0.0, 1.0], [-0.0, 1.0], 0.0, 0.0, False),  # equal values, different bits
    ],
)
def test_compare_arrays(a, b, abs_err, rel_err, identical) -> None:
    got = crosscheck.compare_arrays(np.array(a, np.float32), np.array(b, np.float32))
    assert got["status"] == "compared"
    assert got["max_abs_err"] == pytest.approx(abs_err)
    assert got["max_rel_err"] == pytest.approx(rel_err)
    assert got["bit_identical"] is identical


def test_compare_flags_nan_and_shape_mismatches() -> None:
    nan = crosscheck.compare_arrays(np.array([np.nan, 1.0]), np.array([0.0, 1.0]))
    assert nan["nan_mismatch"] and not nan["bit_identical"]
    shape = crosscheck.compare_arrays(np.zeros(3, np.float32), np.zeros(4, np.float32))
    assert shape["status"] == "mismatch"


def test_bfloat16_outputs_are_compared_exactly() -> None:
    a = mx.array([1.0, 2.0], dtype=mx.bfloat16)
    b = mx.array([1.0, 2.015625], dtype=mx.bfloat16)  # one bfloat ulp at 2 (2**-6)
    got = crosscheck.compare_arrays(a, b)
    assert got["max_abs_err"] == pytest.approx(0.015625) and not got["bit_identical"]
