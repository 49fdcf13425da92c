"""The version selector of a mike deployment (two versions, local repository, no push)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from conftest import REPO_ROOT

from .conftest import Server

if TYPE_CHECKING:
    from playwright.sync_api import Page


def deploy_two_versions(tmp: Path) -> Path:
    """gh-pages of a throwaway repository with 0.1 (latest, default) and 0.2-dev (dev)."""
    repo = tmp / "pages"
    repo.mkdir()
    for args in (
        ["init", "-q"],
        ["config", "user.name", "test"],
        ["config", "user.email", "test@localhost"],
        ["commit", "-q", "--allow-empty", "-m", "start"],
    ):
        subprocess.run(["git", *args], cwd=repo, check=True)
    for args in (["0.1", "latest", "--set-default", "latest"], ["0.2-dev", "dev"]):
        subprocess.run(
            [sys.executable, str(REPO_ROOT / "tools" / "deploy_docs.py"), *args],
            cwd=repo, check=True, capture_output=True, timeout=300,
        )
    tree = tmp / "tree"
    archive = subprocess.run(
        ["git", "archive", "gh-pages"], cwd=repo, check=True, capture_output=True
    ).stdout
    tree.mkdir()
    # tar keeps mike's alias symlinks (latest -> 0.1).
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    return tree


# mike builds into the repository's site/: one deployment at a time (--dist loadgroup).
@pytest.mark.xdist_group("mike-site-dir")
def test_version_selector_lists_versions(page: Page, tmp_path: Path, chromium_path: str) -> None:
    server = Server(deploy_two_versions(tmp_path))
    try:
        page.goto(server.url, wait_until="networkidle")  # the default redirects to latest/
        assert page.url.rstrip("/").endswith("latest"), page.url
        page.locator(".md-version__current").wait_for(timeout=10_000)
        titles = page.locator(".md-version__link").all_text_contents()
        assert any(t.startswith("0.1 (MLX ") for t in titles), titles
        assert any(t.startswith("0.2-dev (MLX ") for t in titles), titles
        traffic = page.traffic  # type: ignore[attr-defined]
        assert not traffic.failed_responses and not traffic.console_errors, traffic
        assert not traffic.external_requests, traffic.external_requests
    finally:
        server.close()
