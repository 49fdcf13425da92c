"""The GitHub Actions recipe on the Linux page is a valid workflow that uses real options."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from importlib.metadata import distribution
from pathlib import Path
from urllib.parse import urlsplit

import yaml
from packaging.requirements import Requirement

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


def test_recipe_installs_mlx_metalsim_from_a_declared_git_url() -> None:
    """The install line names packages/metalsim's distribution and subdirectory, and its URL comes
    from a variable the step declares and checks (no placeholder left in the command)."""
    (step,) = [
        step
        for step in yaml.safe_load(WORKFLOW.read_text())["jobs"]["emulated"]["steps"]
        if "mlx-metalsim" in step.get("run", "")
    ]
    words = [w for line in step["run"].splitlines() for w in shlex.split(line)]
    (spec,) = [w for w in words if w.startswith("mlx-metalsim @")]
    requirement = Requirement(spec)
    # The installed mlx-metalsim is packages/metalsim (editable, `make venv`).
    assert requirement.name == distribution("mlx-metalsim").metadata["Name"]
    url = urlsplit(requirement.url or "")
    assert requirement.url.startswith("git+${MLX_METAL_GUIDE_GIT}#")
    assert url.fragment == "subdirectory=packages/metalsim"
    assert (ROOT / url.fragment.removeprefix("subdirectory=") / "pyproject.toml").is_file()
    assert step["env"]["MLX_METAL_GUIDE_GIT"] == "${{ vars.MLX_METAL_GUIDE_GIT }}"
    assert ': "${MLX_METAL_GUIDE_GIT:?' in step["run"], "an unset variable must stop the job"
    assert "OWNER" not in WORKFLOW.read_text()
