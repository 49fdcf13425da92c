"""The production guide's own examples: timing code, the "did it run?" check, verbose source."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import mlx.core as mx
import pytest

from metal_guide.production_guide.timing import compare_rms_norm, median_ms

REPO_ROOT = Path(__file__).resolve().parents[2]
PAGE = REPO_ROOT / "docs" / "guides" / "production-guide.md"


def test_median_ms_evaluates_each_call() -> None:
    calls: list[int] = []

    def work() -> mx.array:
        calls.append(1)
        return mx.ones((4,)) * 2

    assert median_ms(work, warmup=2, iters=3) >= 0.0
    assert len(calls) == 5


@pytest.mark.metal
def test_compare_rms_norm_times_all_four_candidates() -> None:
    result = compare_rms_norm(rows=4, n=33, dtype=mx.float32)
    assert list(result) == [
        "metal_guide.kernels.rms_norm",
        "mx.fast.rms_norm (built-in)",
        "mx.compile(reference)",
        "reference (uncompiled)",
    ]
    assert all(ms > 0 for ms in result.values())


@pytest.mark.metal
def test_fraction_written_tells_a_short_grid_from_a_full_one() -> None:
    from metal_guide.production_guide import did_it_run

    x = mx.arange(1024, dtype=mx.float32)
    call = dict(inputs=[x], output_shapes=[x.shape], output_dtypes=[x.dtype])
    short = did_it_run.fraction_written(
        did_it_run.copy, grid=(4, 1, 1), threadgroup=(256, 1, 1), **call
    )
    full = did_it_run.fraction_written(
        did_it_run.copy, grid=(1024, 1, 1), threadgroup=(256, 1, 1), **call
    )
    assert short == 4 / 1024
    assert full == 1.0


@pytest.mark.metal
def test_verbose_prints_the_generated_source() -> None:
    # verbose output goes to the C-level stdout on a Mac: capture it from a subprocess.
    code = "import metalsim; metalsim.install(); import metal_guide.production_guide.verbose_source"
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT / "src")}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    ).stdout
    assert "Generated source code for `mg_reduce_sum_rows`" in out
    assert "custom_kernel_mg_reduce_sum_rows__float16_t_float16_t" in out
    assert "inline float block_sum(" in out


def test_page_has_no_planned_status_and_includes_the_barrier_rule() -> None:
    text = PAGE.read_text()
    assert "Status: planned" not in text
    assert '--8<-- "barrier-rule.md"' in text
    # CO-3: synchronize without an argument waits for the default stream of the default device
    assert "default stream of the default device" in text
