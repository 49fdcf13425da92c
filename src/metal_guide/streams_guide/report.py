"""The page's timeline of two threads, rendered from recorded spans (see tools/streams_figures.py).

Kept apart from the measuring, so that a test can regenerate the figure and its sentence from the
committed data and fail if they drift.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from metal_guide.timeline import Span, draw_svg, overlap_seconds

OUTPUT = Path(__file__).parent / "_output"
DATA = OUTPUT / "two_threads.json"
TEXT = OUTPUT / "two_threads.md"
FIGURE = Path(__file__).parents[3] / "docs" / "guides" / "figures" / "two-threads.svg"


def provenance_line(p: dict[str, Any]) -> str:
    return f"{p['backend']} | {p['machine']}, {p['cpus']} CPUs | MLX {p['mlx']}"


def summary(data: dict[str, Any]) -> str:
    a, b = (Span(**s) for s in data["spans"])
    both = overlap_seconds(a, b)
    shared = f"overlapped for {both * 1e3:.0f} ms" if both > 0 else "did not overlap"
    return (
        f"In the run shown, A took {a.seconds * 1e3:.0f} ms and B {b.seconds * 1e3:.0f} ms; "
        f"they {shared} (measured on: {data['provenance']['backend']}).\n"
    )


def draw_figure(data: dict[str, Any], path: Path = FIGURE) -> Path:
    spans = [Span(**s) for s in data["spans"]]
    title = "Two threads, each evaluating on its own thread-local stream"
    return draw_svg(spans, path, title=title, provenance=provenance_line(data["provenance"]))


def write_outputs(data: dict[str, Any]) -> None:
    OUTPUT.mkdir(exist_ok=True)
    DATA.write_text(json.dumps(data, indent=1) + "\n")
    TEXT.write_text(summary(data))
    draw_figure(data)


if __name__ == "__main__":
    print(summary(json.loads(DATA.read_text())), end="")
