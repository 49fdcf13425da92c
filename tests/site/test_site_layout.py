"""The layout rule of CONTRIBUTING.md holds: its two tables match the tree, both ways.

Every guide row has its page, code package and tests package; every library row has its code,
tests and API page; every guide page and every package under `src/metal_guide/` is in a table;
`tests/` mirrors `src/metal_guide/`. A row still being built is exempt from having its files:
a guide whose page is an outline (`Status: planned`), or a row marked "(planned)" in its first
cell. A "(planned)" row whose files all exist fails, so the mark cannot outlive the work.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import PurePosixPath

import pytest
from markdown_it import MarkdownIt
from tests.site.docsupport import REPO_ROOT, tracked_files

CONTRIBUTING = REPO_ROOT / "CONTRIBUTING.md"
PLANNED_MARK = "(planned)"
LAYOUT_TABLES = ("Guide", "Library")  # first column headers; other tables are not layout


@dataclass(frozen=True)
class Row:
    table: str  # header of the first column: "Guide" or "Library"
    name: str  # first cell, as text
    cells: dict[str, list[str]]  # column header -> the code spans of that cell
    texts: dict[str, str]  # column header -> the text of that cell

    @property
    def marked_planned(self) -> bool:
        return PLANNED_MARK in self.name


def _cell(tokens: list, start: int) -> tuple[str, list[str], int]:
    """Text and code spans of the cell opening at `start`; index after it."""
    end = next(i for i in range(start, len(tokens)) if tokens[i].type in ("th_close", "td_close"))
    inline = [t for t in tokens[start:end] if t.type == "inline"]
    children = [c for t in inline for c in t.children or []]
    text = "".join(c.content for c in children)
    return text, [c.content for c in children if c.type == "code_inline"], end + 1


@cache
def layout_rows() -> tuple[Row, ...]:
    """Rows of CONTRIBUTING's two layout tables, parsed as Markdown (headers name columns)."""
    tokens = MarkdownIt("commonmark").enable("table").parse(CONTRIBUTING.read_text())
    rows: list[Row] = []
    header: list[str] = []
    current: list[tuple[str, list[str]]] = []  # the cells of the row being read
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.type == "thead_open":
            header = []
        elif token.type in ("th_open", "td_open"):
            text, spans, i = _cell(tokens, i)
            if token.type == "th_open":
                header.append(text.strip())
            else:
                current.append((text.strip(), spans))
            continue
        elif token.type == "tr_open":
            current = []
        elif token.type == "tr_close" and current and header[0] in LAYOUT_TABLES:
            cells = {h: spans for h, (_, spans) in zip(header, current, strict=True)}
            texts = {h: text for h, (text, _) in zip(header, current, strict=True)}
            rows.append(Row(header[0], current[0][0], cells, texts))
        i += 1
    return tuple(rows)


@cache
def tracked() -> frozenset[str]:
    return frozenset(str(p.relative_to(REPO_ROOT)) for p in tracked_files("."))


def exists(path: str) -> bool:
    """A committed file, or a folder holding committed files. `<op>` placeholders match any."""
    path = path.rstrip("/")
    if "<" in path:  # e.g. tests/kernels/test_<op>.py: its folder must hold files
        path = str(PurePosixPath(path.split("<")[0]).parent)
    return path in tracked() or any(f.startswith(path + "/") for f in tracked())


def paths(row: Row, column: str) -> list[str]:
    """Repository paths of a cell (code spans under docs/, src/ or tests/)."""
    return [s for s in row.cells.get(column, []) if s.startswith(("docs/", "src/", "tests/"))]


def row_paths(row: Row) -> list[str]:
    return [p for column in row.cells for p in paths(row, column)]


def page_is_outline(row: Row) -> bool:
    pages = paths(row, "Page")
    return (
        bool(pages) and exists(pages[0]) and "Status: planned" in (REPO_ROOT / pages[0]).read_text()
    )


def exempt(row: Row) -> bool:
    return row.marked_planned or page_is_outline(row)


def rows_of(table: str) -> list[Row]:
    return [r for r in layout_rows() if r.table == table]


def test_tables_are_found() -> None:
    assert len(rows_of("Guide")) >= 3 and len(rows_of("Library")) >= 3, layout_rows()
    assert {"Page", "Code", "Tests"} <= set(rows_of("Guide")[0].cells)
    assert {"Code", "Tests", "API page"} <= set(rows_of("Library")[0].cells)


@pytest.mark.parametrize("row", layout_rows(), ids=lambda r: r.name)
def test_row_has_its_files(row: Row) -> None:
    columns = ("Page", "Code", "Tests") if row.table == "Guide" else ("Code", "Tests", "API page")
    for column in columns:
        if column == "API page" and row.texts[column] == "—":
            continue  # a library with no API page says so with a dash
        assert paths(row, column), f"{row.name}: no path in column {column!r}"
    missing = [p for p in row_paths(row) if not exists(p)]
    if row.marked_planned:
        assert missing, f"{row.name}: everything exists; drop {PLANNED_MARK!r} from CONTRIBUTING"
    elif row.table == "Guide" and not exists(paths(row, "Page")[0]):
        pytest.fail(f"{row.name}: page {paths(row, 'Page')[0]} does not exist")
    elif not exempt(row):
        assert not missing, f"{row.name}: listed in CONTRIBUTING.md but missing: {missing}"


def test_every_guide_page_is_in_the_table() -> None:
    listed = {paths(r, "Page")[0] for r in rows_of("Guide")}
    pages = {p for p in tracked() if p.startswith("docs/guides/") and p.endswith(".md")}
    assert pages, "no guide pages found"
    assert not pages - listed, f"add these pages to CONTRIBUTING's guide table: {pages - listed}"


def _listed_packages() -> set[str]:
    """`src/metal_guide/<pkg>` of every Code cell."""
    found = set()
    for row in layout_rows():
        for path in paths(row, "Code"):
            parts = PurePosixPath(path).parts
            if parts[:2] == ("src", "metal_guide") and len(parts) > 2:
                found.add(parts[2])
    return found


def _packages() -> set[str]:
    """Packages of src/metal_guide (folders with an __init__.py)."""
    return {
        PurePosixPath(p).parts[2]
        for p in tracked()
        if p.startswith("src/metal_guide/") and p.count("/") == 3 and p.endswith("/__init__.py")
    }


def test_every_package_is_in_a_table() -> None:
    packages = _packages()
    assert packages, "no packages found under src/metal_guide/"
    assert not packages - _listed_packages(), (
        f"add these packages to a table in CONTRIBUTING.md: {packages - _listed_packages()}"
    )


def test_tests_mirror_src() -> None:
    """Every package has tests/<pkg>/ (a planned row may not have it yet)."""
    planned = {
        PurePosixPath(p).parts[2]
        for r in layout_rows()
        if exempt(r)
        for p in paths(r, "Code")
        if p.startswith("src/metal_guide/")
    }
    untested = {p for p in _packages() - planned if not exists(f"tests/{p}")}
    assert not untested, f"packages without a tests/<pkg>/ folder: {untested}"
