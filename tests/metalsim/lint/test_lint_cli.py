"""``python -m metalsim lint``: exit status, text and JSON output, rule list."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

BAD = '''
import mlx.core as mx

K = mx.fast.metal_kernel(name="k", input_names=["x"], output_names=["out"], source="""
    uint i = thread_position_in_grid.x;
    double d = 1;
    out[i] = x[i];
""")
'''


def _run(*args: str, guide_url: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "METALSIM_GUIDE_URL"}
    if guide_url is not None:
        env["METALSIM_GUIDE_URL"] = guide_url
    return subprocess.run([sys.executable, "-m", "metalsim", "lint", *args],
                          capture_output=True, text=True, check=False, env=env)


def test_findings_exit_1_with_line_and_link(tmp_path: Path) -> None:
    f = tmp_path / "bad.py"
    f.write_text(BAD)
    res = _run(str(f))
    assert res.returncode == 1, res.stderr
    assert f"{f}:6 (<source>:3:5): [double]" in res.stdout
    # No site address is built in: the finding names the page's source file...
    assert "see docs/guides/wwdc16-optimization.md#16-bit-types-and-no-double" in res.stdout
    assert "http" not in res.stdout
    # ...and links the published page once the reader says where the guide lives.
    linked = _run(str(f), guide_url="https://guide.test/mlx-metal-guide/").stdout
    want = "see https://guide.test/mlx-metal-guide/guides/wwdc16-optimization/#16-bit-types-and-no-double"
    assert want in linked
    data = json.loads(_run("--json", str(tmp_path)).stdout)
    assert [x["rule"] for x in data["findings"]] == ["double"]
    assert data["kernels"] == 1


def test_clean_file_exits_0(tmp_path: Path) -> None:
    f = tmp_path / "good.py"
    f.write_text(BAD.replace("double d = 1;", "float d = 1;"))
    res = _run(str(f))
    assert res.returncode == 0 and "0 finding(s)" in res.stdout, res.stdout


def test_rule_list() -> None:
    res = _run("--rules")
    assert res.returncode == 0
    assert "stack-array-dynamic-index" in res.stdout and "checklist:" in res.stdout
