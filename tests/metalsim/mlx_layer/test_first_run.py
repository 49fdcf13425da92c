"""The first run on a fresh cache says what it builds, and zig gets a cache of its own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from metalsim import first_run, toolchain

SCRIPT = """
import mlx.core as mx, metalsim
k = metalsim.metal_kernel(name="first", input_names=["x"], output_names=["y"],
                          source="uint i = thread_position_in_grid.x; y[i] = x[i] + 1.0f;")
(y,) = k(inputs=[mx.zeros((3,))], grid=(3, 1, 1), threadgroup=(3, 1, 1),
         output_shapes=[(3,)], output_dtypes=[mx.float32])
print(y.tolist())
"""


def test_announce_prints_what_and_how_long(capsys: pytest.CaptureFixture[str]) -> None:
    with first_run.announce("building a thing", "1-2 s"):
        pass
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "metalsim: building a thing, once per cache directory (usually 1-2 s)..."
    assert err[1].startswith("metalsim: building a thing: done in ")


def test_quiet_silences_it(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("METALSIM_QUIET", "1")
    with first_run.announce("building a thing", "1-2 s"):
        pass
    assert capsys.readouterr().err == ""


def test_zig_cache_is_private_per_installation(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ZIG_GLOBAL_CACHE_DIR", raising=False)
    toolchain._use_private_zig_cache(["/a/env/ziglang/zig", "c++"])
    first = os.environ["ZIG_GLOBAL_CACHE_DIR"]
    monkeypatch.delenv("ZIG_GLOBAL_CACHE_DIR")
    toolchain._use_private_zig_cache(["/another/env/ziglang/zig", "c++"])
    assert Path(first).parent == toolchain.default_cache_dir() / "zig"
    assert os.environ["ZIG_GLOBAL_CACHE_DIR"] != first
    monkeypatch.setenv("ZIG_GLOBAL_CACHE_DIR", "/mine")
    toolchain._use_private_zig_cache(["/a/env/ziglang/zig", "c++"])
    assert os.environ["ZIG_GLOBAL_CACHE_DIR"] == "/mine"  # the user's choice wins


@pytest.mark.metal
def test_fresh_cache_reports_each_one_time_build(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "METALSIM_QUIET"}
    env["METALSIM_CACHE_DIR"] = str(tmp_path)
    # zig's own build of compiler-rt (several seconds) comes from the existing zig cache.
    tc = toolchain.find_toolchain()
    if tc.kind == "zig":
        env["ZIG_GLOBAL_CACHE_DIR"] = os.environ["ZIG_GLOBAL_CACHE_DIR"]
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[1.0, 1.0, 1.0]"
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("metalsim: ")]
    started = [ln for ln in lines if ln.endswith("...")]
    assert [s.split(",")[0] for s in started] == [
        f"metalsim: building the metalsim runtime with {tc.kind}",
        "metalsim: adapting MLX 0.32.4's Metal preamble",
        "metalsim: precompiling metalsim's headers (safe math)",
    ]
    assert sum(": done in " in ln for ln in lines) == 3
