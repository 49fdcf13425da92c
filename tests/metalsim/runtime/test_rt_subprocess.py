"""Runs that need their own process: AddressSanitizer (LD_PRELOAD of the ASan runtime) and the
ucontext fallback build of the runtime (one runtime per process)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from metalsim.errors import ToolchainError
from metalsim.launch import asan_environment

TESTS_METALSIM = Path(__file__).resolve().parents[1]

PRELUDE = f"""
import sys
import numpy as np
sys.path.insert(0, {str(TESTS_METALSIM)!r})
from runtime.conftest import Kernel, build_kernels
from metalsim.launch import LaunchOptions, launch, runtime_info
"""


def run_script(body: str, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess:
    script = PRELUDE + textwrap.dedent(body)
    return subprocess.run(
        [sys.executable, "-c", script],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_asan_reports_threadgroup_out_of_bounds_write() -> None:
    try:
        env = asan_environment()
    except ToolchainError as e:
        print(f"skipping: {e}")
        pytest.skip(f"clang-19's ASan runtime is missing: {e}")
    proc = run_script(
        """
        so = build_kernels(sanitize=True)
        opts = LaunchOptions(sanitize=True, workers=2)
        # A correct barrier kernel runs clean under ASan (fiber switches are annotated).
        x = np.arange(512, dtype=np.float32)
        out = np.zeros(2, np.float32)
        launch(Kernel(so, "k_tree"), [x, out], (512, 1, 1), (256, 1, 1), opts)
        assert out.tolist() == [x[:256].sum(), x[256:].sum()], out
        # SIMD-group functions (fiber-to-fiber switches, snapshots on fiber stacks) too.
        n = 90
        xs = np.random.default_rng(0).random(n, dtype=np.float32)
        float_out = np.full((n, 38), np.nan, np.float32)
        uint_out = np.zeros((n, 23), np.uint32)
        args = [xs, np.arange(n, dtype=np.int32), np.array([1], np.uint32), float_out, uint_out]
        launch(Kernel(so, "k_collectives"), args, (n, 1, 1), (45, 1, 1), opts)
        assert not np.isnan(float_out[2]).any()
        print("CLEAN-RUN-OK", runtime_info(sanitize=True), flush=True)
        launch(Kernel(so, "k_tg_oob"), [np.zeros(64, np.float32)], (64, 1, 1), (64, 1, 1), opts)
        print("NOT-REACHED", flush=True)
        """,
        env,
    )
    assert "CLEAN-RUN-OK metalsim_rt 1 asm-x86_64 asan" in proc.stdout or (
        "CLEAN-RUN-OK" in proc.stdout and "asan" in proc.stdout
    ), proc.stderr[-3000:]
    assert "NOT-REACHED" not in proc.stdout
    assert proc.returncode != 0
    assert "heap-buffer-overflow" in proc.stderr, proc.stderr[-3000:]
    assert "0 bytes after 256-byte region" in proc.stderr, proc.stderr[-3000:]
    assert "k_tg_oob" in proc.stderr  # the report points into the kernel


def test_ucontext_fallback_backend() -> None:
    proc = run_script(
        """
        assert "ucontext" in runtime_info(), runtime_info()
        so = build_kernels()
        x = np.random.default_rng(0).standard_normal(2048).astype(np.float32)
        out = np.zeros(8, np.float32)
        for schedule in ("forward", "reverse", "random"):
            launch(Kernel(so, "k_tree"), [x, out], (2048, 1, 1), (256, 1, 1),
                   LaunchOptions(schedule=schedule, workers=2))
            np.testing.assert_allclose(out, x.reshape(8, 256).sum(1), rtol=1e-5)
        v = np.zeros(64, np.uint32)
        launch(Kernel(so, "k_collective_loop"), [v], (64, 1, 1), (64, 1, 1), LaunchOptions())
        assert v[3] == 32 + 24 + 16 + 8, v
        print("UCONTEXT-OK", flush=True)
        """,
        {"METALSIM_RT_VARIANT": "ucontext"},
    )
    assert "UCONTEXT-OK" in proc.stdout, proc.stderr[-3000:]


def test_fresh_process_plain_path_with_every_schedule() -> None:
    # Regression: the plain-call path used the run-order array before any fiber launch had
    # allocated it (crash on reverse/random as the first launch of a process).
    proc = run_script(
        """
        so = build_kernels()
        for schedule in ("reverse", "random", "forward"):
            out = np.zeros(64 * 38, np.uint32)
            launch(Kernel(so, "k_attrs", False), [out], (64, 1, 1), (32, 1, 1),
                   LaunchOptions(schedule=schedule, workers=2))
            assert out.reshape(64, 38)[:, 27].tolist() == [i % 32 for i in range(64)]
        print("PLAIN-OK", flush=True)
        """,
        {},
    )
    assert "PLAIN-OK" in proc.stdout, proc.stderr[-3000:]
