"""The lint over every kernel of the guides (src/metal_guide), found with Python's ast.

A finding fails this test unless it is suppressed with a reason, in the file
(``# metalsim-lint: disable=<rule> -- <why>``) or, for a page whose point is the mistake
itself, in ``DELIBERATE`` below.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from metalsim.lint import RULES, lint_paths
from metalsim.lint.model import GUIDE_PAGE, GUIDE_SOURCE
from metalsim.lint.python_side import is_construction

REPO = Path(__file__).resolve().parents[3]
GUIDES = REPO / "src" / "metal_guide"

# (file relative to src/metal_guide, rule) -> why the finding is the point of that example.
DELIBERATE: dict[tuple[str, str], str] = {
    ("testing_on_linux/barriers.py", "divergent-barrier"):
        "shows metalsim's strict-barrier mode rejecting an early return before a barrier",
    ("testing_on_linux/compile_errors.py", "threadgroup-size"):
        "a four-thread launch whose only purpose is to show a compile error",
    ("testing_on_linux/plain_script.py", "threadgroup-size"):
        "an eight-element demo of running a plain script under metalsim",
    ("testing_on_linux/watchdog.py", "threadgroup-size"):
        "a single thread spinning forever, to show the watchdog",
    # Common pitfalls: each *_pitfall.py holds the broken form on purpose, next to its fix.
    ("common_pitfalls/early_return_pitfall.py", "divergent-barrier"):
        "the broken form of the early-return pitfall",
    ("common_pitfalls/index_overflow_pitfall.py", "threadgroup-size"):
        "one thread suffices to show a 32-bit index wrapping",
    ("common_pitfalls/local_array_pitfall.py", "stack-array-dynamic-index"):
        "the broken form of the thread-local array pitfall",
    ("common_pitfalls/template_churn_pitfall.py", "template-churn"):
        "the broken form of the template-churn pitfall",
}


def _files_with_kernels() -> list[Path]:
    out = []
    for f in sorted(GUIDES.rglob("*.py")):
        tree = ast.parse(f.read_text())
        if any(is_construction(n) for n in ast.walk(tree)):
            out.append(f)
    return out


def test_every_guide_kernel_passes_the_lint() -> None:
    files = _files_with_kernels()
    assert len(files) >= 10  # the discovery itself works
    report = lint_paths(files)
    assert report.kernels >= 30
    unexplained = []
    for f in report.findings:
        key = (Path(f.path).resolve().relative_to(GUIDES).as_posix(), f.rule)
        if key not in DELIBERATE:
            unexplained.append(f.format())
    assert not unexplained, "\n".join(unexplained)
    for f, why in report.suppressed:
        assert why.strip(), f


def test_deliberate_exceptions_name_existing_files() -> None:
    # Those pages belong to other guides and change on their own; an entry whose finding has
    # gone is harmless, an entry for a file that no longer exists is stale.
    for path, rule_id in DELIBERATE:
        assert (GUIDES / path).is_file(), path
        assert rule_id in {r.id for r in RULES}, rule_id


def test_the_pairs_of_the_optimization_guide_trigger_their_rules() -> None:
    """Each "before" that breaks a lint rule is caught, and only suppressed with a reason."""
    report = lint_paths([GUIDES / "wwdc16_optimization"])
    suppressed = {f.rule for f, _ in report.suppressed}
    assert {"stack-array-dynamic-index", "runtime-integer-division"} <= suppressed
    assert report.findings == []


@pytest.mark.parametrize("r", RULES, ids=lambda r: r.id)
def test_every_rule_links_a_section_of_the_guide(r) -> None:  # type: ignore[no-untyped-def]
    page = (REPO / "docs" / "guides" / "wwdc16-optimization.md").read_text()
    headings = {_anchor(line.lstrip("#").strip()) for line in page.splitlines()
                if line.startswith("#")}
    assert r.anchor in headings, r.anchor


def test_the_rules_page_is_where_the_links_point() -> None:
    # mkdocs.yml keeps directory URLs: docs/guides/X.md is served at guides/X/.
    source = Path(GUIDE_SOURCE)
    assert (REPO / source).is_file()
    assert GUIDE_PAGE == f"{source.relative_to('docs').with_suffix('').as_posix()}/"


def _anchor(title: str) -> str:
    """The id Python-Markdown's toc gives a heading (lower case, punctuation dropped)."""
    keep = "".join(c for c in title.lower() if c.isalnum() or c in " -_")
    return "-".join(keep.split())
