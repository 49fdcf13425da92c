"""The harness end to end on Linux: it runs through metalsim and says so, in JSON and plot."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from metal_guide.bench import chips, report
from metal_guide.bench.__main__ import main


@pytest.mark.metal
def test_harness_runs_and_flags_metalsim(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out, svg = tmp_path / "r.json", tmp_path / "r.svg"
    assert main(["--size", "1000", "--repeats", "3", "--warmup", "1", "--no-builtins",
                 "--only", "signed-and-unsigned-offsets", "--json", str(out),
                 "--plot", str(svg)]) == 0
    data = json.loads(out.read_text())
    prov = data["provenance"]
    assert prov["backend"] == "metalsim" and prov["speed_meaningful"] is False
    assert "not meaningful for speed" in prov["not_meaningful_reason"]
    for key in ("chip", "device_name", "macos", "mlx_version", "date"):
        assert key in prov
    variants = [(r["case"], r["variant"]) for r in data["results"]]
    assert variants == [("signed-and-unsigned-offsets", v)
                        for v in ("before", "after", "mlx", "mx.compile")]
    for r in data["results"]:
        assert r["repeats"] == 3 and r["p10_s"] <= r["median_s"] <= r["p90_s"]
        assert r["bytes_moved"] == 1000 * 4 * 2  # float32 in and out
        assert r["gb_s"] == pytest.approx(r["bytes_moved"] / r["median_s"] / 1e9)
    text = svg.read_text()
    assert text.startswith("<?xml") and "NOT MEANINGFUL FOR SPEED" in text
    assert "signed-and-unsigned-offsets / after (float32)" in text
    # the table is rendered again from the file alone
    assert main(["--render", str(out)]) == 0
    assert "NOT MEANINGFUL" in capsys.readouterr().out


def test_roofline_and_fraction_of_peak_from_the_chip_table() -> None:
    r = report.Result("c", "v", "float32", 10, bytes_moved=400, flops=100.0, cold_s=1.0,
                      median_s=1e-6, p10_s=1e-6, p90_s=1e-6, repeats=1)
    m1 = chips.lookup("Apple M1")
    assert m1 is not None and m1.bandwidth_gb_s == 68.25
    # intensity 0.25 flop/byte: bandwidth-bound, 68.25 * 0.25 GFLOP/s
    assert report.roofline_gflop_s(r, "Apple M1") == pytest.approx(17.0625)
    data = report.to_json({"device_name": "Apple M1"}, [r])
    assert data["results"][0]["fraction_of_peak_bandwidth"] == pytest.approx(0.4 / 68.25)
    assert report.roofline_gflop_s(r, "Apple M3 Max") is None  # depends on GPU cores


def test_every_chip_entry_has_a_source() -> None:
    for name, chip in chips.CHIPS.items():
        assert name.startswith("Apple M") and chip.source and chip.bandwidth_gb_s > 0


def test_render_rejects_other_json(tmp_path: Path) -> None:
    f = tmp_path / "x.json"
    f.write_text("{}")
    with pytest.raises(ValueError, match="not a benchmark result file"):
        report.load(f)
