"""metalsim.config: the one list of environment variables and the one cache root.

Static checks parse every module with ``ast``: no module but ``config`` names a ``METALSIM_*``
variable or decides where the cache lives. A subprocess then runs a kernel with only
``$XDG_CACHE_HOME`` set and finds every cached artefact under ``$XDG_CACHE_HOME/metalsim``.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import metalsim
from metalsim import config

PACKAGE_DIR = Path(metalsim.__file__).resolve().parent
VARIABLE = re.compile(r"METALSIM_[A-Z_]+")
# Strings that decide where a cache lives; only config.cache_root may use them.
CACHE_DECIDERS = ("XDG_CACHE_HOME", ".cache")


def stray_settings(source: str) -> list[str]:
    """String constants that are a METALSIM_* name or a cache-root decision, and Path.home()."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if VARIABLE.fullmatch(node.value) or node.value in CACHE_DECIDERS:
                found.append(node.value)
        elif isinstance(node, ast.Attribute) and node.attr == "home":
            found.append("Path.home()")
    return found


def test_only_config_names_variables_and_the_cache_root() -> None:
    stray = {
        path.relative_to(PACKAGE_DIR).as_posix(): stray_settings(path.read_text())
        for path in sorted(PACKAGE_DIR.rglob("*.py"))
        if path.name != "config.py"
    }
    assert {name: found for name, found in stray.items() if found} == {}


def test_the_static_check_finds_a_planted_variable() -> None:
    planted = 'import os\nfrom pathlib import Path\nos.environ.get("METALSIM_NEW")\nPath.home()\n'
    assert stray_settings(planted) == ["METALSIM_NEW", "Path.home()"]
    assert stray_settings('x = "XDG_CACHE_HOME"\n') == ["XDG_CACHE_HOME"]
    assert stray_settings("from metalsim import config\nconfig.env(config.CXX)\n") == []


def test_config_lists_every_variable_it_reads_and_the_runtime_reads() -> None:
    config_source = (PACKAGE_DIR / "config.py").read_text()
    constants = {
        node.value
        for node in ast.walk(ast.parse(config_source))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }
    assert {c for c in constants if VARIABLE.fullmatch(c)} == set(config.ENVIRONMENT)
    # The C++ runtime reads its variables with getenv; a plain text search is enough to list
    # the names it mentions (all of them must be in the table).
    for path in (PACKAGE_DIR / "runtime").glob("*.cpp"):
        for name in re.findall(r'getenv\("(METALSIM_\w+)"\)', path.read_text()):
            assert name in config.ENVIRONMENT, (path.name, name)
    with pytest.raises(KeyError):
        config.env("METALSIM_NOT_A_VARIABLE")


def test_cache_root_order(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(config.CACHE_DIR, raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert config.cache_root() == tmp_path / "home" / ".cache" / "metalsim"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert config.cache_root() == tmp_path / "xdg" / "metalsim"
    monkeypatch.setenv(config.CACHE_DIR, str(tmp_path / "explicit"))
    assert config.cache_root() == tmp_path / "explicit"
    # The names the other layers import are this function, not copies of its rule.
    from metalsim import toolchain

    assert toolchain.default_cache_dir is config.cache_root


PROBE = """
import mlx.core as mx
import metalsim

k = metalsim.metal_kernel(
    "xdg_probe", ["a"], ["out"],
    "uint i = thread_position_in_grid.x; out[i] = a[i] + 1.0f;",
)
(out,) = k(inputs=[mx.arange(4, dtype=mx.float32)], output_shapes=[(4,)],
           output_dtypes=[mx.float32], grid=(4, 1, 1), threadgroup=(4, 1, 1))
print(out.tolist())
"""


def test_every_cache_user_honours_xdg_cache_home(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in (config.CACHE_DIR, "XDG_CACHE_HOME")}
    env.update(XDG_CACHE_HOME=str(tmp_path / "xdg"), HOME=str(tmp_path / "home"))
    env[config.QUIET] = "1"
    run = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[1.0, 2.0, 3.0, 4.0]"
    root = tmp_path / "xdg" / "metalsim"
    assert list((root / "runtime").glob("libmetalsim_rt-*.so")), "runtime library"
    assert list((root / "kernels").glob("*/*.so")), "compiled kernel"
    assert list((root / "pch").iterdir()), "precompiled header"
    assert list((root / "preamble").glob("*.h")), "adapted MLX preamble"
    assert not (tmp_path / "home" / ".cache").exists(), "something ignored XDG_CACHE_HOME"
