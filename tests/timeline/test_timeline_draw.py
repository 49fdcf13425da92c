"""The SVG drawing: deterministic, labelled with where it ran, and honest about empty input."""

from __future__ import annotations

from pathlib import Path

import mlx.core as mx
import pytest

from metal_guide.timeline import Span, draw_svg, gpu_or_cpu, where_it_ran

SPANS = [
    Span("band 0", "cpu:1", "thread 0", 0.0, 0.4),
    Span("band 1", "cpu:2", "thread 1", 0.1, 0.5),
    Span("unbanded", "cpu:0", "MainThread", 0.6, 1.0),
]


def test_same_spans_give_the_same_bytes(tmp_path: Path) -> None:
    first = draw_svg(SPANS, tmp_path / "a.svg", title="t", provenance="here")
    second = draw_svg(SPANS, tmp_path / "b.svg", title="t", provenance="here")
    assert first.read_bytes() == second.read_bytes()


def test_the_figure_names_rows_labels_and_provenance(tmp_path: Path) -> None:
    svg = draw_svg(SPANS, tmp_path / "a.svg", title="My title", provenance="Linux CPU").read_text()
    for text in ("My title", "Measured on: Linux CPU", "thread 0 / cpu:1", "band 1", "time (ms)"):
        assert text in svg


def test_empty_input_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="spans is empty"):
        draw_svg([], tmp_path / "a.svg", title="t", provenance="p")


def test_provenance_never_calls_cpu_streams_a_gpu() -> None:
    cpu = where_it_ran(mx.cpu)
    assert cpu.backend == "CPU back-end, CPU streams (no GPU used)"
    assert where_it_ran(mx.DeviceType.gpu).backend == "GPU streams (Metal)"
    assert cpu.mlx == mx.__version__
    # The figure script picks the GPU only where this MLX has one.
    expected = mx.DeviceType.gpu if mx.is_available(mx.gpu) else mx.DeviceType.cpu
    assert gpu_or_cpu() == expected
