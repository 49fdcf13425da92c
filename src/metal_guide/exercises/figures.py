"""Dispatch figures of the exercise pages: the launch's threadgroups, and which threads own data.

``python -m metal_guide.exercises.figures docs/exercises/figures`` writes one SVG per exercise;
``tests/exercises/test_exercises_figures.py`` regenerates them and fails on drift. Colours are
mid-tones, so the figures read on the light and the dark theme alike.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from metal_guide.exercises.exercise import Exercise, all_exercises

WORKS, IDLE, LINE, TEXT = "#5c6bc0", "#9e9e9e", "#8a8a8a", "#808080"
CELL = 12  # pixels per drawn cell
MAX_GROUPS_Y = 3  # groups drawn along y before eliding the middle ones


def _max_groups_x(threadgroup: tuple[int, int, int]) -> int:
    return 6 if threadgroup[1] == 1 else 3


def _groups(launch: dict[str, tuple[int, int, int]]) -> tuple[int, int]:
    (gx, gy, _), (tx, ty, _) = launch["grid"], launch["threadgroup"]
    return -(-gx // tx), -(-gy // ty)


def figure_size(ex: Exercise) -> Any:
    """The size drawn: the graded size with the most groups that fits the figure unelided,
    preferring sizes whose grid has threads without an element."""

    def rank(size: Any) -> tuple[bool, bool, int]:
        inputs = ex.make_inputs(size)
        launch = ex.launch(**inputs)
        grid = launch["grid"]
        surplus = ex.one_thread_per_element and grid[0] * grid[1] > ex.spec(**inputs).size
        nx, ny = _groups(launch)
        fits = nx <= _max_groups_x(launch["threadgroup"]) and ny <= MAX_GROUPS_Y
        return surplus, fits, nx * ny if fits else -nx * ny

    return max(ex.sizes, key=rank)


def _rect(x: float, y: float, w: float, h: float, style: str) -> str:
    fills = {
        "works": f'fill="{WORKS}" fill-opacity="0.85"',
        "idle": f'fill="{IDLE}" fill-opacity="0.3"',
        "absent": 'fill="none" stroke-dasharray="2 2"',
    }
    return (
        f'<rect x="{x:g}" y="{y:g}" width="{w:g}" height="{h:g}" {fills[style]} '
        f'stroke="{LINE}" stroke-width="0.6"/>'
    )


def _text(x: float, y: float, s: str) -> str:
    return (
        f'<text x="{x:g}" y="{y:g}" font-family="sans-serif" font-size="12" '
        f'fill="{TEXT}">{s}</text>'
    )


def _shown(groups: int, limit: int) -> list[int]:
    """Group indices drawn: all of them, or the first ones and the last."""
    return list(range(groups)) if groups <= limit else [*range(limit - 1), groups - 1]


def dispatch_svg(ex: Exercise) -> str:
    """The SVG of exercise `ex` at `figure_size(ex)`."""
    size = figure_size(ex)
    inputs = ex.make_inputs(size)
    launch = ex.launch(**inputs)
    (gx, gy, _), (tx, ty, _) = launch["grid"], launch["threadgroup"]
    shape = ex.spec(**inputs).shape
    if ex.one_thread_per_element:
        need_x, need_y = (shape[-1], shape[0]) if len(shape) == 2 else (shape[0], 1)
    else:
        need_x, need_y = gx, gy
    one_d = ty == 1 and gy == 1
    lane_w = 32 if one_d else 1  # 1-D launches are drawn one cell per SIMD group
    cells_x, cells_y = -(-tx // lane_w), ty
    cell_w = 2 * CELL if one_d else CELL
    group_w, group_h = cells_x * cell_w, cells_y * CELL
    nx, ny = _groups(launch)
    xs, ys = _shown(nx, _max_groups_x((tx, ty, 1))), _shown(ny, MAX_GROUPS_Y)
    parts: list[str] = []
    for row, gyi in enumerate(ys):
        for col, gxi in enumerate(xs):
            ox, oy = 10 + col * (group_w + 14), 30 + row * (group_h + 12)
            for cy in range(cells_y):
                for cx in range(cells_x):
                    x0, y0 = gxi * tx + cx * lane_w, gyi * ty + cy
                    # threads of this cell that work, that are idle, that are not launched
                    launched = max(0, min(lane_w, gx - x0)) if y0 < gy else 0
                    working = min(launched, max(0, need_x - x0)) if y0 < need_y else 0
                    x = ox + cx * cell_w
                    for count, style in ((working, "works"), (launched - working, "idle"),
                                         (lane_w - launched, "absent")):
                        if count:
                            w = cell_w * count / lane_w
                            parts.append(_rect(x, oy + cy * CELL, w, CELL, style))
                            x += w
            parts.append(
                f'<rect x="{ox}" y="{oy}" width="{group_w}" height="{group_h}" fill="none" '
                f'stroke="{LINE}" stroke-width="2"/>'
            )
            if col == len(xs) - 2 and xs[-1] != xs[-2] + 1:
                parts.append(_text(ox + group_w + 2, oy + group_h / 2 + 4, "…"))
    width = max(20 + len(xs) * (group_w + 14), 600)
    height = 30 + len(ys) * (group_h + 12) + 40
    cell = "SIMD group (32 threads)" if one_d else "thread"
    line1 = (
        f"size {size}: grid {tuple(launch['grid'])} threads, threadgroup "
        f"{tuple(launch['threadgroup'])}"
    )
    line2 = f"one cell = one {cell}; blue: has work, grey: no element, dashed: not launched"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img">\n'
        f"<title>Exercise {ex.number}: dispatch at size {size}</title>\n"
        + _text(10, 18, f"Exercise {ex.number}: {ex.title}")
        + "\n"
        + "\n".join(parts)
        + "\n"
        + _text(10, height - 24, line1)
        + "\n"
        + _text(10, height - 8, line2)
        + "\n</svg>\n"
    )


def write_all(directory: Path) -> list[Path]:
    """Write every exercise's figure into `directory`; returns the paths."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for ex in all_exercises():
        path = directory / f"ex{ex.number:02d}-dispatch.svg"
        path.write_text(dispatch_svg(ex))
        written.append(path)
    return written


if __name__ == "__main__":
    for p in write_all(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/exercises/figures")):
        print(p)
