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
FIGURE = Path(__file__).parents[3] / "docs" / "guides" / "figures" / "banding-timeline.svg"


def table_markdown(data: dict[str, Any]) -> str:
    p = data["provenance"]
    lines = [
        f"Measured by `tools/streams_figures.py` on: {p['backend']}; {p['machine']}, "
        f"{p['cpus']} CPUs; MLX {p['mlx']}. Median of {data['repeats']} runs after a warm-up.",
        "",
        "| a (M × K) | b (K × N) | bands = streams | unbanded (ms) | banded (ms) | banded / unbanded |",
        "|---|---|---|---|---|---|",
    ]
    for r in data["rows"]:
        ratio = r["banded"] / r["unbanded"]
        lines.append(
            f"| {r['m']} × {r['k']} | {r['k']} × {r['n']} | {r['bands']} | "
            f"{r['unbanded'] * 1e3:.2f} | {r['banded'] * 1e3:.2f} | {ratio:.2f} |"
        )
    return "\n".join(lines) + "\n"


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
    draw_figure(data)


if __name__ == "__main__":
    print(table_markdown(json.loads(DATA.read_text())))
