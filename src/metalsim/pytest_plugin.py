"""pytest plugin: run ``@pytest.mark.metal`` tests on the emulator when there is no Metal.

Opt-in only (never registered as an entry point): this repository enables it in its root
``conftest.py``; elsewhere use ``pytest -p metalsim.pytest_plugin``.

- Installs metalsim for the session when Metal is unavailable (``--metalsim=force`` also on a
  Mac, ``--metalsim=off`` never).
- Says so in the report header, and labels each test that launched emulated kernels: a
  ``metalsim`` user property (shows in JUnit XML) and the ``metalsim_emulated`` keyword, plus a
  summary line.
- ``--metalsim-schedule=forward|reverse|random[:SEED]`` and ``--metalsim-strict-barriers`` set
  how kernels run.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest

from metalsim import execution, run_settings
from metalsim import swap as _install

_STATE_KEY = pytest.StashKey[dict[str, Any]]()
# The session's state for the hooks that get no config (pytest_runtest_logreport).
_CONFIG_STATE: dict[str, dict[str, Any]] = {}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("metalsim", "metalsim Metal kernel emulator")
    group.addoption(
        "--metalsim",
        choices=("auto", "force", "off"),
        default="auto",
        help="emulate mx.fast.metal_kernel: auto (only without Metal, default), force, off",
    )
    group.addoption(
        "--metalsim-schedule",
        default=None,
        help="thread order in threadgroups: forward (default), reverse, random[:SEED]",
    )
    group.addoption(
        "--metalsim-strict-barriers",
        action="store_true",
        default=False,
        help="fail kernels that reach a barrier in divergent code (Apple silicon is lenient)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "metalsim_emulated: set by metalsim on tests that ran emulated Metal kernels"
    )
    mode = config.getoption("--metalsim")
    changes: dict[str, Any] = {}
    schedule = config.getoption("--metalsim-schedule")
    if schedule:
        try:
            changes["schedule"], changes["seed"] = run_settings.parse_schedule(schedule)
        except ValueError as e:
            raise pytest.UsageError(str(e)) from None
    if config.getoption("--metalsim-strict-barriers"):
        changes["strict_barriers"] = True
    previous = run_settings.configure(**changes) if changes else None
    installed = False
    # Already installed (e.g. by the user's conftest): leave it alone, so the install stack
    # stays balanced; only a swap made here is undone in pytest_unconfigure.
    if mode != "off" and not _install.is_installed():
        installed = _install.install(force=mode == "force")
    config.stash[_STATE_KEY] = {
        "installed": installed,
        "previous_settings": previous,
        "emulated_tests": 0,
    }
    _CONFIG_STATE["state"] = config.stash[_STATE_KEY]


def pytest_unconfigure(config: pytest.Config) -> None:
    state = config.stash.get(_STATE_KEY, None)
    if not state:
        return
    if state["installed"]:
        _install.uninstall()
    if state["previous_settings"] is not None:
        run_settings.configure(**vars(state["previous_settings"]))


def _compiler_version() -> str:
    try:
        from metalsim import toolchain

        return toolchain.find_toolchain().version_string
    except Exception as e:  # noqa: BLE001 - the header reports what is missing
        return f"unavailable: {e}"


def pytest_report_header(config: pytest.Config) -> list[str]:
    import mlx.core as mx

    import metalsim

    if not _install.is_installed():
        why = "Metal device present" if _install.metal_available() else "--metalsim=off"
        return [f"metalsim: not installed ({why}); Metal kernels run on hardware or are skipped"]
    st = run_settings.current_settings()
    schedule = st.schedule + (f":{st.seed}" if st.schedule == "random" else "")
    return [
        f"metalsim: Metal kernels are EMULATED on CPU (metalsim {metalsim.__version__}, "
        f"MLX {mx.__version__}, compiler {_compiler_version()})",
        f"metalsim: schedule={schedule} strict_barriers={st.strict_barriers}",
    ]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, Any, None]:
    before = execution.launch_count
    yield
    launched = execution.launch_count - before
    if launched and _install.is_installed():
        item.user_properties.append(("metalsim", f"emulated ({launched} kernel launches)"))
        item.add_marker("metalsim_emulated")


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    # Counted from the report, not the item: with pytest-xdist the reports (and their user
    # properties) reach the controlling process, which prints the summary.
    if report.when == "call" and any(k == "metalsim" for k, _ in report.user_properties):
        state = _CONFIG_STATE.get("state")
        if state is not None:
            state["emulated_tests"] += 1


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    state = config.stash.get(_STATE_KEY, None)
    if state and state["emulated_tests"]:
        n = state["emulated_tests"]
        terminalreporter.write_line(
            f"metalsim: {n} test{'s' if n != 1 else ''} ran Metal kernels EMULATED on the CPU "
            "(not on Apple hardware)"
        )
