"""Checks shared by the beginner pages: the output a page shows is what its code prints.

A ```text fence that follows a Python include of ``metal_guide.<pkg>.<module>`` must appear,
verbatim, in what ``python -m metal_guide.<pkg>.<module>`` prints (``...`` in the fence stands
for text the page leaves out).
"""

from __future__ import annotations

import re
import runpy
import sys

import pytest
from conftest import REPO_ROOT
from markdown_it import MarkdownIt

INCLUDE = re.compile(r'^--8<-- "metal_guide/(?P<pkg>\w+)/(?P<file>\w+)\.py(:[\w-]+)?"$')


def fences(page: str) -> list[tuple[str, str]]:
    """(info, content) of every fence of docs/<page>."""
    tokens = MarkdownIt("commonmark").parse((REPO_ROOT / "docs" / page).read_text())
    return [(t.info.strip(), t.content) for t in tokens if t.type == "fence"]


def shown_outputs(page: str) -> dict[str, list[str]]:
    """module -> the ```text fences shown after its includes on the page, in order."""
    current = None
    shown: dict[str, list[str]] = {}
    for info, body in fences(page):
        if "python" in info:
            m = INCLUDE.match(body.strip())
            current = f"metal_guide.{m['pkg']}.{m['file']}" if m else None
        elif info == "text" and current is not None:
            shown.setdefault(current, []).append(body.strip("\n"))
    return shown


def assert_module_prints(
    module: str,
    blocks: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys, "argv", [module])
    monkeypatch.delitem(sys.modules, module, raising=False)
    runpy.run_module(module, run_name="__main__", alter_sys=True)
    printed = capsys.readouterr().out
    for block in blocks:
        pattern = ".*?".join(re.escape(part) for part in block.split("..."))
        assert re.search(pattern, printed, re.DOTALL), (
            f"the page shows:\n{block}\n\n{module} printed:\n{printed}"
        )


MAX_SHOWN_COLUMNS = 88  # fits the content column at 1366 px without sideways scrolling


def too_long_shown_lines(package: str, whole_files: tuple[str, ...] = ()) -> list[str]:
    """Lines longer than MAX_SHOWN_COLUMNS inside the page sections of src/metal_guide/<pkg>
    (or anywhere in `whole_files`, which a page includes entire)."""
    found = []
    for path in sorted((REPO_ROOT / "src" / "metal_guide" / package).glob("*.py")):
        depth = 0
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if "--8<-- [start:" in line:
                depth += 1
            elif "--8<-- [end:" in line:
                depth -= 1
            elif (depth or path.name in whole_files) and len(line) > MAX_SHOWN_COLUMNS:
                found.append(f"{path.name}:{number}: {len(line)} columns")
    return found
