"""pytest plugin: run the stream guides' `mx.gpu` code on a CPU stream where MLX has no GPU.

Enabled by the repository's root conftest.py. Items under MAPPED (and the example modules in
MAPPED_MODULES run by tests/site/test_site_modules.py) run inside `map_gpu_to_cpu()` when the
installed MLX has no GPU back-end. Each test that read `mx.gpu` is counted in a `gpu-mapping:`
summary line (listed one by one with `-v`) and carries a `gpu_mapping` user property; the header
says whether the mapping is on. On a Mac nothing is mapped.
"""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path
from typing import Any

import mlx.core as mx
import pytest

from metal_guide.timeline.gpu_mapping import map_gpu_to_cpu

# Pages and test folders whose code is written for mx.gpu (relative to the repository root).
MAPPED = (
    "docs/guides/devices-and-streams.md",
    "docs/guides/streams-guide.md",
    "docs/guides/streams-and-banding.md",
    "docs/reference-card.md",
    "tests/devices_and_streams/",
    "tests/streams_guide/",
    "tests/streams_and_banding/",
    "tests/reference_card/",
)
# Example modules run as scripts by tests/site/test_site_modules.py.
MAPPED_MODULES = (
    "metal_guide.devices_and_streams.",
    "metal_guide.streams_guide.",
    "metal_guide.streams_and_banding.",
    "metal_guide.reference_card.streams",
    "metal_guide.timeline.",
)


# Node ids of the tests that read mx.gpu while mapped (filled from their reports).
_mapped_ids: list[str] = []
NO_GPU_SKIP = "needs a GPU device"


def _is_mapped(item: pytest.Item) -> bool:
    relative = Path(str(item.path)).resolve().relative_to(item.config.rootpath).as_posix()
    if relative == "tests/site/test_site_modules.py":
        module = getattr(getattr(item, "callspec", None), "params", {}).get("module", "")
        return str(module).startswith(MAPPED_MODULES)
    return any(relative == p or relative.startswith(p) for p in MAPPED)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "gpu_mapped: in a stream-guide path; reads of mx.gpu return mx.cpu (no GPU)"
    )
    _mapped_ids.clear()


def pytest_report_header(config: pytest.Config) -> list[str]:
    if mx.is_available(mx.gpu):
        return ["gpu-mapping: off (this MLX has a GPU back-end; stream code runs as written)"]
    return ["gpu-mapping: ON for the stream guides: mx.gpu is mapped to mx.cpu (no GPU back-end)"]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Claim the items in MAPPED before the root conftest skips GPU code."""
    if mx.is_available(mx.gpu):
        return
    for item in items:
        if _is_mapped(item):
            item.add_marker("gpu_mapped")
            # A parametrized `skipif(no GPU)` evaluated at collection no longer applies.
            item.own_markers = [
                m
                for m in item.own_markers
                if not (m.name == "skipif" and NO_GPU_SKIP in str(m.kwargs.get("reason", "")))
            ]


_READS = pytest.StashKey[Any]()
PROPERTY = "gpu_mapping"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Generator:
    if item.get_closest_marker("gpu_mapped") is None:
        yield
        return
    with map_gpu_to_cpu() as reads:
        item.stash[_READS] = reads
        yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Generator:
    # Before the teardown report is built: it then carries the property, also across xdist.
    reads = item.stash.get(_READS, None)
    if call.when == "teardown" and reads is not None and reads.count:
        item.user_properties.append((PROPERTY, f"mx.gpu read {reads.count}x, mapped to mx.cpu"))
    yield


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "teardown" and any(k == PROPERTY for k, _ in report.user_properties):
        _mapped_ids.append(report.nodeid)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    mapped = _mapped_ids
    if not mapped:
        return
    n = len(mapped)
    terminalreporter.write_line(
        f"gpu-mapping: {n} test{'s' if n != 1 else ''} ran code written for mx.gpu on a CPU "
        "stream (this MLX has no GPU back-end; values checked, not GPU behaviour)"
    )
    if config.getoption("verbose") > 0:
        for nodeid in mapped:
            terminalreporter.write_line(f"  mapped: {nodeid}")
