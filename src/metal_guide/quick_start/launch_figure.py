"""Quick start figure: a 1000-thread grid split into threadgroups and SIMD groups.

``python -m metal_guide.quick_start.launch_figure --write`` regenerates
``docs/guides/figures/launch-geometry.svg``; a test fails when the committed file drifts from
this script's output. The numbers in the drawing are computed from the launch, not typed: the
threadgroup split follows MLX's clamping and Metal's exact tail (non-uniform threadgroups).
The SVG draws its own light background, so it reads the same in the light and dark themes.
"""

from __future__ import annotations

from pathlib import Path

from metal_guide.site.svg import (
    EDGE,
    INK,
    MUTED,
    PAPER,
    document,
    figure_main,
    line,
    rect,
    text,
)

REPO = Path(__file__).resolve().parents[3]
FIGURE = REPO / "docs" / "guides" / "figures" / "launch-geometry.svg"

GRID, THREADGROUP, SIMD_WIDTH = 1000, 256, 32
WIDTH, LEFT, BAR = 760, 40, 680
GROUP_FILL, SIMD_FILL = "#c5cae9", "#ffe0b2"


def split(total: int, size: int) -> list[int]:
    """Sizes of the groups `total` threads form in groups of `size` (the last may be short)."""
    return [min(size, total - start) for start in range(0, total, size)]


def _rect(
    x: float, y: float, w: float, h: float, fill: str, dashed: bool = False
) -> str:
    """Threads that run are outlined; slots that never launch are dashed."""
    return rect(x, y, w, h, fill, stroke=MUTED if dashed else EDGE, dashed=dashed)


def render() -> str:
    groups = split(GRID, THREADGROUP)
    slots = len(groups) * THREADGROUP  # what a rounded-up launch would have run
    px = BAR / slots
    parts: list[str] = []

    parts.append(text(LEFT, 28, f"grid=({GRID}, 1, 1), threadgroup=({THREADGROUP}, 1, 1)",
                       15, weight="bold"))  # fmt: skip
    parts.append(
        text(LEFT, 48, f"grid counts threads: exactly {GRID} run", 13, color=MUTED)
    )
    parts.append(_rect(LEFT, 58, GRID * px, 22, GROUP_FILL))
    parts.append(text(LEFT + GRID * px / 2, 74, f"{GRID} threads", 13, "middle"))
    parts.append(
        _rect(LEFT + GRID * px, 58, (slots - GRID) * px, 22, PAPER, dashed=True)
    )

    y = 118
    label = (
        f"{len(groups)} threadgroups of up to {THREADGROUP}: the last one is partial"
    )
    parts.append(text(LEFT, y - 10, label, 13, color=MUTED))
    x = LEFT
    for index, size in enumerate(groups):
        parts.append(_rect(x, y, size * px, 34, GROUP_FILL))
        parts.append(
            text(x + size * px / 2, y + 15, f"threadgroup {index}", 12, "middle")
        )
        first = index * THREADGROUP
        parts.append(text(x + size * px / 2, y + 29, f"threads {first}-{first + size - 1}",
                           11, "middle", MUTED))  # fmt: skip
        x += size * px
    parts.append(_rect(x, y, (slots - GRID) * px, 34, PAPER, dashed=True))
    parts.append(text(LEFT + BAR, y + 50, f"{slots - GRID} never launched", 11, "end",
                       MUTED))  # fmt: skip

    last = groups[-1]
    last_x = LEFT + (len(groups) - 1) * THREADGROUP * px
    zoom_y = 214
    parts.append(line(last_x, y + 34, LEFT, zoom_y, dashed=True))
    parts.append(line(last_x + last * px, y + 34, LEFT + BAR, zoom_y + 4, dashed=True))
    simds = split(last, SIMD_WIDTH)
    parts.append(text(LEFT, zoom_y + 58, f"threadgroup {len(groups) - 1}: {last} threads = "
                       f"{len(simds) - 1} SIMD groups of {SIMD_WIDTH} + 1 of {simds[-1]}",
                       13, color=MUTED))  # fmt: skip
    spx = BAR / THREADGROUP
    x = LEFT
    for index, size in enumerate(simds):
        parts.append(_rect(x, zoom_y + 4, size * spx, 34, SIMD_FILL))
        if size == SIMD_WIDTH:
            parts.append(
                text(x + size * spx / 2, zoom_y + 19, f"SIMD {index}", 11, "middle")
            )
            parts.append(text(x + size * spx / 2, zoom_y + 33, f"{size} lanes", 10, "middle",
                               MUTED))  # fmt: skip
        else:  # too narrow for a label inside
            parts.append(text(x + size * spx, zoom_y + 58, f"SIMD {index}: {size} lanes", 11,
                               "end"))  # fmt: skip
        x += size * spx
    parts.append(
        _rect(x, zoom_y + 4, (THREADGROUP - last) * spx, 34, PAPER, dashed=True)
    )
    # Below the dashed slots: inside, the label is wider than the 24 slots it names.
    parts.append(text(x + 8, zoom_y + 58, f"{THREADGROUP - last} not launched", 10,
                      color=MUTED))  # fmt: skip

    parts.append(text(LEFT, 306, "Metal runs no thread past the grid, so a kernel that "
                       "handles one element per thread", 12, color=INK))  # fmt: skip
    parts.append(text(LEFT, 323, f"with grid=(n, 1, 1) needs no bounds check. Drawn for "
                       f"n = {GRID}; SIMD width {SIMD_WIDTH} (Apple GPUs).", 12))  # fmt: skip

    title = (
        f"A grid of {GRID} threads in threadgroups of {THREADGROUP} and SIMD groups "
        f"of {SIMD_WIDTH}, with an exact tail"
    )
    return document(WIDTH, 340, title, parts)


def main(argv: list[str] | None = None) -> int:
    return figure_main(__doc__.splitlines()[0], FIGURE, render, argv)


if __name__ == "__main__":
    raise SystemExit(main())
