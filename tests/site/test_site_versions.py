"""Two versions deployed with mike into a throwaway git repository (no push)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
from conftest import REPO_ROOT

DEPLOY = REPO_ROOT / "tools" / "deploy_docs.py"


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, text=True
    ).stdout


# mike builds into the repository's site/: one deployment at a time (--dist loadgroup).
@pytest.mark.xdist_group("mike-site-dir")
def test_two_versions_deploy_locally(tmp_path: Path) -> None:
    repo = tmp_path / "pages"
    repo.mkdir()
    git(repo, "init", "-q")
    git(repo, "config", "user.name", "test")
    git(repo, "config", "user.email", "test@localhost")
    git(repo, "commit", "-q", "--allow-empty", "-m", "start")  # mike names HEAD in its commits
    env = {**os.environ, "SITE_URL": "https://docs.invalid/guide/"}
    for args in (["0.1", "latest", "--set-default", "latest"], ["0.2-dev", "dev"]):
        subprocess.run(
            [sys.executable, str(DEPLOY), *args],
            cwd=repo, check=True, capture_output=True, text=True, env=env, timeout=300,
        )
    versions = json.loads(git(repo, "show", "gh-pages:versions.json"))
    by_version = {v["version"]: v for v in versions}
    mlx = version("mlx")
    assert by_version["0.1"]["aliases"] == ["latest"]
    assert by_version["0.2-dev"]["aliases"] == ["dev"]
    assert by_version["0.1"]["title"] == f"0.1 (MLX {mlx})"
    redirect = git(repo, "show", "gh-pages:index.html")
    assert "latest/" in redirect
    page = git(repo, "show", "gh-pages:0.1/index.html")
    # The deployed build has the selector on, and canonical links go to latest/.
    assert '"provider": "mike"' in page or '"provider":"mike"' in page
    assert 'rel="canonical" href="https://docs.invalid/guide/latest/"' in page
    assert "example.github.io" not in page and "example.com" not in page
