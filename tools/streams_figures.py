"""Measure banding and two threads; write the stream pages' tables, figures and outputs.

Runs on whatever this MLX has: GPU streams on a Mac, CPU streams elsewhere; the outputs say
which. It also writes the printed outputs the stream pages show.
Usage: `python -m tools.streams_figures [--repeats N] [--outputs-only]` (or `make outputs`).
"""

from __future__ import annotations

import argparse
import contextlib
import io
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from metal_guide.devices_and_streams import lazy_eval
from metal_guide.streams_and_banding.measure import band_timeline, time_banded
from metal_guide.streams_and_banding.report import TABLE, write_outputs
from metal_guide.streams_guide import broken, check_overlap
from metal_guide.streams_guide import report as guide_report
from metal_guide.timeline import gpu_or_cpu, where_it_ran
from metal_guide.timeline.gpu_mapping import cpu_if_no_gpu

SRC = Path(__file__).resolve().parents[1] / "src"

# (M, K, N): a small product where per-stream overhead dominates, and two tall-skinny ones.
SHAPES = ((4096, 64, 64), (65536, 256, 64), (262144, 256, 64))
BANDS = (2, 4)


def printed(fn: Callable[[], object]) -> str:
    """What `fn` prints, as the page shows it."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), cpu_if_no_gpu():
        fn()
    return out.getvalue()


# Output blocks on the pages: (file under src/, function whose printout it is).
OUTPUTS = {
    "metal_guide/devices_and_streams/_output/synchronize.txt": (
        lazy_eval.synchronize_evaluates_nothing
    ),
    "metal_guide/streams_guide/_output/wrong_calls.txt": broken.wrong_calls,
}


def write_printed_outputs() -> None:
    for name, fn in OUTPUTS.items():
        path = SRC / name
        path.parent.mkdir(exist_ok=True)
        path.write_text(printed(fn))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--outputs-only", action="store_true", help="only the printed outputs")
    args = parser.parse_args()
    write_printed_outputs()
    if args.outputs_only:
        return
    device = gpu_or_cpu()
    with cpu_if_no_gpu():  # the example is written for mx.gpu
        two = check_overlap.two_threads()
    guide_report.write_outputs(
        {
            "provenance": where_it_ran(device).as_dict(),
            "spans": [asdict(s) for s in sorted(two.spans, key=lambda s: s.label)],
        }
    )
    rows = []
    for m, k, n in SHAPES:
        for bands in BANDS:
            t = time_banded(m, k, n, bands, device, repeats=args.repeats)
            rows.append({"m": m, "k": k, "n": n, "bands": bands, **t})
            print(rows[-1], flush=True)
    m, k, n = SHAPES[-1]
    timeline = band_timeline(m, k, n, 4, device)
    data = {
        "provenance": where_it_ran(device).as_dict(),
        "repeats": args.repeats,
        "rows": rows,
        "timeline": {
            "m": m,
            "k": k,
            "n": n,
            "bands": 4,
            "spans": [asdict(s) for s in timeline.spans],
        },  # fmt: skip
    }
    write_outputs(data)
    print(TABLE.read_text())


if __name__ == "__main__":
    main()
