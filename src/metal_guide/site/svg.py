"""SVG pieces shared by the generated figures (launch geometry, generated signature, memory
address spaces).

Each figure draws its own light background (``PAPER``) with dark ink, so it reads the same in
the site's light and dark schemes. Numbers are written with one decimal so the output is
byte-stable: the figures' drift tests compare the committed SVG with a fresh render.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from pathlib import Path
from xml.sax.saxutils import escape

INK, MUTED, PAPER = "#1f2328", "#57606a", "#f6f8fa"
EDGE = "#3949ab"
SANS = "system-ui, -apple-system, Segoe UI, Roboto, sans-serif"
MONO = "ui-monospace, Menlo, Consolas, monospace"


def rect(x: float, y: float, w: float, h: float, fill: str, stroke: str | None = EDGE,
         dashed: bool = False, stroke_width: float = 1, rx: float = 0) -> str:  # fmt: skip
    """A rectangle; ``stroke=None`` draws no outline."""
    extra = f' rx="{rx:.1f}"' if rx else ""
    if stroke is not None:
        extra += f' stroke="{stroke}" stroke-width="{stroke_width:g}"'
    if dashed:
        extra += ' stroke-dasharray="4 3"'
    return f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{fill}"{extra}/>'


def text(x: float, y: float, s: str, size: int = 13, anchor: str = "start", color: str = INK,
         weight: str = "normal", family: str | None = None) -> str:  # fmt: skip
    """One line of text; ``family=MONO`` keeps its spaces (code)."""
    font = f' font-family="{family}"' if family else ""
    space = ' xml:space="preserve"' if family == MONO else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
        f'fill="{color}" font-weight="{weight}"{font}{space}>{escape(s)}</text>'
    )


def line(x1: float, y1: float, x2: float, y2: float, color: str = MUTED,
         dashed: bool = False, width: float = 1) -> str:  # fmt: skip
    dash = ' stroke-dasharray="2 3"' if dashed else ""
    return (
        f'<path d="M{x1:.1f},{y1:.1f} L{x2:.1f},{y2:.1f}" stroke="{color}" '
        f'stroke-width="{width:g}" fill="none"{dash}/>'
    )


def document(width: int, height: int, title: str, parts: Sequence[str]) -> str:
    """A whole SVG: accessible title, its own background, the parts in drawing order."""
    body = "\n  ".join(parts)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" font-family="{SANS}">\n'
        f"  <title>{escape(title)}</title>\n"
        f'  <rect width="{width}" height="{height}" rx="8" fill="{PAPER}"/>\n'
        f"  {body}\n</svg>\n"
    )


def figure_main(
    description: str, figure: Path, render: Callable[[], str], argv: list[str] | None
) -> int:
    """The command line of a figure script: print the SVG, or ``--write`` it to ``figure``."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--write", action="store_true", help=f"write {figure}")
    args = parser.parse_args(argv)
    svg = render()
    if args.write:
        figure.write_text(svg, encoding="utf-8")
        print(f"wrote {figure}")
    else:
        print(svg)
    return 0
