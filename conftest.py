"""Repository-wide pytest configuration.

Tests that launch a Metal kernel carry ``@pytest.mark.metal``. They run on a Mac
with Metal, or anywhere once the metalsim emulator has been swapped in; otherwise
they are skipped with the reason shown in the report.
"""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path

import mlx.core as mx
import pytest

# The doc machinery lives in an importable module; importing it registers the fence runner.
# Tests import from tests.site.docsupport; the other names are re-exported only so that
# branches written before the move keep working until they are merged (then drop them).
from tests.site.docsupport import (  # noqa: F401
    REPO_ROOT,
    _fence_needs,
    expand_snippets,
    mark_doc_fences,
    mkdocs_config,
    snippet_options,
    tracked_files,
    uses_metal_kernels,
)

# metalsim swaps in its emulator for the session when there is no Metal device.
pytest_plugins = ["metalsim.pytest_plugin"]
# The stream guides' code, written for mx.gpu, runs on a CPU stream where MLX has no GPU (reported).
pytest_plugins.append("metal_guide.timeline._pytest_plugin")
# Device header and JSON report, Metal feature skips, the Metal-vs-metalsim cross-check.
pytest_plugins.append("metal_guide.ci._pytest_plugin")


def metal_kernels_runnable() -> tuple[bool, str]:
    """Can ``mx.fast.metal_kernel`` run here, on hardware or through metalsim?"""
    if mx.metal.is_available():
        return True, "Metal device"
    try:
        import metalsim
    except ImportError:
        return False, "no Metal device and metalsim is not importable"
    if getattr(metalsim, "is_installed", lambda: False)():
        return True, "metalsim emulator"
    return False, "no Metal device and metalsim is not installed for this run"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    mark_doc_fences(items)
    ok, why = metal_kernels_runnable()
    if ok:
        return
    skip = pytest.mark.skip(reason=f"needs Metal: {why}")
    for item in items:
        if "metal" in item.keywords:
            item.add_marker(skip)


try:
    from pytest_markdown_docs.plugin import MarkdownDocstringCodeModule
except ImportError:  # plugin absent: plain pytest still works, doc fences are not collected
    pass
else:

    @pytest.hookimpl(wrapper=True)
    def pytest_collect_file(
        file_path: Path, parent: pytest.Collector
    ) -> Generator[None, list[pytest.Collector], list[pytest.Collector]]:
        """`--markdown-docs` would also import every test module to scan its docstrings;
        only docstrings under src/ are documentation."""
        collected = yield
        src = REPO_ROOT / "src"
        return [
            c
            for c in collected
            if not (isinstance(c, MarkdownDocstringCodeModule) and src not in file_path.parents)
        ]


@pytest.fixture
def requires_metal() -> None:
    """For fences (`fixture:requires_metal`) and tests that need `mx.fast.metal_kernel` to run."""
    ok, why = metal_kernels_runnable()
    if not ok:
        pytest.skip(f"needs Metal: {why}")


@pytest.fixture
def requires_gpu() -> None:
    """For fences and tests that need a GPU device (e.g. `mx.new_stream(mx.gpu)`)."""
    if not mx.is_available(mx.gpu):
        pytest.skip("needs a GPU device: this MLX build has no GPU back-end")
