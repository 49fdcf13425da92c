"""Every module under src/metal_guide/quick_start runs as a script, as the guide says."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

import metal_guide.quick_start as qs

SRC = Path(qs.__file__).parent
# Scripts whose __main__ part launches kernels.
LAUNCHING = {"first_kernel.py", "launch_geometry.py"}
ALL = sorted(p.name for p in SRC.glob("*.py") if p.name != "__init__.py")


def test_the_list_of_launching_scripts_is_complete() -> None:
    assert LAUNCHING | {"launch_figure.py"} == set(ALL)


@pytest.mark.parametrize(
    "name",
    [pytest.param(n, marks=pytest.mark.metal) if n in LAUNCHING else n for n in ALL],
)
def test_runs_as_main(name: str, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setattr("sys.argv", [name])
    try:
        runpy.run_path(str(SRC / name), run_name="__main__")
    except SystemExit as done:  # launch_figure.py ends with `raise SystemExit(main())`
        assert done.code == 0
    assert capsys.readouterr().out.strip()  # each script reports what it did
