"""Measure banding and write the "Streams and banding" page's table and timeline figure.

Runs on whatever this MLX has: GPU streams on a Mac, CPU streams elsewhere; the outputs say
which. Usage: `python tools/streams_figures.py [--repeats N]`.
"""

from __future__ import annotations

import argparse
from dataclasses import asdict

from metal_guide.streams_and_banding.measure import band_timeline, time_banded
from metal_guide.streams_and_banding.report import TABLE, write_outputs
from metal_guide.timeline import gpu_or_cpu, where_it_ran

# (M, K, N): a small product where per-stream overhead dominates, and two tall-skinny ones.
SHAPES = ((4096, 64, 64), (65536, 256, 64), (262144, 256, 64))
BANDS = (2, 4)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    device = gpu_or_cpu()
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
            "m": m, "k": k, "n": n, "bands": 4,
            "spans": [asdict(s) for s in timeline.spans],
        },  # fmt: skip
    }
    write_outputs(data)
    print(TABLE.read_text())


if __name__ == "__main__":
    main()
