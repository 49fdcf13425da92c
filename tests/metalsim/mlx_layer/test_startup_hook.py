"""``METALSIM_INSTALL=1``: metalsim installed at interpreter start by the shipped ``.pth`` hook.

The hook exists for the build-at-import trap: a kernel object built at import time by MLX's own
``mx.fast.metal_kernel`` is not changed by a later ``metalsim.install()``. The subprocesses below
process the shipped ``.pth`` file the way ``site`` does for ``site-packages``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import metalsim
from metalsim import startup

pytestmark = pytest.mark.metal

PTH = Path(metalsim.__file__).parent / "metalsim_startup.pth"

# A module in the quick start's style: the kernel object is built once, at import.
BUILT_AT_IMPORT = """
import mlx.core as mx

double = mx.fast.metal_kernel(
    name="double_at_import", input_names=["x"], output_names=["y"],
    source="uint i = thread_position_in_grid.x; y[i] = 2.0f * x[i];",
)
x = mx.arange(5, dtype=mx.float32)
(y,) = double(inputs=[x], grid=(5, 1, 1), threadgroup=(32, 1, 1),
              output_shapes=[x.shape], output_dtypes=[x.dtype])
print(y.tolist())
"""


def _run(tmp_path: Path, env_value: str | None) -> subprocess.CompletedProcess[str]:
    site_dir = tmp_path / "site"
    site_dir.mkdir(exist_ok=True)
    shutil.copy(PTH, site_dir)
    script = tmp_path / "built_at_import.py"
    script.write_text(BUILT_AT_IMPORT)
    env = {k: v for k, v in os.environ.items() if k != startup.ENV_VAR}
    if env_value is not None:
        env[startup.ENV_VAR] = env_value
    # site.addsitedir processes .pth files exactly as interpreter start does for site-packages.
    code = (
        f"import site; site.addsitedir({str(site_dir)!r}); "
        f"import runpy; runpy.run_path({str(script)!r})"
    )
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300
    )


def test_shipped_pth_is_the_hook_line() -> None:
    assert PTH.read_text().strip() == startup.PTH_LINE


def test_env_var_installs_before_kernels_are_built_at_import(tmp_path: Path) -> None:
    proc = _run(tmp_path, "1")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "[0.0, 2.0, 4.0, 6.0, 8.0]"


@pytest.mark.skipif(metalsim.metal_available(), reason="MLX runs the kernel itself on a Mac")
@pytest.mark.parametrize("env_value", [None, "0"])
def test_without_the_env_var_the_kernel_has_no_back_end(
    tmp_path: Path, env_value: str | None
) -> None:
    proc = _run(tmp_path, env_value)
    assert proc.returncode != 0
    assert "No Metal back-end" in proc.stderr
