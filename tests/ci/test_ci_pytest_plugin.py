"""The plugin in a real pytest run: header, feature skips, report JSON, cross-check on Linux."""

from __future__ import annotations

import json
import platform
import subprocess
import sys
from pathlib import Path

CONFTEST = """
pytest_plugins = ["metalsim.pytest_plugin", "metal_guide.ci.pytest_plugin"]

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
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-rs",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:xdist",
            "--metalsim=force",  # emulated on a Mac too, so the run is the same everywhere
            f"--metal-report={report}",
            f"--metal-crosscheck={cc}",
            "test_features.py",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
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
