"""Quick start figure: a 1000-thread grid split into threadgroups and SIMD groups.

``python -m metal_guide.quick_start.launch_figure --write`` regenerates
``docs/guides/figures/launch-geometry.svg``; a test fails when the committed file drifts from
this script's output. The numbers in the drawing are computed from the launch, not typed: the
threadgroup split follows MLX's clamping and Metal's exact tail (non-uniform threadgroups).
The SVG draws its own light background, so it reads the same in the light and dark themes.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from xml.sax.saxutils import escape

REPO = Path(__file__).resolve().parents[3]
FIGURE = REPO / "docs" / "guides" / "figures" / "launch-geometry.svg"

GRID, THREADGROUP, SIMD_WIDTH = 1000, 256, 32
WIDTH, LEFT, BAR = 760, 40, 680
INK, MUTED, PAPER = "#1f2328", "#57606a", "#f6f8fa"
GROUP_FILL, SIMD_FILL, EDGE = "#c5cae9", "#ffe0b2", "#3949ab"


def split(total: int, size: int) -> list[int]:
    """Sizes of the groups `total` threads form in groups of `size` (the last may be short)."""
    return [min(size, total - start) for start in range(0, total, size)]


def _rect(
    x: float, y: float, w: float, h: float, fill: str, dashed: bool = False
) -> str:
    dash = ' stroke-dasharray="4 3"' if dashed else ""
    stroke = MUTED if dashed else EDGE
    return (
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{fill}" '
        f'stroke="{stroke}" stroke-width="1"{dash}/>'
    )


def _text(x: float, y: float, s: str, size: int = 13, anchor: str = "start",
          color: str = INK, weight: str = "normal") -> str:  # fmt: skip
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
        f'fill="{color}" font-weight="{weight}">{escape(s)}</text>'
    )


def render() -> str:
    groups = split(GRID, THREADGROUP)
    slots = len(groups) * THREADGROUP  # what a rounded-up launch would have run
    px = BAR / slots
    parts: list[str] = []

    parts.append(_text(LEFT, 28, f"grid=({GRID}, 1, 1), threadgroup=({THREADGROUP}, 1, 1)",
                       15, weight="bold"))  # fmt: skip
    parts.append(
        _text(LEFT, 48, f"grid counts threads: exactly {GRID} run", 13, color=MUTED)
    )
    parts.append(_rect(LEFT, 58, GRID * px, 22, GROUP_FILL))
    parts.append(_text(LEFT + GRID * px / 2, 74, f"{GRID} threads", 13, "middle"))
    parts.append(
        _rect(LEFT + GRID * px, 58, (slots - GRID) * px, 22, PAPER, dashed=True)
    )

    y = 118
    label = (
        f"{len(groups)} threadgroups of up to {THREADGROUP}: the last one is partial"
    )
    parts.append(_text(LEFT, y - 10, label, 13, color=MUTED))
    x = LEFT
    for index, size in enumerate(groups):
        parts.append(_rect(x, y, size * px, 34, GROUP_FILL))
        parts.append(
            _text(x + size * px / 2, y + 15, f"threadgroup {index}", 12, "middle")
        )
        first = index * THREADGROUP
        parts.append(_text(x + size * px / 2, y + 29, f"threads {first}-{first + size - 1}",
                           11, "middle", MUTED))  # fmt: skip
        x += size * px
    parts.append(_rect(x, y, (slots - GRID) * px, 34, PAPER, dashed=True))
    parts.append(_text(LEFT + BAR, y + 50, f"{slots - GRID} never launched", 11, "end",
                       MUTED))  # fmt: skip

    last = groups[-1]
    last_x = LEFT + (len(groups) - 1) * THREADGROUP * px
    zoom_y = 214
    parts.append(
        f'<path d="M{last_x:.1f},{y + 34} L{LEFT},{zoom_y} M{last_x + last * px:.1f},{y + 34} '
        f'L{LEFT + BAR:.1f},{zoom_y + 4}" stroke="{MUTED}" '
        f'stroke-dasharray="2 3" fill="none"/>'
    )
    simds = split(last, SIMD_WIDTH)
    parts.append(_text(LEFT, zoom_y + 58, f"threadgroup {len(groups) - 1}: {last} threads = "
                       f"{len(simds) - 1} SIMD groups of {SIMD_WIDTH} + 1 of {simds[-1]}",
                       13, color=MUTED))  # fmt: skip
    spx = BAR / THREADGROUP
    x = LEFT
    for index, size in enumerate(simds):
        parts.append(_rect(x, zoom_y + 4, size * spx, 34, SIMD_FILL))
        if size == SIMD_WIDTH:
            parts.append(
                _text(x + size * spx / 2, zoom_y + 19, f"SIMD {index}", 11, "middle")
            )
            parts.append(_text(x + size * spx / 2, zoom_y + 33, f"{size} lanes", 10, "middle",
                               MUTED))  # fmt: skip
        else:  # too narrow for a label inside
            parts.append(_text(x + size * spx, zoom_y + 58, f"SIMD {index}: {size} lanes", 11,
                               "end"))  # fmt: skip
        x += size * spx
    parts.append(
        _rect(x, zoom_y + 4, (THREADGROUP - last) * spx, 34, PAPER, dashed=True)
    )
    parts.append(_text(x + (THREADGROUP - last) * spx / 2, zoom_y + 26,
                       f"{THREADGROUP - last} not launched", 10, "middle", MUTED))  # fmt: skip

    parts.append(_text(LEFT, 306, "Metal runs no thread past the grid, so a kernel that "
                       "handles one element per thread", 12, color=INK))  # fmt: skip
    parts.append(_text(LEFT, 323, f"with grid=(n, 1, 1) needs no bounds check. Drawn for "
                       f"n = {GRID}; SIMD width {SIMD_WIDTH} (Apple GPUs).", 12))  # fmt: skip

    height = 340
    body = "\n  ".join(parts)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" role="img" '
        f'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif">\n'
        f"  <title>A grid of {GRID} threads in threadgroups of {THREADGROUP} and SIMD groups "
        f"of {SIMD_WIDTH}, with an exact tail</title>\n"
        f'  <rect width="{WIDTH}" height="{height}" rx="8" fill="{PAPER}"/>\n'
        f"  {body}\n</svg>\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"write {FIGURE}")
    args = parser.parse_args(argv)
    svg = render()
    if args.write:
        FIGURE.write_text(svg, encoding="utf-8")
        print(f"wrote {FIGURE}")
    else:
        print(svg)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
