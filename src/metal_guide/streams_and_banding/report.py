"""Turn the banding measurements (a JSON file) into the page's table and timeline figure.

Rendering is separate from measuring so that a test can regenerate both outputs from the
committed data and fail if they drift.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from metal_guide.timeline import Span, draw_svg

OUTPUT = Path(__file__).parent / "_output"
DATA = OUTPUT / "banding.json"
TABLE = OUTPUT / "banding.md"
TIMELINE_TEXT = OUTPUT / "timeline.md"
FIGURE = Path(__file__).parents[3] / "docs" / "guides" / "figures" / "banding-timeline.svg"


def table_markdown(data: dict[str, Any]) -> str:
    p = data["provenance"]
    lines = [
        f"Measured by `tools/streams_figures.py` on: {p['backend']}; {p['machine']}, "
        f"{p['cpus']} CPUs; MLX {p['mlx']}. Medians of {data['repeats']} runs after a warm-up; "
        "each run times the two versions back to back, and the ratio is the median of the "
        "per-run ratios.",
        "",
        "| a (M × K) | b (K × N) | bands = streams | unbanded (ms) | banded (ms) "
        "| banded / unbanded |",
        "|---|---|---|---|---|---|",
    ]
    for r in data["rows"]:
        ratio = r["ratio"]
        lines.append(
            f"| {r['m']} × {r['k']} | {r['k']} × {r['n']} | {r['bands']} | "
            f"{r['unbanded'] * 1e3:.2f} | {r['banded'] * 1e3:.2f} | {ratio:.2f} |"
        )
    lines += ["", summary(data)]
    return "\n".join(lines) + "\n"


def ratios(data: dict[str, Any], bands: int) -> list[float]:
    """banded / unbanded time for every measured shape with `bands` bands."""
    return [r["ratio"] for r in data["rows"] if r["bands"] == bands]


def summary(data: dict[str, Any]) -> str:
    parts = []
    for bands in sorted({r["bands"] for r in data["rows"]}):
        low, high = min(ratios(data, bands)), max(ratios(data, bands))
        parts.append(f"{bands} bands took {low:.2f}× to {high:.2f}× the unbanded time")
    noise = noise_percent(data)
    beyond = [
        f"{r['bands']} bands of {r['m']} × {r['k']} ({r['ratio']:.2f}×, "
        f"{'faster' if r['ratio'] < 1 else 'slower'})"
        for r in data["rows"]
        if abs(100 * (r["ratio"] - 1)) > noise
    ]
    return (
        "Range over the shapes: " + "; ".join(parts) + ". The same unbanded product, timed once "
        f"per row, varied by up to {noise:.0f} % between rows: differences smaller than that are "
        "noise. Differences larger than the noise: "
        + ("; ".join(beyond) if beyond else "none")
        + "."
    )


def noise_percent(data: dict[str, Any]) -> float:
    """Largest spread of the unbanded time of one shape across rows, in percent of the smaller."""
    by_shape: dict[tuple[int, int, int], list[float]] = {}
    for r in data["rows"]:
        by_shape.setdefault((r["m"], r["k"], r["n"]), []).append(r["unbanded"])
    return max(100 * (max(t) / min(t) - 1) for t in by_shape.values())


def timeline_summary(data: dict[str, Any]) -> str:
    """What the figure shows, in numbers taken from the same spans."""
    spans = [Span(**s) for s in data["timeline"]["spans"]]
    bands = [s for s in spans if s.label.startswith("band ")]
    (whole,) = [s for s in spans if s.label == "unbanded"]
    together = min(s.end for s in bands) - max(s.start for s in bands)
    first_start, last_end = min(s.start for s in bands), max(s.end for s in bands)
    overlap = (
        f"all {len(bands)} bands were in flight together for {together:.2f} s"
        if together > 0
        else f"the {len(bands)} bands were never all in flight together"
    )
    return (
        f"In this run {overlap}. The bands took {last_end - first_start:.2f} s from the first "
        f"start to the last end; the unbanded product alone took {whole.seconds:.2f} s. One run "
        "on a shared machine: the table above says how far to trust it.\n"
    )


def draw_figure(data: dict[str, Any], path: Path = FIGURE) -> Path:
    t = data["timeline"]
    spans = [Span(**s) for s in t["spans"]]
    p = data["provenance"]
    provenance = f"{p['backend']} | {p['machine']}, {p['cpus']} CPUs | MLX {p['mlx']}"
    title = f"{t['bands']} bands of a {t['m']}×{t['k']} @ {t['k']}×{t['n']} product, then unbanded"
    return draw_svg(spans, path, title=title, provenance=provenance)


def write_outputs(data: dict[str, Any]) -> None:
    OUTPUT.mkdir(exist_ok=True)
    FIGURE.parent.mkdir(parents=True, exist_ok=True)
    DATA.write_text(json.dumps(data, indent=1) + "\n")
    TABLE.write_text(table_markdown(data))
    TIMELINE_TEXT.write_text(timeline_summary(data))
    draw_figure(data)


if __name__ == "__main__":
    print(table_markdown(json.loads(DATA.read_text())))
