"""Device labels and feature-probe skip decisions, with probe results injected."""

from __future__ import annotations

import pytest

from metal_guide.ci import device, probes


@pytest.mark.parametrize(
    ("info", "env", "metal", "emulated", "want"),
    [
        (
            {"device_name": "Apple Paravirtual device"},
            "github-hosted",
            True,
            False,
            "Apple paravirtual GPU (GitHub-hosted runner)",
        ),
        (
            {"device_name": "Apple Paravirtual device"},
            "self-hosted",
            True,
            False,
            "Apple paravirtual GPU (virtual machine)",
        ),
        (
            {"device_name": "Apple M2 Pro"},
            "self-hosted",
            True,
            False,
            "Apple hardware Apple M2 Pro",
        ),
        ({"device_name": "AMD EPYC"}, None, False, True, "emulated (metalsim) on "),
        ({"device_name": "AMD EPYC"}, None, False, False, "no Metal device (kernel tests skipped)"),
    ],
)
def test_label_names_the_device_honestly(info, env, metal, emulated, want) -> None:
    got = device.label_for(info, metal=metal, emulated=emulated, runner_environment=env)
    assert got.startswith(want)
    # A paravirtual device is never called hardware, whatever the runner.
    if "Paravirtual" in info["device_name"]:
        assert "hardware" not in got


def test_probe_runs_once_per_session() -> None:
    calls: list[str] = []

    def ok() -> None:
        calls.append("ok")

    cache = probes.ProbeCache({"simdgroup_matrix": ok})
    assert cache.get("simdgroup_matrix").supported
    assert cache.get("simdgroup_matrix").supported
    assert calls == ["ok"]


def test_missing_feature_gives_a_skip_reason_with_the_probe_finding() -> None:
    def compile_error() -> None:
        raise RuntimeError("Unable to build metal library from source\nerror: no simdgroup")

    def zeros() -> str:
        return "wrong result: got [0.0]..., expected [64.0]..."

    cache = probes.ProbeCache(
        {"simdgroup_matrix": compile_error, "float_atomics": zeros, "bfloat": lambda: None}
    )
    label = "Apple paravirtual GPU (GitHub-hosted runner)"
    reason = probes.skip_reason(["simdgroup_matrix", "bfloat"], cache, label)
    assert reason is not None
    assert reason.startswith(f"Metal feature missing on {label}: simdgroup_matrix: RuntimeError")
    assert "bfloat" not in reason  # only the missing features are named
    # A wrong answer (Metal.jl saw zeros on the paravirtual device) is also "missing".
    assert "expected [64.0]" in probes.skip_reason(["float_atomics"], cache, label)
    assert probes.skip_reason(["bfloat"], cache, label) is None


def test_unknown_feature_is_an_error_not_a_skip() -> None:
    with pytest.raises(ValueError, match="unknown Metal feature"):
        probes.ProbeCache({}).get("tensor_cores")


@pytest.mark.metal
@pytest.mark.parametrize("feature", sorted(probes.PROBES))
def test_real_probe_kernels_run_here(feature: str) -> None:
    # On Linux this reports what metalsim supports; all three features are emulated.
    result = probes.run_probe(feature)
    assert result.supported, result.detail


@pytest.mark.metal
def test_probe_with_a_wrong_expectation_reports_unsupported(monkeypatch) -> None:
    # A planted defect: the probe's check fails, so the feature must not count as supported.
    monkeypatch.setattr(probes, "_mismatch", lambda got, want: "planted mismatch")
    assert not probes.run_probe("bfloat").supported
