"""Measure how far the grid_sample VJP kernel of MLX's documentation is off, per axis.

The page https://ml-explore.github.io/mlx/build/html/dev/custom_metal_kernels.html builds a
grid_sample VJP kernel that scales the grid gradient by ``W / 2`` and ``H / 2`` computed in
integer arithmetic. For odd W or H that truncates, so the x and y components of ``grid_grad``
should come out scaled by ``(W - 1) / W`` and ``(H - 1) / H``. This command runs the page's
code unmodified under metalsim (with the helpers of ``tools/ecosystem/checks_mlx.py``, on a
checkout of ml-explore/mlx) and prints the measured ratios kernel / reference, for an even and
an odd image.

Usage::

    python -m tools.ecosystem.grid_sample_vjp --mlx ../mlx [--json out.json]

Results are EMULATED on the CPU; the finding has not been confirmed on Apple hardware.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from tools.ecosystem.checks_mlx import (
    differentiable_reference,
    docs_blocks,
    grid_sample_inputs,
    grid_sample_with_vjp,
)
from tools.ecosystem.harness import as_if_on_a_mac


def measure(mlx_root: Path) -> list[dict[str, object]]:
    import mlx.core as mx
    import numpy as np

    blocks = docs_blocks(mlx_root)
    ref = differentiable_reference(blocks)  # as in the check: no gradient through indices
    rows = []
    with as_if_on_a_mac():
        grid_sample = grid_sample_with_vjp(blocks)
        for shape in ((2, 8, 12, 3), (2, 9, 13, 3)):
            x, grid = grid_sample_inputs(mx.float32, shape)
            cot = mx.random.normal((2, 5, 7, 3))
            _, (_, dgrid) = mx.vjp(lambda a, b: grid_sample(a, b), [x, grid], [cot])
            _, (_, rdgrid) = mx.vjp(lambda a, b: ref(a, b), [x, grid], [cot])
            _, h, w, _ = shape
            row: dict[str, object] = {"shape": list(shape), "H": h, "W": w}
            for name, axis, size in (("x", 0, w), ("y", 1, h)):
                got = np.array(dgrid[..., axis]).reshape(-1)
                want = np.array(rdgrid[..., axis]).reshape(-1)
                keep = np.abs(want) > 1e-3  # ratios of near-zero gradients are noise
                n = int(keep.sum())
                ratios = got[keep] / want[keep]
                row[f"{name}_ratio_median"] = float(np.median(ratios)) if n else None
                row[f"{name}_ratio_spread"] = float(ratios.max() - ratios.min()) if n else None
                row[f"{name}_expected"] = (size // 2) / (size / 2)
                row[f"{name}_points"] = n
            rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mlx", type=Path, required=True, help="checkout of ml-explore/mlx")
    parser.add_argument("--json", type=Path, help="write the results here")
    args = parser.parse_args(argv)
    rows = measure(args.mlx)
    for r in rows:
        print(
            f"H={r['H']} W={r['W']}: grid_grad x ratio {r['x_ratio_median']:.6f} "
            f"(integer W/2 predicts {r['x_expected']:.6f}), y ratio {r['y_ratio_median']:.6f} "
            f"(integer H/2 predicts {r['y_expected']:.6f})"
        )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
