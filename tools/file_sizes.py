"""The layout rule on file size: a source file longer than ``MAX_LINES`` is split by concern, or
listed in ``ALLOWED`` with the reason it stays whole.

Usage (from the repository root)::

    python -m tools.file_sizes          # the ten longest source files and any breach

``tests/site/test_site_file_sizes.py`` runs ``oversized`` on every tracked source file, so an
entry of ``ALLOWED`` that is back under the limit fails as well as a new long file.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
MAX_LINES = 600
# Source files: what a reader navigates. Generated SVGs, data and lock files are not counted.
SUFFIXES = (".py", ".cpp", ".h", ".js", ".css", ".cjs")
ROOTS = ("src", "tests", "tools", "packages")

ALLOWED: dict[str, str] = {
    "src/metalsim/include/metalsim/metal_math.h": (
        "one concern, the metal:: function library (MSL spec 6.2-6.7), laid out in the spec's "
        "section order under banners; its helpers are shared by every section, so a split "
        "would only add headers that must be included together"
    ),
}


def source_files(root: Path = REPO_ROOT) -> list[str]:
    """Tracked source files under ``ROOTS``, as paths relative to ``root``."""
    out = subprocess.run(
        ["git", "ls-files", "-z", "--", *ROOTS],
        cwd=root,
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    return sorted(p for p in out.split("\0") if p.endswith(SUFFIXES) and (root / p).is_file())


def line_counts(root: Path, files: list[str]) -> dict[str, int]:
    return {f: len((root / f).read_text(errors="replace").splitlines()) for f in files}


def oversized(sizes: dict[str, int], allowed: dict[str, str], limit: int = MAX_LINES) -> list[str]:
    """Problems: files over ``limit`` not in ``allowed``, and ``allowed`` entries not over it."""
    problems = [
        f"{name}: {lines} lines (limit {limit}): split it by concern or explain it in ALLOWED"
        for name, lines in sorted(sizes.items())
        if lines > limit and name not in allowed
    ]
    problems += [
        f"{name} is allowed to be long but has {sizes.get(name, 0)} lines: drop its entry"
        for name in sorted(allowed)
        if sizes.get(name, 0) <= limit
    ]
    return problems


def main() -> int:
    sizes = line_counts(REPO_ROOT, source_files())
    for name, lines in sorted(sizes.items(), key=lambda kv: -kv[1])[:10]:
        print(f"{lines:6d}  {name}")
    problems = oversized(sizes, ALLOWED)
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
