"""The patterns page: outputs real, figure regenerated, every issue topic present."""

from __future__ import annotations

import pytest
from conftest import REPO_ROOT
from tests.quick_start.page_checks import assert_module_prints, shown_outputs

from metal_guide.kernel_patterns import memory_figure, signature_figure

PAGE = "guides/metal-kernel-patterns.md"
OUTPUTS = shown_outputs(PAGE)
TEXT = (REPO_ROOT / "docs" / PAGE).read_text()


def test_the_page_shows_outputs() -> None:
    assert set(OUTPUTS) == {
        f"metal_guide.kernel_patterns.{m}" for m in ("strided", "parameters", "errors",
                                                     "gram_schmidt")  # fmt: skip
    }


@pytest.mark.metal
@pytest.mark.parametrize("module", sorted(OUTPUTS))
def test_shown_output_is_what_the_module_prints(
    module: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert_module_prints(module, OUTPUTS[module], capsys, monkeypatch)


def test_figure_matches_its_script() -> None:
    assert signature_figure.FIGURE.read_text(encoding="utf-8") == signature_figure.render(), (
        "generated-signature.svg drifted: run "
        "`python -m metal_guide.kernel_patterns.signature_figure --write`"
    )
    assert "figures/generated-signature.svg" in TEXT


def test_memory_figure_matches_its_script() -> None:
    assert memory_figure.FIGURE.read_text(encoding="utf-8") == memory_figure.render(), (
        "address-spaces.svg drifted: run "
        "`python -m metal_guide.kernel_patterns.memory_figure --write`"
    )
    assert "figures/address-spaces.svg" in TEXT


def test_memory_figure_bars_span_who_shares_each_space() -> None:
    # device and constant: one bar over the whole dispatch; threadgroup: one per group;
    # thread: one per thread.
    total = memory_figure.GROUPS * memory_figure.THREADS
    assert memory_figure.spans("dispatch") == [(0, total)]
    assert len(memory_figure.spans("threadgroup")) == memory_figure.GROUPS
    assert memory_figure.spans("thread") == [(t, 1) for t in range(total)]
    svg = memory_figure.render()
    for name in ("mem_flags::mem_device", "mem_flags::mem_threadgroup", "<title>"):
        assert name in svg


def test_figure_regions_come_from_the_text() -> None:
    lines = signature_figure.SNAPSHOT.read_text().split("\n")
    kinds = signature_figure.classify(lines)
    assert kinds[0] == "template" and kinds[1] == "name"
    assert kinds.count("inputs") == 3 and kinds.count("outputs") == 1
    assert "instantiation" in kinds and kinds.count("body") >= 10


def test_dispatch_visualizer_sits_in_shaping_the_launch() -> None:
    # One form, inside "Shaping the launch"; every input has a label (the browser tests check
    # it runs: tests/site/browser/test_browser_dispatch_visualizer.py).
    section = TEXT.split("## Shaping the launch", 1)[1].split("\n## ", 1)[0]
    assert TEXT.count('<form class="dispatch-visualizer"') == 1
    assert section.count('<form class="dispatch-visualizer"') == 1
    for name in ("grid", "tg"):
        for axis in "xyz":
            assert f'<label for="dv-{name}-{axis}">' in section
            assert f'<input id="dv-{name}-{axis}"' in section


@pytest.mark.parametrize(
    "topic",
    ["## The generated signature", "### Names and suffixes", "### Parameter kinds",
     "`elem_to_loc`", "### The header is pasted verbatim", "### Attributes are found",
     "### 1-D, 2-D and 3-D grids", "### One threadgroup per row", "### Template churn",
     "`ensure_row_contiguous=False`", "## Atomic outputs and `init_value`",
     "## Multiple outputs", "## Math modes", "## Where errors surface", "## Limits",
     "Jupyter", "## Gradients, `mx.compile` and `vmap`", "Modified Gram-Schmidt",
     "macOS 15", "mlx#3592", "896", "832", "32 KB", "31 per kernel", "#2547"],
)  # fmt: skip
def test_every_topic_of_the_issue_is_covered(topic: str) -> None:
    assert topic in TEXT


def test_no_longer_an_outline() -> None:
    assert "Status: planned" not in TEXT
