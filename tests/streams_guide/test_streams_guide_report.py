"""The two-threads figure and sentence regenerate from their committed data."""

from __future__ import annotations

import json
from pathlib import Path

from metal_guide.streams_guide import report


def test_figure_and_text_regenerate_from_the_data(tmp_path: Path) -> None:
    data = json.loads(report.DATA.read_text())
    assert report.TEXT.read_text() == report.summary(data)
    assert report.draw_figure(data, tmp_path / "f.svg").read_text() == report.FIGURE.read_text()


def test_the_outputs_say_where_they_ran() -> None:
    data = json.loads(report.DATA.read_text())
    backend = data["provenance"]["backend"]
    assert backend in ("CPU back-end, CPU streams (no GPU used)", "GPU streams (Metal)")
    assert backend in report.TEXT.read_text() and backend in report.FIGURE.read_text()
    assert sorted(s["thread"] for s in data["spans"]) == ["A", "B"]


def test_the_page_shows_them() -> None:
    page = (report.FIGURE.parents[1] / "streams-guide.md").read_text()
    assert "figures/two-threads.svg" in page
    assert '--8<-- "metal_guide/streams_guide/_output/two_threads.md"' in page
