"""Draw spans as a timeline: one row per (thread, stream), one bar per span.

The SVG is deterministic (fixed hash salt, no date; text stays text, so it is searchable), so
that a test can regenerate it and compare bytes. It has an opaque light background and dark
text, so it reads the same in the site's light and dark themes.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from metal_guide.timeline.recorder import Span

# Okabe-Ito colours: distinguishable with the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442")


def _rows(spans: Sequence[Span]) -> list[tuple[str, str]]:
    return sorted({(s.thread, s.stream) for s in spans})


def draw_svg(
    spans: Sequence[Span], path: str | Path, *, title: str, provenance: str, width: float = 8.0
) -> Path:
    """Write `spans` as an SVG timeline to `path` and return the path.

    Args:
        spans: the spans to draw (at least one).
        path: where to write the SVG.
        title: the figure's title.
        provenance: where the spans were measured; printed under the axis.
        width: figure width in inches.
    """
    if not spans:
        raise ValueError("spans is empty: there is nothing to draw")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = _rows(spans)
    labels = sorted({s.label.split(" ")[0] for s in spans})
    colour = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(labels)}
    unit, scale = ("ms", 1e3) if max(s.end for s in spans) < 2 else ("s", 1.0)
    with matplotlib.rc_context(
        {"svg.hashsalt": "metal-guide-timeline", "svg.fonttype": "none", "font.size": 9}
    ):
        fig, ax = plt.subplots(figsize=(width, 0.9 + 0.45 * len(rows)))
        fig.patch.set_facecolor("white")
        for span in spans:
            y = rows.index((span.thread, span.stream))
            left, length = span.start * scale, span.seconds * scale
            ax.broken_barh(
                [(left, length)], (y - 0.35, 0.7), facecolors=colour[span.label.split(" ")[0]]
            )
            ax.text(left + length / 2, y, span.label, ha="center", va="center", color="white",
                    fontsize=7, clip_on=True)  # fmt: skip
        ax.set_yticks(range(len(rows)), [f"{t} / {s}" for t, s in rows])
        ax.invert_yaxis()
        ax.set_xlabel(f"time ({unit})")
        ax.set_title(title)
        ax.grid(axis="x", color="#cccccc", linewidth=0.5)
        ax.set_axisbelow(True)
        fig.text(0.01, 0.01, f"Measured on: {provenance}", fontsize=7, color="#333333")
        fig.tight_layout(rect=(0, 0.05, 1, 1))
        out = Path(path)
        fig.savefig(out, format="svg", metadata={"Date": None}, facecolor="white")
        plt.close(fig)
    return out
