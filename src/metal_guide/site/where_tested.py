"""MkDocs hook: a "Tested on" badge under every Python code block that builds a Metal kernel.

The badge lists only what a committed run report backs: each ``results/*.json`` written by
``pytest --metal-report=...`` (``metal_guide.ci._pytest_plugin``) with passing tests and no
failures adds one entry, worded from the device it recorded. Pages are not edited; remove a
report and its claim disappears from the next build. Stdlib only: the docs venv has no package.
"""

from __future__ import annotations

import json
from html import escape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

RESULTS_DIR = "results"
SCHEMA = "metal-guide-run/1"
# A code block counts as a kernel block when its text builds one.
KERNEL_MARKER = "metal_kernel("


def claim(report: dict[str, Any]) -> str | None:
    """The badge text a run report backs, or None when it backs nothing."""
    if report.get("schema") != SCHEMA:
        return None
    outcomes = report.get("outcomes", {})
    if outcomes.get("failed", 0) or outcomes.get("error", 0) or not outcomes.get("passed", 0):
        return None
    device = report.get("device", {})
    mlx = device.get("mlx_version", "?")
    label = str(device.get("label", ""))
    if device.get("backend") == "metalsim":
        system = "Linux" if str(device.get("platform", "")).startswith("Linux") else "macOS"
        return f"emulated on {system} (metalsim), MLX {mlx}"
    if device.get("backend") == "metal" and label.startswith("Apple paravirtual GPU"):
        return f"{label}, MLX {mlx}"
    if device.get("backend") == "metal" and label.startswith("Apple hardware "):
        return f"{label}, MLX {mlx}"
    return None


def claims(results_dir: Path) -> list[str]:
    """Badge entries from every report in ``results_dir`` (sorted, without duplicates)."""
    found = set()
    for path in sorted(results_dir.glob("*.json")):
        text = claim(json.loads(path.read_text()))
        if text:
            found.add(text)
    # Hardware first, then paravirtual, then emulated: strongest evidence leads.
    order = ("Apple hardware", "Apple paravirtual", "emulated")
    return sorted(found, key=lambda c: (next(i for i, p in enumerate(order) if c.startswith(p)), c))


class _CodeBlockFinder(HTMLParser):
    """Finds where each ``<div class="language-python highlight">`` block ends, and its text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[tuple[int, int], str]] = []  # (end position, text)
        self._depth = 0  # div depth inside the current block (0: not in one)
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "div":
            return
        if self._depth:
            self._depth += 1
            return
        classes = (dict(attrs).get("class") or "").split()
        # mkdocstrings' signatures ("doc-signature") are generated from code, not run.
        if {"highlight", "language-python"} <= set(classes) and "doc-signature" not in classes:
            self._depth, self._text = 1, []

    def handle_endtag(self, tag: str) -> None:
        if tag == "div" and self._depth:
            self._depth -= 1
            if not self._depth:
                self.blocks.append((self.getpos(), "".join(self._text)))

    def handle_data(self, data: str) -> None:
        if self._depth:
            self._text.append(data)


def badge_html(entries: list[str]) -> str:
    items = "".join(f'<li class="where-tested__item">{escape(e)}</li>' for e in entries)
    return f'<div class="where-tested"><span>Tested:</span><ul>{items}</ul></div>'


def add_badges(html: str, entries: list[str]) -> str:
    """Insert the badge after each Python code block that builds a Metal kernel."""
    if not entries:
        return html
    finder = _CodeBlockFinder()
    finder.feed(html)
    finder.close()
    line_starts = [0]
    for line in html.splitlines(keepends=True):
        line_starts.append(line_starts[-1] + len(line))
    inserts = []
    for (line, col), text in finder.blocks:
        if KERNEL_MARKER in text:
            start = line_starts[line - 1] + col  # where "</div" begins
            inserts.append(html.index(">", start) + 1)
    badge = badge_html(entries)
    for pos in reversed(inserts):
        html = html[:pos] + badge + html[pos:]
    return html


# --- MkDocs hook events -----------------------------------------------------------------------

_ENTRIES: list[str] = []


def on_config(config: Any) -> Any:
    root = Path(config["config_file_path"]).parent
    _ENTRIES[:] = claims(root / RESULTS_DIR)
    return config


def on_page_content(html: str, page: Any, config: Any, files: Any) -> str:
    return add_badges(html, _ENTRIES)
