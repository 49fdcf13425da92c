"""The command lines the page shows, run in subprocesses as a reader would run them."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import mlx.core as mx
import pytest
from tests.site.docsupport import REPO_ROOT

EXAMPLES = REPO_ROOT / "src" / "metal_guide" / "testing_on_linux"
SCRIPT = EXAMPLES / "plain_script.py"
SQUARES = "[0.0, 1.0, 4.0, 9.0, 16.0, 25.0, 36.0, 49.0]"
no_metal = pytest.mark.skipif(mx.metal.is_available(), reason="shows behaviour without Metal")


def _run(*args: str, cwd: Path = REPO_ROOT) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT / "src"), env.get("PYTHONPATH", "")])
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=240, check=False)  # fmt: skip


@no_metal
def test_plain_python_has_no_metal_back_end() -> None:
    proc = _run(str(SCRIPT))
    assert proc.returncode != 0
    assert "RuntimeError: [metal_kernel] No Metal back-end." in proc.stderr


def test_metalsim_run_runs_the_unchanged_script() -> None:
    proc = _run("-m", "metalsim", "run", str(SCRIPT))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == SQUARES
    proc = _run("-m", "metalsim", "run", "--schedule", "reverse", "--strict-barriers", str(SCRIPT))
    assert proc.returncode == 0 and proc.stdout.strip() == SQUARES, proc.stderr


def test_run_module_with_dash_arguments_after_double_dash(tmp_path: Path) -> None:
    data = tmp_path / "d.json"
    data.write_text('{"b": 1, "a": 2}')
    proc = _run("-m", "metalsim", "run", "-m", "json.tool", "--", "--sort-keys", str(data))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.index('"a"') < proc.stdout.index('"b"')


@no_metal  # with Metal, `source` without --force leaves MLX's own function in place
def test_source_no_run_prints_the_generated_kernel() -> None:
    proc = _run("-m", "metalsim", "source", "--no-run", str(SCRIPT))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("Generated source code for `square`:")
    assert "[[kernel]] void custom_kernel_square_float_float(" in proc.stdout
    assert "nan" in proc.stdout  # nothing ran: the script printed the poisoned output


def test_info_names_the_four_components() -> None:
    proc = _run("-m", "metalsim", "info")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert [line.split(" ")[0] for line in lines] == ["metalsim", "MLX", "compiler:", "runtime:"]


def _section(name: str) -> str:
    text = (EXAMPLES / "pytest_setup.py").read_text()
    m = re.search(rf"# --8<-- \[start:{name}\]\n(.*?)# --8<-- \[end:{name}\]", text, re.DOTALL)
    assert m, name
    return m.group(1)


def _pytest_project(tmp_path: Path, conftest: bool) -> Path:
    """A project of its own: the page's conftest section (or none) and test section."""
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    if conftest:
        (tmp_path / "conftest.py").write_text(_section("conftest"))
    (tmp_path / "test_scale.py").write_text(_section("test"))
    return tmp_path


@no_metal
@pytest.mark.parametrize("how", ["conftest", "-p"])
def test_plugin_emulates_and_labels_the_run(tmp_path: Path, how: str) -> None:
    project = _pytest_project(tmp_path, conftest=how == "conftest")
    extra = ["-p", "metalsim.pytest_plugin"] if how == "-p" else []
    proc = _run("-m", "pytest", "-p", "no:cacheprovider", *extra,
                "--metalsim-schedule=reverse", "test_scale.py", cwd=project)  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "metalsim: Metal kernels are EMULATED on CPU" in proc.stdout
    assert "metalsim: schedule=reverse strict_barriers=False" in proc.stdout
    assert "metalsim: 1 test ran Metal kernels EMULATED on the CPU (not on Apple hardware)" in (
        proc.stdout
    )


@no_metal
def test_plugin_is_opt_in_and_can_be_turned_off(tmp_path: Path) -> None:
    project = _pytest_project(tmp_path, conftest=False)
    proc = _run("-m", "pytest", "-p", "no:cacheprovider", "test_scale.py", cwd=project)
    assert proc.returncode == 1 and "No Metal back-end" in proc.stdout  # not registered
    project = _pytest_project(tmp_path, conftest=True)
    proc = _run("-m", "pytest", "-p", "no:cacheprovider", "--metalsim=off", "test_scale.py",
                cwd=project)  # fmt: skip
    assert proc.returncode == 1 and "No Metal back-end" in proc.stdout
    assert "metalsim: not installed (--metalsim=off)" in proc.stdout
