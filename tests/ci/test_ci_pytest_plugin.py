"""The plugin in a real pytest run: header, feature skips, report JSON, cross-check on Linux."""

from __future__ import annotations

import json
import platform
import subprocess
import sys
from pathlib import Path


def run_pytest(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """An inner pytest run in ``cwd``, on one process and without a cache (the plugin under
    test is what it loads through the conftest written there)."""
    cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist", *args]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=120)


CONFTEST = """
pytest_plugins = ["metalsim.pytest_plugin", "metal_guide.ci._pytest_plugin"]

from metal_guide.ci import probes

# Injected probe results: the device "lacks" simdgroup matrices, has bfloat.
probes.PROBES["simdgroup_matrix"] = lambda: "planted: returned zeros"
probes.PROBES["bfloat"] = lambda: None
probes.PROBES["float_atomics"] = lambda: None
"""

TESTS = """
import pytest

@pytest.mark.metal_feature("simdgroup_matrix")
def test_needs_matrix():
    pass

@pytest.mark.metal_feature("bfloat")
def test_needs_bfloat():
    pass
"""


def test_plugin_skips_missing_features_and_writes_reports(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text(CONFTEST)
    (tmp_path / "test_features.py").write_text(TESTS)
    report, cc = tmp_path / "out" / "report.json", tmp_path / "out" / "crosscheck.json"
    run = run_pytest(
        tmp_path,
        "-rs",
        "--metalsim=force",  # emulated on a Mac too, so the run is the same everywhere
        f"--metal-report={report}",
        f"--metal-crosscheck={cc}",
        "test_features.py",
    )
    assert run.returncode == 0, run.stdout + run.stderr
    label = f"emulated (metalsim) on {platform.system()}"
    assert f"metal device: {label}" in run.stdout
    assert "metal device_info: {" in run.stdout
    assert f"Metal feature missing on {label}: simdgroup_matrix: planted" in run.stdout
    assert "1 passed, 1 skipped" in run.stdout

    doc = json.loads(report.read_text())
    assert doc["device"]["backend"] == "metalsim"
    assert doc["outcomes"] == {"passed": 1, "skipped": 1}
    assert [s["test"] for s in doc["feature_skips"]] == ["test_features.py::test_needs_matrix"]
    assert doc["probes"]["simdgroup_matrix"]["supported"] is False
    assert doc["probes"]["bfloat"]["supported"] is True

    # No Metal here: the cross-check says so instead of comparing metalsim with itself.
    check = json.loads(cc.read_text())
    assert check["status"] == "skipped"
    assert "no Metal device here" in check["reason"]
    assert "metal cross-check: SKIPPED" in run.stdout


def test_fixture_errors_are_counted_so_the_run_backs_no_badge(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text(CONFTEST)
    (tmp_path / "test_err.py").write_text(
        "import pytest\n\n@pytest.fixture\ndef broken():\n    raise RuntimeError('x')\n\n"
        "def test_a(broken):\n    pass\n\ndef test_b():\n    pass\n"
    )
    report = tmp_path / "report.json"
    run_pytest(tmp_path, "--metalsim=force", f"--metal-report={report}", "test_err.py")
    assert json.loads(report.read_text())["outcomes"] == {"passed": 1, "error": 1}


CROSSCHECK_CONFTEST = """
import mlx.core as mx
import pytest

from metal_guide.ci import _pytest_plugin as pytest_plugin
from metal_guide.ci.device import DeviceRecord
from metalsim.kernel import metal_kernel as emulated

pytest_plugins = ["metalsim.pytest_plugin", "metal_guide.ci._pytest_plugin"]


# A stand-in for Metal on this machine: metalsim's kernel with a planted difference (outputs
# doubled), under a factory that is not metalsim's, so the plugin treats it as the Metal side.
def fake_metal_kernel(**kwargs):
    kernel = emulated(**kwargs)
    return lambda **call: [out * 2 for out in kernel(**call)]


mx.fast.metal_kernel = fake_metal_kernel
pytest_plugin.current_device = lambda: DeviceRecord(
    label="stand-in Metal (test)", backend="metal", device_info={}, mlx_version=mx.__version__,
    platform="test", runner_environment=None)


def pytest_configure(config):
    config.addinivalue_line("markers", "metal: launches kernels")
"""

CROSSCHECK_TESTS = """
import mlx.core as mx
import pytest

@pytest.mark.metal
def test_kernel():
    k = mx.fast.metal_kernel(name="twice", input_names=["x"], output_names=["y"],
                             source="y[thread_position_in_grid.x] = x[thread_position_in_grid.x];")
    (y,) = k(inputs=[mx.arange(4, dtype=mx.float32) + 1], grid=(4, 1, 1), threadgroup=(4, 1, 1),
             output_shapes=[(4,)], output_dtypes=[mx.float32])
    assert y.shape == (4,)

def test_not_a_kernel_test():
    pass
"""


def test_crosscheck_runs_metal_tests_twice_and_measures_the_difference(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text(CROSSCHECK_CONFTEST)
    (tmp_path / "test_cc.py").write_text(CROSSCHECK_TESTS)
    cc = tmp_path / "out" / "crosscheck.json"
    run = run_pytest(tmp_path, "--metalsim=off", f"--metal-crosscheck={cc}", "test_cc.py")
    assert run.returncode == 0, run.stdout + run.stderr
    doc = json.loads(cc.read_text())
    assert doc["status"] == "compared"
    # Only the metal test ran twice: one call per pass, compared once.
    assert [(r["test"], r["kernel"], r["status"]) for r in doc["calls"]] == [
        ("test_cc.py::test_kernel", "twice", "compared")
    ]
    # Stand-in "Metal" doubled x = 1..4: metalsim differs by x, i.e. by half of the Metal value.
    assert doc["kernels"]["twice"]["max_abs_err"] == 4.0
    assert doc["kernels"]["twice"]["max_rel_err"] == 0.5
    assert doc["kernels"]["twice"]["bit_identical"] is False
    assert doc["metalsim_failures"] == []
    assert not list(cc.parent.glob("*.part-*.json")), "per-worker parts are merged and removed"
