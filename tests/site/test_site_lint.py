"""Repository-wide static checks: ruff, typos, and the GitHub workflow schema.

ruff and typos look at files known to git (in CI: everything), so that a colleague's
uncommitted work in progress in a shared checkout does not fail these tests.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from tests.site.docsupport import REPO_ROOT, tracked_files

BIN = Path(sys.executable).parent


def run(tool: str, *args: str) -> subprocess.CompletedProcess[str]:
    exe = BIN / tool
    if not exe.exists():
        pytest.fail(f"{tool} is not installed in {BIN}; run `make test` (installs .[test])")
    return subprocess.run(
        [str(exe), *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=300
    )


def tracked(*pathspecs: str) -> list[str]:
    return [str(p.relative_to(REPO_ROOT)) for p in tracked_files(*pathspecs)]


def test_ruff() -> None:
    files = tracked("src/*.py", "tests/*.py", "tools/*.py", "conftest.py")
    assert files
    result = run("ruff", "check", "--no-cache", "--force-exclude", *files)
    assert result.returncode == 0, result.stdout + result.stderr


def test_typos() -> None:
    """Spelling in docs/, src/, snippets/, tools/, tests/ and packages/; project vocabulary lives
    in _typos.toml."""
    files = tracked(
        "docs", "src", "snippets", "tools", "tests", "packages", "conftest.py",
        "README.md", "CONTRIBUTING.md", "CHANGELOG.md",
    )  # fmt: skip
    assert files
    result = run("typos", "--config", "_typos.toml", "--force-exclude", *files)
    assert result.returncode == 0, result.stdout + result.stderr


WORKFLOWS = sorted((REPO_ROOT / ".github" / "workflows").glob("*.y*ml"))


def test_workflows_exist() -> None:
    names = {p.name for p in WORKFLOWS}
    assert {"ci.yml", "docs.yml"} <= names


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_schema(workflow: Path) -> None:
    """Offline validation against the GitHub workflow schema vendored in check-jsonschema."""
    result = run("check-jsonschema", "--builtin-schema", "vendor.github-workflows", str(workflow))
    assert result.returncode == 0, result.stdout + result.stderr
