"""Every module under src/metal_guide/ runs as a script (`python -m metal_guide.<...>`).

Modules run in-process with runpy so that, on Linux, they see the metalsim emulator the test
session installs. Modules that build kernels are marked `metal` (skipped where kernels cannot run,
with the reason in the report); modules that use `mx.gpu` need a GPU device.
"""

from __future__ import annotations

import runpy
import sys

import pytest
from tests.site.docsupport import REPO_ROOT, source_marks

PACKAGE_ROOT = REPO_ROOT / "src"
def module_params() -> list[pytest.param]:
    params = []
    for path in sorted((PACKAGE_ROOT / "metal_guide").rglob("*.py")):
        if path.name == "__init__.py" or any(p.startswith("_") for p in path.parts[-2:]):
            continue  # packages and private helpers are not examples
        module = ".".join(path.relative_to(PACKAGE_ROOT).with_suffix("").parts)
        marks = source_marks(path.read_text(), package=module.rsplit(".", 1)[0])
        params.append(pytest.param(module, marks=marks, id=module))
    return params


def test_there_are_modules() -> None:
    assert module_params(), "no example modules found under src/metal_guide/"


@pytest.mark.parametrize("module", module_params())
def test_module_runs_as_script(
    module: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "argv", [module])  # no pytest arguments for the script's argparse
    # Run it fresh, as `python -m` would, even if another test imported it already.
    monkeypatch.delitem(sys.modules, module, raising=False)
    try:
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    except SystemExit as exit_:  # scripts may end with sys.exit(); only a non-zero code fails
        assert exit_.code in (0, None), f"{module} exited with {exit_.code!r}"
    capsys.readouterr()  # output is for readers; success means no exception


def test_marks_follow_the_source() -> None:
    """Guard for the detection above: the reference card's kernel module must be `metal`."""
    by_id = {p.id: p for p in module_params()}
    card = by_id["metal_guide.reference_card.card"]
    assert any(m.name == "metal" for m in card.marks)
    assert not by_id["metal_guide.reference_card.launch"].marks
