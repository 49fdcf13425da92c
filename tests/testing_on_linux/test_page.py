"""The page itself: its example output is real, and it documents every option metalsim has.

- every ```text block that follows an example is printed, verbatim, by that example's module
  (``...`` in a block stands for text the page leaves out);
- every Python block is an include of a section of ``src/metal_guide/testing_on_linux/``;
- every pytest option, CLI option, setting and environment variable that the code defines
  appears on the page (so a new option cannot go undocumented).
"""

from __future__ import annotations

import dataclasses
import re
import runpy
import sys
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from tests.site.docsupport import REPO_ROOT

import metalsim
from metalsim import config

PAGE = REPO_ROOT / "docs" / "testing-on-linux.md"
SRC = REPO_ROOT / "src" / "metalsim"
INCLUDE = re.compile(r'^--8<-- "metal_guide/testing_on_linux/(?P<file>\w+)\.py:(?P<section>\w+)"$')


def _fences() -> list[tuple[str, str]]:
    tokens = MarkdownIt("commonmark").parse(PAGE.read_text())
    return [(t.info.strip(), t.content) for t in tokens if t.type == "fence"]


def _outputs_by_module() -> dict[str, list[str]]:
    """module -> the ```text blocks shown after its includes, in page order."""
    current = None
    shown: dict[str, list[str]] = {}
    for info, body in _fences():
        if "python" in info:
            m = INCLUDE.match(body.strip())
            current = m["file"] if m else None
        elif info == "text" and current is not None:
            shown.setdefault(current, []).append(body.strip("\n"))
    return shown


OUTPUTS = _outputs_by_module()


def test_the_page_shows_outputs() -> None:
    assert set(OUTPUTS) >= {"unwritten", "schedules", "barriers", "redzones", "compile_errors",
                            "watchdog", "limits", "asan"}  # fmt: skip


@pytest.mark.parametrize("module", sorted(OUTPUTS))
def test_shown_output_is_what_the_module_prints(
    module: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    name = f"metal_guide.testing_on_linux.{module}"
    monkeypatch.setattr(sys, "argv", [name])
    monkeypatch.delitem(sys.modules, name, raising=False)
    runpy.run_module(name, run_name="__main__", alter_sys=True)
    printed = capsys.readouterr().out
    if module == "asan" and printed.startswith("skipped:"):
        pytest.skip(printed.strip())
    for block in OUTPUTS[module]:
        # "..." on the page stands for text left out (details that may change, e.g. which thread).
        pattern = ".*?".join(re.escape(part) for part in block.split("..."))
        assert re.search(pattern, printed, re.DOTALL), (
            f"the page shows:\n{block}\n\n{name} printed:\n{printed}"
        )


def test_every_python_block_is_an_include_of_this_package() -> None:
    blocks = [body for info, body in _fences() if "python" in info]
    assert len(blocks) >= 15
    for body in blocks:
        assert INCLUDE.match(body.strip()), f"not a single include:\n{body}"


def _page_text() -> str:
    return PAGE.read_text()


def test_every_pytest_option_is_documented() -> None:
    options = set(re.findall(r'"(--metalsim[\w-]*)"', (SRC / "pytest_plugin.py").read_text()))
    assert options == {"--metalsim", "--metalsim-schedule", "--metalsim-strict-barriers"}
    text = _page_text()
    for choice in ("auto", "force", "off"):
        assert f"`--metalsim={choice}`" in text
    for option in options:
        assert f"`{option}" in text, option


def test_every_cli_command_and_option_is_documented() -> None:
    source = (SRC / "__main__.py").read_text()
    options = set(re.findall(r'add_argument\(\s*"(-[\w-]+)"', source))
    options |= set(re.findall(r'add_argument\(\s*"-\w", "(--[\w-]+)"', source))
    assert {"--schedule", "--strict-barriers", "--force", "--spec", "--raw", "--no-run"} <= options
    text = _page_text()
    for option in options:
        assert f"`{option}" in text or f" {option} " in text, option
    for command in ("run", "source", "info"):
        assert f"python -m metalsim {command}" in text, command


def test_every_setting_is_documented() -> None:
    text = _page_text()
    for f in dataclasses.fields(metalsim.Settings):
        assert f"| `{f.name}` |" in text, f.name
    for fn in ("metalsim.settings(", "metalsim.configure(", "metalsim.current_settings()",
               "metalsim.install()", "metalsim.uninstall()", "metalsim.installed()"):  # fmt: skip
        assert fn in text, fn


def _environment_variables() -> set[str]:
    # metalsim.config lists every variable metalsim reads (tests/metalsim/test_config.py checks
    # that no module reads one it does not list).
    return set(config.ENVIRONMENT) - config.INTERNAL


def test_every_environment_variable_is_documented() -> None:
    names = _environment_variables()
    assert {"METALSIM_SCHEDULE", "METALSIM_CXX", "METALSIM_CACHE_DIR"} <= names
    text = _page_text()
    for name in names:
        assert f"| `{name}` |" in text, name


def test_page_links_primary_sources() -> None:
    text = _page_text()
    for url in (
        "https://ml-explore.github.io/mlx/build/html/dev/custom_metal_kernels.html",
        "https://developer.apple.com/metal/Metal-Shading-Language-Specification.pdf",
        "https://clang.llvm.org/docs/AddressSanitizer.html",
    ):
        assert url in text


def test_the_page_is_not_a_placeholder() -> None:
    text = _page_text()
    assert "placeholder" not in text.lower()
    assert not Path(PAGE).read_text().count("!!!")
