"""Banding: equal to the unbanded product; measured outputs regenerate from their data."""

from __future__ import annotations

import json
from pathlib import Path

import mlx.core as mx
import pytest

from metal_guide.streams_and_banding import banding, measure, report

# More bands than rows is rejected (tested below), so m = 1 takes one band only.
SIZES = [(m, s) for m in (1, 31, 33, 1000, 4097) for s in (1, 2, 3, 4, 7) if s <= m]


@pytest.mark.parametrize(("m", "bands"), SIZES)
def test_banded_equals_unbanded(m: int, bands: int) -> None:
    a = mx.random.normal((m, 40), key=mx.random.key(m))
    b = mx.random.normal((40, 33), key=mx.random.key(bands))
    streams = [mx.new_stream(mx.gpu) for _ in range(bands)]
    banded = banding.banded_matmul(a, b, streams)
    assert banded.shape == (m, 33)
    assert mx.allclose(banded, a @ b, rtol=1e-5, atol=1e-5).item()


def test_page_example() -> None:
    assert banding.check_against_unbanded()


def test_bad_arguments_are_named() -> None:
    a, b = mx.zeros((4, 3)), mx.zeros((3, 2))
    one = [mx.new_stream(mx.cpu)]
    with pytest.raises(ValueError, match=r"a.shape\[1\] == b.shape\[0\]"):
        banding.banded_matmul(a, mx.zeros((4, 2)), one)
    with pytest.raises(ValueError, match="must be matrices"):
        banding.banded_matmul(mx.zeros((4,)), b, one)
    with pytest.raises(ValueError, match="need 1 to 4 streams, got 0"):
        banding.banded_matmul(a, b, [])
    with pytest.raises(ValueError, match="need 1 to 4 streams, got 5"):
        banding.banded_matmul(a, b, one * 5)


def test_measurement_functions_run_small() -> None:
    times = measure.time_banded(64, 8, 8, 2, mx.cpu, repeats=1)
    assert set(times) == {"unbanded", "banded", "ratio"} and min(times.values()) > 0
    spans = measure.band_timeline(64, 8, 8, 2, mx.cpu).spans
    assert sorted(s.label for s in spans) == ["band 0", "band 1", "unbanded"]
    assert len({s.stream for s in spans}) == 3  # each band had a stream of its own


def test_committed_table_and_figure_regenerate_from_the_data(tmp_path: Path) -> None:
    data = json.loads(report.DATA.read_text())
    assert report.TABLE.read_text() == report.table_markdown(data)
    assert report.draw_figure(data, tmp_path / "f.svg").read_text() == report.FIGURE.read_text()


def test_outputs_say_where_they_ran() -> None:
    data = json.loads(report.DATA.read_text())
    backend = data["provenance"]["backend"]
    assert backend in ("CPU back-end, CPU streams (no GPU used)", "GPU streams (Metal)")
    assert backend in report.TABLE.read_text()
    assert backend in report.FIGURE.read_text()


# What the page says about the measurements must hold in the data it includes.


def test_the_summary_names_exactly_the_differences_beyond_the_noise() -> None:
    data = json.loads(report.DATA.read_text())
    noise = report.noise_percent(data)
    text = report.summary(data)
    for r in data["rows"]:
        named = f"{r['bands']} bands of {r['m']} × {r['k']} ({r['ratio']:.2f}×" in text
        assert named == (abs(100 * (r["ratio"] - 1)) > noise)


def test_timeline_text_is_generated_from_the_spans() -> None:
    data = json.loads(report.DATA.read_text())
    assert report.TIMELINE_TEXT.read_text() == report.timeline_summary(data)
    page = (report.FIGURE.parents[1] / "streams-and-banding.md").read_text()
    assert '--8<-- "metal_guide/streams_and_banding/_output/timeline.md"' in page
    assert "figures/banding-timeline.svg" in page
