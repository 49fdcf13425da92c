"""The GitHub Actions recipe on the Linux page is a valid workflow that uses real options."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml

from metalsim import pytest_plugin

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / "src" / "metal_guide" / "testing_on_linux" / "ci_workflow.yml"


def test_recipe_is_a_valid_github_workflow() -> None:
    check = Path(sys.executable).parent / "check-jsonschema"
    result = subprocess.run(
        [str(check), "--builtin-schema", "vendor.github-workflows", str(WORKFLOW)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_recipe_installs_the_standalone_package_and_uses_plugin_options() -> None:
    steps = yaml.safe_load(WORKFLOW.read_text())["jobs"]["emulated"]["steps"]
    commands = "\n".join(step.get("run", "") for step in steps)
    subdir = re.search(r"#subdirectory=(\S+?)\"", commands)
    assert subdir and (ROOT / subdir.group(1) / "pyproject.toml").is_file()
    assert "-p metalsim.pytest_plugin" in commands
    used = set(re.findall(r"(--metalsim[\w-]*)", commands))
    parser_options = {"--metalsim", "--metalsim-schedule", "--metalsim-strict-barriers"}
    assert used <= parser_options
    assert pytest_plugin.__name__ == "metalsim.pytest_plugin"
