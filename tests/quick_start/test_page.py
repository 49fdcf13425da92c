"""The quick-start page: short, its outputs real, its figure regenerated, Linux readers told."""

from __future__ import annotations

import re

import pytest
from conftest import REPO_ROOT
from tests.quick_start.page_checks import assert_module_prints, fences, shown_outputs

from metal_guide.quick_start import launch_figure

PAGE = "guides/quick-start.md"
OUTPUTS = shown_outputs(PAGE)


def test_the_page_shows_outputs() -> None:
    assert set(OUTPUTS) == {
        "metal_guide.quick_start.first_kernel",
        "metal_guide.quick_start.launch_geometry",
    }


@pytest.mark.metal
@pytest.mark.parametrize("module", sorted(OUTPUTS))
def test_shown_output_is_what_the_module_prints(
    module: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert_module_prints(module, OUTPUTS[module], capsys, monkeypatch)


def test_figure_matches_its_script() -> None:
    committed = launch_figure.FIGURE.read_text(encoding="utf-8")
    assert committed == launch_figure.render(), (
        "docs/guides/figures/launch-geometry.svg drifted: run "
        "`python -m metal_guide.quick_start.launch_figure --write`"
    )
    assert "figures/launch-geometry.svg" in (REPO_ROOT / "docs" / PAGE).read_text()


def test_figure_numbers_follow_the_launch() -> None:
    svg = launch_figure.render()
    assert launch_figure.split(1000, 256) == [256, 256, 256, 232]
    assert launch_figure.split(232, 32) == [32] * 7 + [8]
    assert "threads 768-999" in svg and "24 not launched" in svg


def _prose_words() -> int:
    text = (REPO_ROOT / "docs" / PAGE).read_text()
    text = re.sub(r"```.*?```", "", text, flags=re.DOTALL)
    text = re.sub(r"\]\([^)]*\)", "]", text)  # link targets are not prose
    return len(text.split())


def test_the_page_is_short() -> None:
    assert _prose_words() <= 1250


def test_linux_readers_are_told_first_how_to_run_it() -> None:
    text = (REPO_ROOT / "docs" / PAGE).read_text()
    first_fence = text.index("```")
    assert text.index("python -m metalsim run") < first_fence


def test_the_page_ends_with_the_whole_file() -> None:
    whole = [b for i, b in fences(PAGE) if "python" in i and b.strip().endswith('.py"')]
    assert [b.strip() for b in whole] == ['--8<-- "metal_guide/quick_start/first_kernel.py"']


@pytest.mark.parametrize(
    ("package", "whole"),
    [("quick_start", ("first_kernel.py",)), ("second_kernel", ()), ("kernel_patterns", ())],
)
def test_shown_code_fits_without_sideways_scrolling(package: str, whole: tuple[str, ...]) -> None:
    from tests.quick_start.page_checks import too_long_shown_lines

    assert not too_long_shown_lines(package, whole)
