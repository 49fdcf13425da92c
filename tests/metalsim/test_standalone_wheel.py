"""metalsim on its own: build the ``mlx-metalsim`` wheel, install it into a fresh virtual
environment, and run a kernel there, with ``METALSIM_INSTALL=1`` and an unmodified script.

The fresh environment gets the wheel and nothing of this checkout. Its three dependencies (MLX,
NumPy, ziglang) are not downloaded again: a ``.pth`` file points at a directory holding links to
just those packages of the current environment, and the test checks that the wheel declares
exactly those dependencies.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPENDENCIES = ("mlx", "numpy", "ziglang")

SCRIPT = """
import mlx.core as mx
import metalsim

double = mx.fast.metal_kernel(
    name="double", input_names=["x"], output_names=["y"],
    source="uint i = thread_position_in_grid.x; y[i] = 2.0f * x[i];",
)
x = mx.arange(4, dtype=mx.float32)
(y,) = double(inputs=[x], grid=(4, 1, 1), threadgroup=(4, 1, 1),
              output_shapes=[x.shape], output_dtypes=[x.dtype])
print(metalsim.__file__)
print(y.tolist())
"""

REQUIREMENTS = """
from importlib.metadata import requires
print("\\n".join(sorted(requires("mlx-metalsim"))))
"""


def _run(cmd: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, **kwargs)
    assert proc.returncode == 0, f"{cmd}:\n{proc.stdout}\n{proc.stderr}"
    return proc


def _link_dependencies(target: Path) -> None:
    """Links to the installed MLX, NumPy and ziglang (packages and their dist-info)."""
    site = Path(sysconfig.get_paths()["purelib"])
    target.mkdir()
    for entry in site.iterdir():
        # mlx, mlx_cpu (mlx[cpu]), numpy, their .libs and dist-info; not this guide.
        if entry.name.startswith(DEPENDENCIES) and not entry.name.startswith("mlx_metal_guide"):
            (target / entry.name).symlink_to(entry)


@pytest.mark.slow
@pytest.mark.metal
def test_wheel_installs_alone_and_runs_a_kernel(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist),
          str(ROOT / "packages" / "metalsim")])  # fmt: skip
    (wheel,) = dist.glob("mlx_metalsim-*.whl")

    env_dir = tmp_path / "env"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    site = Path(
        _run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]
        ).stdout.strip()
    )
    deps = tmp_path / "deps"
    _link_dependencies(deps)
    (site / "zz_test_dependencies.pth").write_text(f"{deps}\n")
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps",
          "--no-index", str(wheel)])  # fmt: skip

    requires = _run([str(python), "-c", REQUIREMENTS]).stdout.split("\n")
    names = {r.split(";")[0].split("[")[0].split("<")[0].split(">")[0].strip() for r in requires}
    assert names - {""} == set(DEPENDENCIES)

    script = tmp_path / "unmodified.py"
    script.write_text(SCRIPT)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "METALSIM_INSTALL")}
    env["METALSIM_INSTALL"] = "1"
    out = _run([str(python), str(script)], env=env, cwd=tmp_path).stdout.splitlines()
    assert Path(out[-2]).is_relative_to(env_dir), "metalsim did not come from the wheel"
    assert out[-1] == "[0.0, 2.0, 4.0, 6.0]"


GUIDE_SCRIPT = """
import metal_guide
import metalsim
print(metal_guide.__file__)
print(metalsim.__file__)
"""


def _purelib(python: Path) -> Path:
    code = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    return Path(_run([str(python), "-c", code]).stdout.strip())


@pytest.mark.slow
@pytest.mark.metal
def test_guide_wheel_depends_on_metalsim_wheel_instead_of_bundling_it(tmp_path: Path) -> None:
    """The guide's wheel holds metal_guide only and requires mlx-metalsim; the two wheels install
    side by side, and the start-up hook comes from mlx-metalsim, once."""
    dist = tmp_path / "dist"
    for project in (ROOT, ROOT / "packages" / "metalsim"):
        _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist),
              str(project)])  # fmt: skip
    (guide,) = dist.glob("mlx_metal_guide-*.whl")
    (metalsim_wheel,) = dist.glob("mlx_metalsim-*.whl")

    guide_files = zipfile.ZipFile(guide).namelist()
    assert not [f for f in guide_files if f.startswith("metalsim")], "guide wheel bundles metalsim"
    metadata = next(f for f in guide_files if f.endswith(".dist-info/METADATA"))
    requires = [
        line.removeprefix("Requires-Dist: ")
        for line in zipfile.ZipFile(guide).read(metadata).decode().splitlines()
        if line.startswith("Requires-Dist: ") and "extra ==" not in line
    ]
    assert any(r.startswith("mlx-metalsim") for r in requires), requires
    assert "metalsim_startup.pth" in zipfile.ZipFile(metalsim_wheel).namelist()

    env_dir = tmp_path / "env"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    site = _purelib(python)
    deps = tmp_path / "deps"
    _link_dependencies(deps)
    (site / "zz_test_dependencies.pth").write_text(f"{deps}\n")
    # --no-index: the guide's dependency on mlx-metalsim is met by the local wheel only.
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps",
          "--no-index", str(guide), str(metalsim_wheel)])  # fmt: skip
    assert [p.name for p in site.glob("*.pth") if p.name == "metalsim_startup.pth"] == [
        "metalsim_startup.pth"
    ]

    script = tmp_path / "imports.py"
    script.write_text(GUIDE_SCRIPT)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "METALSIM_INSTALL")}
    out = _run([str(python), str(script)], env=env, cwd=tmp_path).stdout.splitlines()
    assert all(Path(line).is_relative_to(env_dir) for line in out[-2:]), out
    kernel = tmp_path / "unmodified.py"
    kernel.write_text(SCRIPT)
    env["METALSIM_INSTALL"] = "1"
    out = _run([str(python), str(kernel)], env=env, cwd=tmp_path).stdout.splitlines()
    assert out[-1] == "[0.0, 2.0, 4.0, 6.0]"


def test_development_install_maps_metalsim_to_the_checkout() -> None:
    """`make venv` installs packages/metalsim editable: the metalsim imported here is this
    checkout's src/metalsim, not a copy made at install time."""
    from importlib.metadata import distribution

    import metalsim

    assert distribution("mlx-metalsim").metadata["Name"] == "mlx-metalsim"
    assert Path(metalsim.__file__).resolve().parent == ROOT / "src" / "metalsim"
