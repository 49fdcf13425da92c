"""pytest plugin for runs that execute Metal kernels: device header, feature skips, cross-check.

Enabled in the root ``conftest.py``. It

- prints the device record (label, ``mx.device_info()``, MLX version, platform) in the report
  header, and with ``--metal-report=PATH`` writes it, the feature probes and the outcome counts
  as JSON;
- skips tests marked ``@pytest.mark.metal_feature("simdgroup_matrix", ...)`` when a probe shows
  that the device (or metalsim) lacks the feature, with the probe's finding as the reason;
- with ``--metal-crosscheck=PATH`` on a machine with Metal, runs every ``metal`` test a second
  time through metalsim and writes the per-kernel comparison as JSON. Without Metal it writes
  a "skipped" record with the reason instead.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from metal_guide.ci import crosscheck, probes
from metal_guide.ci.device import DeviceRecord, current_device

_STATE = pytest.StashKey[dict[str, Any]]()
_FEATURE_SKIP_PREFIX = "Metal feature missing on "


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("metal_guide.ci", "Metal CI reports")
    group.addoption(
        "--metal-report",
        type=Path,
        default=None,
        help="write the device record, feature probes and outcomes as JSON here",
    )
    group.addoption(
        "--metal-crosscheck",
        type=Path,
        default=None,
        help="run each metal test on Metal and through metalsim; write the "
        "per-kernel comparison as JSON here (needs a Metal device)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "metal_feature(*names): needs these Metal features (probed once per session: "
        f"{', '.join(probes.PROBES)}); skipped with the probe's finding where missing",
    )
    config.stash[_STATE] = {
        "probes": probes.ProbeCache(),
        "recorder": crosscheck.Recorder(),
        "outcomes": {},
        "feature_skips": [],
    }


def _state(config: pytest.Config) -> dict[str, Any]:
    return config.stash[_STATE]


def _device(config: pytest.Config) -> DeviceRecord:
    st = _state(config)
    if "device" not in st:
        st["device"] = current_device()
    return st["device"]


def crosscheck_skip_reason(device: DeviceRecord) -> str | None:
    """The cross-check compares Metal with metalsim; it needs a real Metal device."""
    if device.backend != "metal":
        return (
            f"no Metal device here ({device.label}); the Metal side of the cross-check "
            "does not exist, so nothing is compared"
        )
    return None


def pytest_report_header(config: pytest.Config) -> list[str]:
    d = _device(config)
    lines = [
        f"metal device: {d.label} (MLX {d.mlx_version}, {d.platform})",
        f"metal device_info: {json.dumps(d.device_info, sort_keys=True)}",
    ]
    if config.getoption("--metal-crosscheck"):
        why = crosscheck_skip_reason(d)
        lines.append(f"metal cross-check: {'SKIPPED: ' + why if why else 'Metal vs metalsim'}")
    return lines


def _kernels_runnable(device: DeviceRecord) -> bool:
    return device.backend in ("metal", "metalsim")


def pytest_runtest_setup(item: pytest.Item) -> None:
    features = [f for m in item.iter_markers("metal_feature") for f in m.args]
    if not features:
        return
    device = _device(item.config)
    if not _kernels_runnable(device):
        pytest.skip(f"needs Metal features {features}: no Metal device and metalsim not installed")
    reason = probes.skip_reason(features, _state(item.config)["probes"], device.label)
    if reason:
        pytest.skip(reason)


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    config = pyfuncitem.config
    if not config.getoption("--metal-crosscheck") or "metal" not in pyfuncitem.keywords:
        return None
    if crosscheck_skip_reason(_device(config)) is not None:
        return None
    import metalsim

    recorder: crosscheck.Recorder = _state(config)["recorder"]
    func = pyfuncitem.obj
    kwargs = {a: pyfuncitem.funcargs[a] for a in pyfuncitem._fixtureinfo.argnames}
    with recorder.recording(pyfuncitem.nodeid, "metal"):
        func(**kwargs)
    # The emulated pass reuses the same fixture values. Its failures are recorded in the
    # cross-check JSON (an emulator fidelity finding), not raised: the Metal pass decides the test.
    try:
        with metalsim.installed(force=True), recorder.recording(pyfuncitem.nodeid, "metalsim"):
            func(**kwargs)
    except Exception as e:  # noqa: BLE001
        _state(config).setdefault("metalsim_failures", []).append(
            {"test": pyfuncitem.nodeid, "error": f"{type(e).__name__}: {e}"[:500]}
        )
    return True


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    # Reaches the controlling process under pytest-xdist, so counts cover every worker.
    if report.when == "call":
        outcome = report.outcome
    elif report.skipped and report.when == "setup":
        outcome = "skipped"
    elif report.failed:  # a fixture failed in setup or teardown: the run did not pass
        outcome = "error"
    else:
        return
    config = _CONFIG.get("config")
    if config is None:
        return
    st = _state(config)
    st["outcomes"][outcome] = st["outcomes"].get(outcome, 0) + 1
    if report.skipped and isinstance(report.longrepr, tuple):
        reason = str(report.longrepr[2]).removeprefix("Skipped: ")
        if reason.startswith(_FEATURE_SKIP_PREFIX):
            st["feature_skips"].append({"test": report.nodeid, "reason": reason})


_CONFIG: dict[str, pytest.Config] = {}


@pytest.hookimpl(trylast=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    _CONFIG["config"] = session.config


def build_report(
    device: DeviceRecord,
    invocation: list[str],
    probe_results: dict[str, probes.ProbeResult],
    outcomes: dict[str, int],
    feature_skips: list[dict[str, str]],
) -> dict[str, Any]:
    """The ``--metal-report`` JSON document."""
    return {
        "schema": "metal-guide-run/1",
        "device": device.as_dict(),
        # What was run: a badge cites this run, so its scope must be visible.
        "pytest_args": invocation,
        "probes": {name: r.as_dict() for name, r in probe_results.items()},
        "outcomes": outcomes,
        "feature_skips": feature_skips,
    }


def build_crosscheck(
    device: DeviceRecord,
    rows: list[dict[str, Any]],
    metalsim_failures: list[dict[str, str]],
    skipped: str | None,
) -> dict:
    """The ``--metal-crosscheck`` JSON document."""
    doc: dict[str, Any] = {"schema": "metal-guide-crosscheck/1", "device": device.as_dict()}
    if skipped:
        return {**doc, "status": "skipped", "reason": skipped}
    return {
        **doc,
        "status": "compared",
        "kernels": crosscheck.summarize(rows),
        "calls": rows,
        "metalsim_failures": metalsim_failures,
    }


def _worker_id(config: pytest.Config) -> str | None:
    workerinput = getattr(config, "workerinput", None)
    return workerinput["workerid"] if workerinput else None


def _write(path: Path, doc: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n")


def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    st = _state(config)
    device = _device(config)
    worker = _worker_id(config)
    cc_path: Path | None = config.getoption("--metal-crosscheck")
    if cc_path is not None:
        skipped = crosscheck_skip_reason(device)
        part = cc_path.with_name(f"{cc_path.stem}.part-{worker or 'main'}.json")
        if not skipped:
            rows = crosscheck.compare(st["recorder"])
            _write(part, {"rows": rows, "metalsim_failures": st.get("metalsim_failures", [])})
        if worker is None:  # the controller (or a run without xdist) merges the parts
            rows, failures = [], []
            for p in sorted(cc_path.parent.glob(f"{cc_path.stem}.part-*.json")):
                data = json.loads(p.read_text())
                rows += data["rows"]
                failures += data["metalsim_failures"]
                p.unlink()
            _write(cc_path, build_crosscheck(device, rows, failures, skipped))
    report_path: Path | None = config.getoption("--metal-report")
    if report_path is not None and worker is None:
        results = st["probes"].all() if _kernels_runnable(device) else {}
        _write(
            report_path,
            build_report(
                device,
                [str(a) for a in config.invocation_params.args],
                results,
                st["outcomes"],
                st["feature_skips"],
            ),
        )


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    st = _state(config)
    if st["feature_skips"]:
        terminalreporter.write_line(
            f"metal features: {len(st['feature_skips'])} test(s) skipped for a missing feature "
            f"on {_device(config).label}"
        )
    for r in st["probes"].results.values():
        terminalreporter.write_line(
            f"metal feature {r.feature}: {'supported' if r.supported else 'MISSING'} ({r.detail})"
        )
