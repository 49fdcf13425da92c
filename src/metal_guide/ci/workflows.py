"""Checks that the macOS workflow jobs say what they run on, and upload what backs their claims.

actionlint (tests/ci) checks syntax and expressions; this checks the project's own rules, which
no generic linter knows: a GitHub-hosted macOS job is labelled as the paravirtual device it is,
a self-hosted one must refuse anything but bare hardware, and both keep their results as JSON.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from metal_guide.ci.device import PARAVIRTUAL_HOSTED

# Phrases that would claim hardware a hosted runner does not have (review QS-1).
OVERCLAIMS = ("real gpu", "real metal", "real apple", "real hardware")


def load(path: Path) -> dict[str, Any]:
    doc = yaml.safe_load(path.read_text())
    # YAML 1.1 reads the key `on` as the boolean True.
    if True in doc:
        doc["on"] = doc.pop(True)
    return doc


def _labels(runs_on: Any) -> list[str]:
    return [runs_on] if isinstance(runs_on, str) else [str(x) for x in runs_on or []]


def _runs(job: dict[str, Any]) -> str:
    return "\n".join(str(s.get("run", "")) for s in job.get("steps", []))


def macos_job_problems(name: str, job: dict[str, Any]) -> list[str]:
    """What is wrong with one job that runs on macOS (empty if it is not a macOS job)."""
    labels = [x.lower() for x in _labels(job.get("runs-on"))]
    if not any(x.startswith("macos") for x in labels):
        return []
    problems: list[str] = []
    title = str(job.get("name", name))
    runs = _runs(job)
    if "self-hosted" in labels:
        if not {"self-hosted", "macos", "arm64"} <= set(labels):
            problems.append(
                f"{name}: a self-hosted Apple job needs the labels self-hosted, macOS, ARM64"
            )
        if "Apple hardware" not in title:
            problems.append(f"{name}: the job name must say 'Apple hardware'")
        if "--require-hardware" not in runs:
            problems.append(f"{name}: no step refuses a non-hardware device (--require-hardware)")
        if "metal_guide.bench" not in runs:
            problems.append(f"{name}: the benchmark harness does not run")
    elif PARAVIRTUAL_HOSTED not in title:
        problems.append(f"{name}: a GitHub-hosted macOS job must be named {PARAVIRTUAL_HOSTED!r}")
    for option in ("--metal-report=", "--metal-crosscheck="):
        if option not in runs:
            problems.append(f"{name}: the test step does not pass {option}")
    uploads = [
        s
        for s in job.get("steps", [])
        if str(s.get("uses", "")).startswith("actions/upload-artifact@")
    ]
    if not any(s.get("if") == "always()" for s in uploads):
        problems.append(f"{name}: results are not uploaded (upload-artifact with if: always())")
    return problems


def workflow_problems(path: Path) -> list[str]:
    text = path.read_text().lower()
    problems = [f"{path.name}: says {p!r}" for p in OVERCLAIMS if p in text]
    for name, job in load(path).get("jobs", {}).items():
        problems += [f"{path.name}: {p}" for p in macos_job_problems(name, job)]
    return problems
