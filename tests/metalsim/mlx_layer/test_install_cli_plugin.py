"""install()/uninstall(), the command line and the pytest plugin (no kernel is run here)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import mlx.core as mx
import pytest

import metalsim
from metalsim import run_settings as K
from metalsim import swap as inst


def test_install_swaps_and_restores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inst, "metal_available", lambda: False)
    before = mx.fast.metal_kernel
    was = metalsim.is_installed()
    with metalsim.installed() as active:
        assert active and metalsim.is_installed()
        assert mx.fast.metal_kernel is metalsim.metal_kernel
        with metalsim.installed():  # nesting restores in order
            assert metalsim.is_installed()
        assert metalsim.is_installed()
    assert mx.fast.metal_kernel is before and metalsim.is_installed() == was
    assert metalsim.install() is True
    metalsim.uninstall()
    assert mx.fast.metal_kernel is before


def test_install_leaves_real_metal_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inst, "metal_available", lambda: True)
    before = mx.fast.metal_kernel
    with metalsim.installed() as active:
        assert active == (before is metalsim.metal_kernel)
        assert mx.fast.metal_kernel is before
    with metalsim.installed(force=True) as active:
        assert active and mx.fast.metal_kernel is metalsim.metal_kernel
    assert mx.fast.metal_kernel is before


def test_original_is_mlx_function() -> None:
    assert inst.original_metal_kernel() is not metalsim.metal_kernel
    assert type(inst.original_metal_kernel()).__name__ == "nb_func"


def test_settings_context_and_env(monkeypatch: pytest.MonkeyPatch) -> None:
    start = metalsim.current_settings()
    with metalsim.settings(schedule="reverse", strict_barriers=True) as st:
        assert st.schedule == "reverse" and metalsim.current_settings().strict_barriers
    assert metalsim.current_settings() == start
    with pytest.raises(ValueError):
        K.parse_schedule("sideways")
    assert K.parse_schedule("random:7") == ("random", 7)
    monkeypatch.setenv("METALSIM_SCHEDULE", "random:3")
    monkeypatch.setenv("METALSIM_STRICT_BARRIERS", "1")
    st = K.settings_from_env()
    assert (st.schedule, st.seed, st.strict_barriers) == ("random", 3, True)


SCRIPT = textwrap.dedent(
    """
    import sys
    import mlx.core as mx
    k = mx.fast.metal_kernel(name="myexp", input_names=["inp"], output_names=["out"],
        source="uint i = thread_position_in_grid.x; out[i] = metal::exp(inp[i]);")
    for dt in (mx.float32, mx.float32, mx.float16):
        k(inputs=[mx.ones(16, dtype=dt)], template=[("T", mx.float32)], grid=(16, 1, 1),
          threadgroup=(16, 1, 1), output_shapes=[(16,)], output_dtypes=[dt])
    print("ARGS", sys.argv[1:])
    """
)


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "metalsim", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        check=False,
    )


def test_cli_source_prints_each_distinct_kernel(tmp_path: Path) -> None:
    script = tmp_path / "s.py"
    script.write_text(SCRIPT)
    proc = _cli("source", "--no-run", str(script), "--flag", "x")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("Generated source code for `myexp`") == 2  # two dtypes
    assert "custom_kernel_myexp__float_float_float(" in proc.stdout
    assert "custom_kernel_myexp__float_float16_t_float16_t(" in proc.stdout
    assert "ARGS ['--flag', 'x']" in proc.stdout


def test_cli_source_spec_matches_generator(tmp_path: Path) -> None:
    spec = {
        "name": "sp",
        "input_names": ["x", "n"],
        "output_names": ["y"],
        "source": "y[0] = x[0] + n + x_shape[0];",
        "inputs": [{"dtype": "bfloat16", "shape": [3, 4]}, 3],
        "output_dtypes": ["float32"],
        "template": [["T", "float16"], ["N", -2], ["B", False]],
    }
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec))
    proc = _cli("source", "--spec", str(path), "--raw")
    assert proc.returncode == 0, proc.stderr
    k = metalsim.metal_kernel("sp", ["x", "n"], ["y"], spec["source"])
    prep = k.prepare(
        inputs=[mx.zeros((3, 4), dtype=mx.bfloat16), 3],
        output_shapes=[(1,)],
        output_dtypes=[mx.float32],
        grid=(1, 1, 1),
        threadgroup=(1, 1, 1),
        template=[("T", mx.float16), ("N", -2), ("B", False)],
    )
    assert proc.stdout == prep.generated.source


def test_cli_run_installs_and_passes_arguments(tmp_path: Path) -> None:
    script = tmp_path / "r.py"
    script.write_text(
        "import sys, mlx.core as mx, metalsim\n"
        "print('INSTALLED', metalsim.is_installed(), metalsim.current_settings().schedule)\n"
        "sys.exit(int(sys.argv[1]))\n"
    )
    proc = _cli("run", "--schedule", "reverse", str(script), "3")
    assert proc.returncode == 3
    expect = "INSTALLED True reverse" if not metalsim.metal_available() else "INSTALLED"
    assert expect in proc.stdout


@pytest.mark.parametrize(
    "tail",
    [["--flag", "a", "-x"], ["--", "--flag", "a", "-x"]],
    ids=["options-after-module", "double-dash"],
)
def test_cli_run_module_gets_every_later_argument(tmp_path: Path, tail: list[str]) -> None:
    pkg = tmp_path / "clipkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "__main__.py").write_text("import sys\nprint('ARGV', sys.argv[1:])\n")
    proc = _cli("run", "-m", "clipkg", *tail, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "ARGV ['--flag', 'a', '-x']" in proc.stdout


RECAPTURE = """
import importlib, sys
import metalsim
from metalsim import kernel
mlx_own = kernel.mlx_metal_kernel()
assert type(mlx_own).__name__ == "nb_func", mlx_own
metalsim.install(force=True)
importlib.reload(kernel)
assert kernel.mlx_metal_kernel() is mlx_own, "after a reload"
del sys.modules["metalsim.kernel"]
assert importlib.import_module("metalsim.kernel").mlx_metal_kernel() is mlx_own, "fresh import"
print("SAME")
"""


def test_mlx_function_survives_a_reimport_after_install() -> None:
    # kernel.py captures MLX's function at import; imported again while metalsim is installed,
    # it must not take metalsim's own function for MLX's (a subprocess: reloads are global).
    proc = subprocess.run(
        [sys.executable, "-c", RECAPTURE], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert "SAME" in proc.stdout


def test_pytest_plugin_leaves_an_existing_install_balanced(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text(
        "import metalsim\nmetalsim.install(force=True)\n"
        "from metalsim import swap as inst\n"
        "def pytest_unconfigure(config):\n"
        "    print('STACK', len(inst._saved))\n"
    )
    (tmp_path / "test_one.py").write_text("def test_x():\n    pass\n")
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-s", "-p", "metalsim.pytest_plugin",
         "--metalsim=force", "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True, text=True, cwd=tmp_path, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # only the conftest's own install remains: the plugin neither stacked nor removed one
    assert "STACK 1" in proc.stdout


def test_cli_help_documents_commands() -> None:
    proc = _cli("--help")
    assert proc.returncode == 0
    for word in ("run", "source", "--spec", "info"):
        assert word in proc.stdout


PLUGIN_TEST = textwrap.dedent(
    """
    import mlx.core as mx
    import pytest
    import metalsim

    @pytest.mark.metal
    def test_swapped():
        assert metalsim.is_installed()
        assert metalsim.current_settings().schedule == "random"
        assert metalsim.current_settings().seed == 4
        assert metalsim.current_settings().strict_barriers
    """
)


def test_pytest_plugin_installs_and_reports(tmp_path: Path) -> None:
    if metalsim.metal_available():
        pytest.skip("the plugin only installs without Metal")
    (tmp_path / "test_p.py").write_text(PLUGIN_TEST)
    (tmp_path / "pytest.ini").write_text("[pytest]\nmarkers =\n    metal: needs Metal\n")
    proc = subprocess.run(
        [
            sys.executable, "-m", "pytest", "-p", "metalsim.pytest_plugin",
            "--metalsim-schedule=random:4", "--metalsim-strict-barriers", "-rA", str(tmp_path),
        ],
        capture_output=True, text=True, timeout=300, cwd=tmp_path, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "metalsim: Metal kernels are EMULATED on CPU (metalsim" in proc.stdout
    assert f"MLX {mx.__version__}" in proc.stdout


def test_pytest_plugin_rejects_bad_schedule(tmp_path: Path) -> None:
    (tmp_path / "test_q.py").write_text("def test_x():\n    pass\n")
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "metalsim.pytest_plugin", "-q",
         "--metalsim-schedule=sideways", str(tmp_path)],
        capture_output=True, text=True, timeout=300, cwd=tmp_path, check=False,
    )  # fmt: skip
    assert proc.returncode != 0
    assert "bad schedule" in proc.stdout + proc.stderr


LABEL_TEST = textwrap.dedent(
    """
    import mlx.core as mx
    import pytest

    @pytest.mark.metal
    def test_launches():
        k = mx.fast.metal_kernel(name="ms_label", input_names=["a"], output_names=["o"],
                                 source="o[thread_position_in_grid.x] = 2 * a[0];")
        (o,) = k(inputs=[mx.array([3.0])], output_shapes=[(4,)], output_dtypes=[mx.float32],
                 grid=(4, 1, 1), threadgroup=(4, 1, 1))
        assert mx.array_equal(o, mx.full((4,), 6.0))

    def test_no_kernel():
        pass
    """
)


def test_pytest_plugin_labels_emulated_tests(tmp_path: Path) -> None:
    if metalsim.metal_available():
        pytest.skip("the plugin only installs without Metal")
    (tmp_path / "test_l.py").write_text(LABEL_TEST)
    (tmp_path / "pytest.ini").write_text("[pytest]\nmarkers =\n    metal: needs Metal\n")
    xml = tmp_path / "report.xml"
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "metalsim.pytest_plugin", f"--junitxml={xml}",
         str(tmp_path)],
        capture_output=True, text=True, timeout=300, cwd=tmp_path, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "metalsim: 1 test ran Metal kernels EMULATED on the CPU" in proc.stdout
    report = xml.read_text()
    assert 'name="metalsim" value="emulated (1 kernel launches)"' in report
    assert report.count('name="metalsim"') == 1  # test_no_kernel is not labelled


def test_cli_run_executes_kernels(tmp_path: Path) -> None:
    if metalsim.metal_available():
        pytest.skip("emulation is only installed without Metal")
    script = tmp_path / "k.py"
    script.write_text(
        SCRIPT
        + "x = mx.linspace(-2, 2, 16)\n"
        + "(y,) = k(inputs=[x], template=[('T', mx.float32)], grid=(16, 1, 1),\n"
        + "         threadgroup=(8, 1, 1), output_shapes=[(16,)], output_dtypes=[mx.float32])\n"
        + "print('CLOSE', mx.allclose(y, mx.exp(x)).item())\n"
    )
    proc = _cli("run", str(script))
    assert proc.returncode == 0, proc.stderr
    assert "CLOSE True" in proc.stdout
