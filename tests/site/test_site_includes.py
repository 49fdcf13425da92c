"""Include integrity: what the pages show is what src/ holds, and every fence is accounted for.

- every `--8<--` include in docs/ resolves to an existing file and section;
- every `[start:name]` section in committed files under src/ and snippets/ is shown somewhere;
- every Python fence in docs/ is executed by pytest-markdown-docs, or is `{.python notest}` with
  a visible reason, and uses syntax both superfences and the test collector understand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from pytest_markdown_docs.plugin import parse_superfences_block_info
from tests.site.docsupport import REPO_ROOT, expand_snippets, snippet_options, tracked_files

DOCS = REPO_ROOT / "docs"
PY_LANGS = {"py", "python", "python3"}
# `--8<-- "path"` or `--8<-- "path:section"`; a leading `;` escapes the syntax.
INCLUDE_RE = re.compile(r'^(?P<indent>\s*)(?<!;)--8<--\s+"(?P<target>[^"]+)"\s*$')
SECTION_RE = re.compile(r"--8<-- \[start:(?P<name>[^\]]+)\]")
NOT_TESTED_RE = re.compile(r"Not tested:\s*\S")


def markdown_pages() -> list[Path]:
    return sorted(DOCS.rglob("*.md"))


@dataclass(frozen=True)
class Include:
    page: Path
    line: int
    target: str

    @property
    def file(self) -> str:
        return self.target.split(":", 1)[0]

    @property
    def section(self) -> str | None:
        parts = self.target.split(":")
        return parts[1] if len(parts) == 2 and not parts[1][:1].isdigit() else None


def find_includes(text: str, page: Path) -> list[Include]:
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = INCLUDE_RE.match(line)
        if match:
            found.append(Include(page, number, match["target"]))
    return found


def all_includes() -> list[Include]:
    includes = [inc for page in markdown_pages() for inc in find_includes(page.read_text(), page)]
    # Snippet files can include other snippets; those count as uses too.
    for path in (REPO_ROOT / "snippets").rglob("*"):
        if path.is_file():
            includes += find_includes(path.read_text(), path)
    return includes


def test_pages_exist() -> None:
    assert markdown_pages(), "docs/ has no pages"


@pytest.mark.parametrize("include", all_includes(), ids=lambda i: f"{i.page.name}:{i.line}")
def test_include_target_exists(include: Include) -> None:
    """Expanding the include line with the site's own snippet options must not raise."""
    try:
        expanded = expand_snippets(f'--8<-- "{include.target}"')
    except Exception as exc:  # noqa: BLE001 - report any failure with the include's location
        pytest.fail(f"{include.page.relative_to(REPO_ROOT)}:{include.line}: {exc}")
    assert expanded.strip(), f"{include.target} expands to nothing"


def base_paths() -> list[Path]:
    return [Path(p) for p in snippet_options()["base_path"]]


def snippet_name(path: Path) -> str | None:
    """The path of `path` as an include would spell it (relative to a snippet base path)."""
    for base in base_paths():
        if base in path.parents:
            return path.relative_to(base).as_posix()
    return None


def section_files() -> list[tuple[str, Path]]:
    """Committed files under the snippet base paths that define sections."""
    files = []
    for path in tracked_files("src", "snippets"):
        name = snippet_name(path)
        if name is None or not path.exists():
            continue
        try:
            if SECTION_RE.search(path.read_text()):
                files.append((name, path))
        except UnicodeDecodeError:
            continue
    return sorted(files)


SECTION_FILES = section_files()


@pytest.mark.parametrize(("name", "path"), SECTION_FILES, ids=[n for n, _ in SECTION_FILES])
def test_every_section_is_shown(name: str, path: Path) -> None:
    includes = all_includes()
    if any(inc.file == name and inc.section is None for inc in includes):
        return  # the whole file is shown
    used = {inc.section for inc in includes if inc.file == name}
    unused = [m["name"] for m in SECTION_RE.finditer(path.read_text()) if m["name"] not in used]
    assert not unused, f"{name}: sections no page includes: {unused}"


@dataclass(frozen=True)
class Fence:
    page: Path
    line: int  # 1-based line of the opening fence
    info: str
    body: str


def python_fences(page: Path) -> list[Fence]:
    tokens = MarkdownIt("commonmark").parse(page.read_text())
    fences = []
    for token in tokens:
        if token.type == "fence" and token.map:
            info = parse_superfences_block_info(token.info)
            if info and info[0] in PY_LANGS:
                fences.append(Fence(page, token.map[0] + 1, token.info.strip(), token.content))
    return fences


ALL_FENCES = [f for page in markdown_pages() for f in python_fences(page)]


def fence_id(fence: Fence) -> str:
    return f"{fence.page.relative_to(DOCS)}:{fence.line}"


@pytest.mark.parametrize("fence", ALL_FENCES, ids=fence_id)
def test_fence_options_use_brace_syntax(fence: Fence) -> None:
    """` ```python notest ` is not superfences syntax: it renders as garbage and breaks the
    page's later fences. Options must be written `{.python notest}`."""
    words = fence.info.split()
    if not fence.info.startswith("{"):
        assert len(words) == 1, f"{fence_id(fence)}: write ```{{.{words[0]} {' '.join(words[1:])}}}"


@pytest.mark.parametrize("fence", ALL_FENCES, ids=fence_id)
def test_notest_fences_give_a_reason(fence: Fence) -> None:
    """A fence the tests skip must say so to readers: the nearest non-blank line above it
    contains `Not tested: <reason>`."""
    if "notest" not in parse_superfences_block_info(fence.info):
        return
    lines = fence.page.read_text().splitlines()[: fence.line - 1]
    above = next((line for line in reversed(lines) if line.strip()), "")
    assert NOT_TESTED_RE.search(above), f"{fence_id(fence)}: notest without 'Not tested: <why>'"


@pytest.mark.parametrize("page", markdown_pages(), ids=lambda p: str(p.relative_to(DOCS)))
def test_no_fences_hidden_from_the_tests(page: Path) -> None:
    """Fences indented by 4 spaces (legacy `!!!` admonitions, `===` tabs) are indented code
    blocks to CommonMark, so pytest-markdown-docs never sees them. Use `///` blocks."""
    problems = []
    for number, line in enumerate(page.read_text().splitlines(), start=1):
        if re.match(r"^ {4,}(```|~~~)", line):
            problems.append(f"{number}: indented fence")
        if re.match(r"^(!!!|\?\?\?\+?|===)\s", line):
            problems.append(f"{number}: legacy indented block syntax; use /// blocks")
    assert not problems, f"{page.relative_to(REPO_ROOT)}: {problems}"


def test_fences_are_collected_by_pytest_markdown_docs() -> None:
    """Sanity check of this file's parser against the plugin's: same Python fences, same lines."""
    from pytest_markdown_docs.plugin import FenceSyntax, extract_fence_tests

    for page in markdown_pages():
        collected = {
            t.start_line
            for t in extract_fence_tests(
                MarkdownIt("commonmark"),
                page.read_text(),
                start_line_offset=0,
                source_path=page,
                fence_syntax=FenceSyntax.superfences,
            )
        }
        expected = {
            f.line
            for f in python_fences(page)
            if "notest" not in parse_superfences_block_info(f.info)
        }
        assert collected == expected, page
