"""The second-kernel page: its outputs are what the code prints; every script runs."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest
from conftest import REPO_ROOT
from tests.quick_start.page_checks import assert_module_prints, shown_outputs

import metal_guide.second_kernel as pkg

PAGE = "guides/second-kernel.md"
OUTPUTS = shown_outputs(PAGE)
SRC = Path(pkg.__file__).parent


def test_the_page_shows_outputs() -> None:
    assert set(OUTPUTS) == {
        "metal_guide.second_kernel.rms_norm",
        "metal_guide.second_kernel.rms_norm_vjp",
        "metal_guide.second_kernel.barrier_bugs",
    }


@pytest.mark.metal
@pytest.mark.parametrize("module", sorted(OUTPUTS))
def test_shown_output_is_what_the_module_prints(
    module: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert_module_prints(module, OUTPUTS[module], capsys, monkeypatch)


@pytest.mark.metal
def test_timing_script_runs(capsys: pytest.CaptureFixture[str]) -> None:
    runpy.run_path(str(SRC / "timing.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "mx.fast.rms_norm:" in out and out.count(" ms") == 4


def test_the_barrier_rule_is_included_not_restated() -> None:
    text = (REPO_ROOT / "docs" / PAGE).read_text()
    assert '--8<-- "barrier-rule.md"' in text
