"""The snippet-aware doc-fence runner (tests/site/docsupport.py, wired in by conftest.py):
it runs what the site shows.

Runs a throw-away Markdown page through pytest-markdown-docs in a subprocess, with the root
conftest loaded as a plugin, and checks each fence's outcome.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from pymdownx.snippets import SnippetMissingError
from tests.site.docsupport import REPO_ROOT, _fence_needs, expand_snippets, uses_metal_kernels

LAUNCH = "metal_guide/reference_card/launch.py"


def test_expansion_matches_the_source_section() -> None:
    expanded = expand_snippets(f'--8<-- "{LAUNCH}:launch-1d"')
    assert expanded.startswith("def launch_1d(")
    assert "--8<--" not in expanded


def test_expansion_of_a_missing_section_raises() -> None:
    with pytest.raises(SnippetMissingError):
        expand_snippets(f'--8<-- "{LAUNCH}:no-such-section"')


def test_kernel_detection() -> None:
    assert uses_metal_kernels("k = mx.fast.metal_kernel(name='a')")
    assert uses_metal_kernels("from metal_guide.reference_card.card import axpy")
    assert not uses_metal_kernels("from metal_guide.reference_card.launch import launch_1d")
    assert not uses_metal_kernels("# mx.fast.metal_kernel is mentioned, not called")
    assert _fence_needs("s = mx.new_stream(mx.gpu)") == (False, True)


PAGE = f"""\
    # Runner check

    ```python
    --8<-- "{LAUNCH}:launch-helpers"
    --8<-- "{LAUNCH}:launch-1d"
    assert launch_1d(1000) == ((1000, 1, 1), (256, 1, 1))
    ```

    ```{{.python continuation}}
    assert ceil_div(33, 16) == 3  # state from the fence above
    ```

    ```python
    --8<-- "{LAUNCH}:no-such-section"
    ```

    ```python
    from metal_guide.reference_card.card import axpy
    import mlx.core as mx
    mx.eval(axpy(1.0, mx.ones((4,)), mx.ones((4,))))
    ```

    Not tested: shows a failure on purpose.

    ```{{.python notest}}
    raise RuntimeError("never collected")
    ```
    """


def test_runner_outcomes(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(textwrap.dedent(PAGE))
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "conftest", "--markdown-docs"]
        + ["--markdown-docs-syntax=superfences", "-v", "-rs", "-p", "no:cacheprovider"]
        + ["-W", "ignore::pytest.PytestUnknownMarkWarning", str(page)],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = result.stdout
    verdict = re.compile(r"::\[CodeFence#(\d+)\]\[line:\d+\] (PASSED|FAILED|SKIPPED|ERROR)")
    outcomes = {int(m[1]): m[2] for m in verdict.finditer(out)}
    assert outcomes.get(1) == "PASSED", out
    assert outcomes.get(2) == "PASSED", out
    assert outcomes.get(3) == "FAILED" and "SnippetMissingError" in out, out
    # The kernel fence runs where kernels can run and is skipped with a reason elsewhere.
    if outcomes.get(4) != "PASSED":
        assert "needs Metal" in out, out
    assert "CodeFence#5" not in out, "a notest fence was collected"
