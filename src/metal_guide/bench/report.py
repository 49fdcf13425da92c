"""Results of a run: effective GB/s and GFLOP/s, roofline, JSON, a table and an SVG plot.

The JSON file is the record; the table and the plot are rendered from it, so a result file
copied from a Mac renders the same way anywhere.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from metal_guide.bench.chips import lookup
from metal_guide.bench.timer import Timing

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Result:
    case: str  # e.g. "work-per-thread"
    variant: str  # "before", "after", "mlx", "mx.compile", "built-in"
    dtype: str
    size: int
    bytes_moved: int
    flops: float
    cold_s: float
    median_s: float
    p10_s: float
    p90_s: float
    repeats: int

    @classmethod
    def of(cls, case: str, variant: str, dtype: str, size: int, bytes_moved: int,
           flops: float, timing: Timing) -> Result:
        return cls(case, variant, dtype, size, bytes_moved, flops, timing.cold_s,
                   timing.median_s, timing.p10_s, timing.p90_s, len(timing.samples_s))

    @property
    def gb_s(self) -> float:
        return self.bytes_moved / self.median_s / 1e9

    @property
    def gflop_s(self) -> float:
        return self.flops / self.median_s / 1e9


def roofline_gflop_s(result: Result, device_name: str) -> float | None:
    """min(peak FP32, bandwidth x arithmetic intensity) for the chip, if the table has it."""
    chip = lookup(device_name)
    if chip is None or chip.fp32_gflops is None or result.bytes_moved == 0:
        return None
    return min(chip.fp32_gflops, chip.bandwidth_gb_s * result.flops / result.bytes_moved)


def to_json(provenance: dict[str, Any], results: list[Result]) -> dict[str, Any]:
    chip = lookup(str(provenance.get("device_name", "")))
    rows = []
    for r in results:
        row = asdict(r)
        row["gb_s"] = r.gb_s
        row["gflop_s"] = r.gflop_s
        row["fraction_of_peak_bandwidth"] = r.gb_s / chip.bandwidth_gb_s if chip else None
        row["roofline_gflop_s"] = roofline_gflop_s(r, str(provenance.get("device_name", "")))
        rows.append(row)
    return {
        "schema": SCHEMA_VERSION,
        "provenance": provenance,
        "chip_table_entry": asdict(chip) if chip else None,
        "results": rows,
    }


def write_json(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, indent=2) + "\n")


def load(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text())
    if data.get("schema") != SCHEMA_VERSION:
        raise ValueError(f"{path}: not a benchmark result file of schema {SCHEMA_VERSION}")
    return data


def banner(data: dict[str, Any]) -> str:
    p = data["provenance"]
    head = (f"{p['chip']} ({p['backend']}), MLX {p['mlx_version']}, "
            f"macOS {p['macos'] or '-'}, {p['date']}")
    if not p["speed_meaningful"]:
        head += f" -- {p['not_meaningful_reason'].upper()}"
    return head


def table(data: dict[str, Any]) -> Any:
    """A rich Table of the results."""
    from rich.table import Table

    t = Table(title=banner(data))
    for col in ("case", "variant", "dtype", "size", "cold ms", "median ms", "p10-p90 ms",
                "GB/s", "% peak BW"):
        t.add_column(col, justify="right" if col not in ("case", "variant", "dtype") else "left")
    for r in data["results"]:
        frac = r["fraction_of_peak_bandwidth"]
        t.add_row(r["case"], r["variant"], r["dtype"], str(r["size"]),
                  f"{r['cold_s'] * 1e3:.3g}", f"{r['median_s'] * 1e3:.3g}",
                  f"{r['p10_s'] * 1e3:.3g}-{r['p90_s'] * 1e3:.3g}", f"{r['gb_s']:.3g}",
                  "-" if frac is None else f"{100 * frac:.0f}")
    return t


def plot(data: dict[str, Any], path: Path) -> None:
    """Median time per case and variant (bars: p10 to p90), as an SVG for both themes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = data["results"]
    labels = [f"{r['case']} / {r['variant']} ({r['dtype']})" for r in rows]
    med = [r["median_s"] * 1e3 for r in rows]
    lo = [m - r["p10_s"] * 1e3 for m, r in zip(med, rows, strict=True)]
    hi = [r["p90_s"] * 1e3 - m for m, r in zip(med, rows, strict=True)]
    grey = "#808080"  # readable on the light and the dark theme
    with plt.rc_context({"svg.fonttype": "none", "svg.hashsalt": "bench",
                         "text.color": grey, "axes.labelcolor": grey, "axes.edgecolor": grey,
                         "xtick.color": grey, "ytick.color": grey}):
        fig, ax = plt.subplots(figsize=(8, 0.35 * len(rows) + 1.6))
        ax.barh(range(len(rows)), med, xerr=[lo, hi], color="#5b8dd9", ecolor=grey)
        ax.set_yticks(range(len(rows)), labels, fontsize=8)
        ax.invert_yaxis()
        ax.set_xlabel("median time per call (ms), bars p10-p90")
        ax.set_title(banner(data), fontsize=8)
        fig.patch.set_alpha(0)
        ax.patch.set_alpha(0)
        fig.tight_layout()
        fig.savefig(path, format="svg", metadata={"Date": None})
        plt.close(fig)
