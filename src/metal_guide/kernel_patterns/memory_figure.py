"""Metal kernel patterns figure: the four address spaces a kernel body uses, and who sees what.

``python -m metal_guide.kernel_patterns.memory_figure --write`` regenerates
``docs/guides/figures/address-spaces.svg``; a test fails when the committed file drifts.

Facts, and where they come from:

- visibility and lifetime: Metal Shading Language Specification, section 4 (address spaces):
  ``thread`` is private to a thread; ``threadgroup`` is shared by one threadgroup and lives as
  long as it; ``device`` and ``constant`` buffers are seen by the whole dispatch, ``constant``
  read-only;
- ordering: MSL section 6.9.1: ``threadgroup_barrier``/``simdgroup_barrier`` take
  ``mem_flags`` (``mem_device``, ``mem_threadgroup``); no barrier orders memory across the
  threadgroups of one dispatch;
- MLX's choice per input: ``mlx/backend/common/metal_kernel.cpp`` (fewer than 8 elements:
  ``constant``; 0-d: ``constant`` reference; otherwise ``device``; outputs ``device``).

The drawing is two threadgroups of four threads; each bar spans the threads that share it.
"""

from __future__ import annotations

from pathlib import Path

from metal_guide.site.svg import MONO, MUTED, document, figure_main, rect, text

FIGURE = (
    Path(__file__).resolve().parents[3]
    / "docs"
    / "guides"
    / "figures"
    / "address-spaces.svg"
)

GROUPS, THREADS = 2, 4  # drawn: two threadgroups of four threads
WIDTH, TOP, ROW = 960, 78, 64
NAME_X, BAR_X, BAR_W = 16, 112, 192
COLUMNS = (("Who sees it, how long it lives", 322), ("What orders it", 540),
           ("In an MLX kernel", 754))  # fmt: skip

# (name, fill, scope: "dispatch" | "threadgroup" | "thread", read_only, three text cells);
# a line starting with ` is code.
SPACES = (
    ("device", "#c5cae9", "dispatch", False, (
        ("every thread of the dispatch;", "lives as long as the buffer"),
        ("`threadgroup_barrier(", "`  mem_flags::mem_device)", "within one threadgroup only"),
        ("inputs of 8+ elements, and", "every output:", "`device T*"),
    )),
    ("constant", "#b2dfdb", "dispatch", True, (
        ("every thread, read-only;", "lives as long as the buffer"),
        ("nothing: no thread writes it",),
        ("inputs under 8 elements:", "`const constant T*", "`const constant T& (0-d)"),
    )),
    ("threadgroup", "#ffe0b2", "threadgroup", False, (
        ("the threads of one threadgroup;", "lives as long as the threadgroup"),
        ("`threadgroup_barrier(", "`  mem_flags::mem_threadgroup)"),
        ("declared in the body:", "`threadgroup float buf[256];", "static size, 32 KB per group"),
    )),
    ("thread", "#f8bbd0", "thread", False, (
        ("one thread only;", "lives as long as the thread"),
        ("program order: no barrier",),
        ("local variables in the body", "(registers; spills are slow)"),
    )),
)  # fmt: skip


def spans(scope: str) -> list[tuple[int, int]]:
    """(first thread, thread count) of each bar for a space shared at `scope`."""
    total = GROUPS * THREADS
    if scope == "dispatch":
        return [(0, total)]
    if scope == "threadgroup":
        return [(g * THREADS, THREADS) for g in range(GROUPS)]
    return [(t, 1) for t in range(total)]


def render() -> str:
    px = BAR_W / (GROUPS * THREADS)
    parts: list[str] = [
        text(
            NAME_X,
            26,
            "Metal address spaces in a kernel: who sees what",
            15,
            weight="bold",
        )
    ]
    # The threads the bars refer to: two threadgroups of four.
    for g in range(GROUPS):
        x = BAR_X + g * THREADS * px
        parts.append(
            text(x + THREADS * px / 2, 46, f"threadgroup {g}", 11, "middle", MUTED)
        )
        for t in range(THREADS):
            parts.append(
                rect(x + t * px + 2, 52, px - 4, 12, "#ffffff", stroke=MUTED, rx=2)
            )
    parts.append(text(BAR_X + BAR_W / 2, 76, "threads", 10, "middle", MUTED))
    for title, x in COLUMNS:
        parts.append(text(x, 58, title, 12, color=MUTED, weight="bold"))

    for row, (name, fill, scope, read_only, cells) in enumerate(SPACES):
        y = TOP + 10 + row * ROW
        parts.append(rect(NAME_X - 6, y - 6, WIDTH - 2 * (NAME_X - 6), ROW - 6, "#ffffff",
                          stroke="#d0d7de", rx=4))  # fmt: skip
        parts.append(text(NAME_X, y + 16, name, 13, weight="bold", family=MONO))
        for first, count in spans(scope):
            parts.append(rect(BAR_X + first * px + 1, y + 4, count * px - 2, 18, fill,
                              stroke=MUTED, dashed=read_only, rx=3))  # fmt: skip
        if read_only:
            parts.append(text(BAR_X + BAR_W / 2, y + 38, "read-only (dashed)", 10, "middle",
                              MUTED))  # fmt: skip
        for (_, x), cell in zip(COLUMNS, cells, strict=True):
            for i, s in enumerate(cell):
                if s.startswith("`"):
                    parts.append(text(x, y + 12 + i * 15, s[1:], 11, family=MONO))
                else:
                    parts.append(text(x, y + 12 + i * 15, s, 12))

    bottom = TOP + 10 + len(SPACES) * ROW
    parts.append(
        text(
            NAME_X,
            bottom + 8,
            "No barrier orders memory between the threadgroups of "
            "one dispatch: when a threadgroup needs another's device writes,",
            12,
        )
    )
    parts.append(text(NAME_X, bottom + 24, "split the work into two dispatches (or use "
                      "atomics). A barrier is also an execution barrier: every thread of the "
                      "group must reach it.", 12))  # fmt: skip
    title = (
        "Metal's device, constant, threadgroup and thread address spaces: who sees each, "
        "how long it lives, what orders it, and how an MLX kernel uses it"
    )
    return document(WIDTH, bottom + 38, title, parts)


def main(argv: list[str] | None = None) -> int:
    return figure_main(__doc__.splitlines()[0], FIGURE, render, argv)


if __name__ == "__main__":
    raise SystemExit(main())
