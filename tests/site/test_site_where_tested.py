"""The "Tested:" badge hook: which run reports back which claims, and where badges go."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from metal_guide.site import where_tested

REPORT = {
    "schema": "metal-guide-run/1",
    "device": {
        "backend": "metalsim",
        "label": "emulated (metalsim) on Linux",
        "mlx_version": "0.32.4",
        "platform": "Linux-6.1-x86_64",
        "device_info": {"device_name": "AMD EPYC"},
    },
    "outcomes": {"passed": 10, "skipped": 1},
}


def _report(**device: str) -> dict:
    r = copy.deepcopy(REPORT)
    r["device"].update(device)
    return r


def test_claims_follow_the_recorded_device() -> None:
    assert where_tested.claim(REPORT) == "emulated on Linux (metalsim), MLX 0.32.4"
    hosted = _report(backend="metal", label="Apple paravirtual GPU (GitHub-hosted runner)")
    assert where_tested.claim(hosted) == "Apple paravirtual GPU (GitHub-hosted runner), MLX 0.32.4"
    bare = _report(backend="metal", label="Apple hardware Apple M2 Pro")
    assert where_tested.claim(bare) == "Apple hardware Apple M2 Pro, MLX 0.32.4"


@pytest.mark.parametrize(
    "change",
    [
        lambda r: r["outcomes"].update(failed=1),  # a failing run backs nothing
        lambda r: r["outcomes"].update(passed=0),  # nor one that ran nothing
        lambda r: r.update(schema="other/1"),
        lambda r: r["device"].update(backend="none", label="no Metal device"),
        # "metal" backend with a label this project does not issue: no guess at what it was.
        lambda r: r["device"].update(backend="metal", label="real GPU"),
    ],
)
def test_reports_that_back_nothing(change) -> None:
    r = copy.deepcopy(REPORT)
    change(r)
    assert where_tested.claim(r) is None


def test_claims_read_the_results_folder_strongest_first(tmp_path: Path) -> None:
    bare = _report(backend="metal", label="Apple hardware Apple M1")
    for name, doc in [("a.json", REPORT), ("b.json", bare), ("c.json", REPORT)]:
        (tmp_path / name).write_text(json.dumps(doc))
    assert where_tested.claims(tmp_path) == [
        "Apple hardware Apple M1, MLX 0.32.4",
        "emulated on Linux (metalsim), MLX 0.32.4",
    ]


KERNEL = (
    '<div class="language-python highlight"><pre><span></span><code>'
    "<span>k</span> = mx.fast.metal_kernel(name=&quot;k&quot;)\n<div>x</div></code></pre></div>"
)
PLAIN = '<div class="language-python highlight"><pre><code>print(1)</code></pre></div>'
SIGNATURE = (
    '<div class="language-python doc-signature highlight">'
    "<pre><code>metal_kernel(name)</code></pre></div>"
)
TEXT = '<div class="language-text highlight"><pre><code>metal_kernel(</code></pre></div>'


def test_badge_goes_after_each_kernel_block_only() -> None:
    html = f"<p>a</p>\n{KERNEL}\n<div>\n{PLAIN}\n{TEXT}\n{SIGNATURE}\n{KERNEL}</div>"
    out = where_tested.add_badges(html, ["emulated on Linux (metalsim), MLX 0.32.4"])
    badge = where_tested.badge_html(["emulated on Linux (metalsim), MLX 0.32.4"])
    assert out.count(badge) == 2
    assert out == html.replace(KERNEL, KERNEL + badge)


def test_no_claims_no_badge() -> None:
    assert where_tested.add_badges(KERNEL, []) == KERNEL


def test_badge_text_is_escaped() -> None:
    assert "&lt;b&gt;" in where_tested.badge_html(["<b>"])


def test_committed_results_back_the_emulated_claim() -> None:
    root = Path(__file__).resolve().parents[2]
    assert "emulated on Linux (metalsim), MLX 0.32.4" in where_tested.claims(root / "results")
