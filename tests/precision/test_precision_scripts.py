"""The usage examples of the page run as scripts, and every assert in them holds."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

import metal_guide.precision as pkg

SRC = Path(pkg.__file__).parent


@pytest.mark.metal
@pytest.mark.parametrize("name", ["ff_usage", "exact_usage", "qr_usage"])
def test_usage_example_runs(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    runpy.run_path(str(SRC / f"{name}.py"), run_name="__main__")
    assert capsys.readouterr().out.strip() == f"{name}: every assert held"
