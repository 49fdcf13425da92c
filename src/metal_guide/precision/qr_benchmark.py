"""Time `qr` on a 512 x 256 float32 matrix (emulated through metalsim on Linux).

`python -m metalsim run -m metal_guide.precision.qr_benchmark` prints the wall time of the
first call (kernel compilation included, if the metalsim cache is cold) and of a second call,
with the LAPACK-style accuracy ratios. Target: 20 s or less through metalsim on a 2-core machine.
"""

from __future__ import annotations

import time

import mlx.core as mx
import numpy as np

from metal_guide.kernels.qr import qr

SHAPE = (512, 256)
TARGET_SECONDS = 20.0


def timed_qr(a: mx.array) -> tuple[float, mx.array, mx.array]:
    start = time.perf_counter()
    q, r = qr(a)
    mx.eval(q, r)
    return time.perf_counter() - start, q, r


def main() -> dict[str, float]:
    a_np = np.random.default_rng(0).standard_normal(SHAPE).astype(np.float32)
    a = mx.array(a_np)
    first, _, _ = timed_qr(a)
    second, q, r = timed_qr(a)
    eps = 2.0**-24
    m, n = SHAPE
    q64, r64, a64 = (np.array(t, dtype=np.float64) for t in (q, r, a_np))
    residual = np.linalg.norm(a64 - q64 @ r64, 1) / (m * np.linalg.norm(a64, 1) * eps)
    orthogonality = np.linalg.norm(np.eye(n) - q64.T @ q64, 1) / (m * eps)
    return {"first_call_s": first, "second_call_s": second, "residual": residual,
            "orthogonality": orthogonality}  # fmt: skip


if __name__ == "__main__":
    result = main()
    print(
        f"qr {SHAPE[0]} x {SHAPE[1]}: first call {result['first_call_s']:.2f} s, "
        f"second {result['second_call_s']:.2f} s (target <= {TARGET_SECONDS:.0f} s); "
        f"ratios {result['residual']:.3f}, {result['orthogonality']:.3f}"
    )
