"""The gpu-mapping pytest plugin, run in a separate pytest session on a tiny project."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import mlx.core as mx
import pytest

MAPPED_TEST = """
import mlx.core as mx

def test_reads_gpu():
    mx.eval(mx.ones((2,), stream=mx.gpu))

def test_does_not_read_gpu():
    assert mx.cpu is not None
"""
UNMAPPED_TEST = """
import mlx.core as mx

def test_gpu_is_real():
    assert mx.is_available(mx.gpu) == mx.is_available(mx.DeviceType.gpu)
"""


@pytest.mark.skipif(mx.is_available(mx.DeviceType.gpu), reason="a Mac maps nothing")
def test_mapped_tests_are_reported_and_others_untouched(tmp_path: Path) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "tests" / "streams_guide").mkdir(parents=True)
    (tmp_path / "tests" / "streams_guide" / "test_mapped.py").write_text(MAPPED_TEST)
    (tmp_path / "tests" / "elsewhere").mkdir()
    (tmp_path / "tests" / "elsewhere" / "test_unmapped.py").write_text(UNMAPPED_TEST)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-v", "-p", "metal_guide.timeline._pytest_plugin",
         "-p", "no:cacheprovider", "tests"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    out = run.stdout
    assert run.returncode == 0, out + run.stderr
    assert "gpu-mapping: ON for the stream guides" in out
    assert "gpu-mapping: 1 test ran code written for mx.gpu on a CPU stream" in out
    assert "  mapped: tests/streams_guide/test_mapped.py::test_reads_gpu" in out
    assert "mapped: tests/streams_guide/test_mapped.py::test_does_not_read_gpu" not in out
    assert "3 passed" in out
