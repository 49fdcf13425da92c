"""Baseline first: time plain MLX and mx.compile, and turn the time into bandwidth."""

# --8<-- [start:baseline]
import mlx.core as mx

from metal_guide.bench.chips import lookup
from metal_guide.bench.provenance import backend
from metal_guide.bench.timer import time_call


def silu(x: mx.array) -> mx.array:
    return x * mx.sigmoid(x)


silu_compiled = mx.compile(silu)  # fuses the two element-wise ops into one kernel
x = mx.random.normal((1 << 22,))  # 16 MiB of float32
moved = 2 * x.nbytes  # the least traffic possible: read x once, write once

for name, fn in (("mlx", silu), ("mx.compile", silu_compiled)):
    t = time_call(fn, x, warmup=3, repeats=20)
    print(f"{name:>10}: {t.median_s * 1e3:.3f} ms, {moved / t.median_s / 1e9:.1f} GB/s")

if backend() == "metal":  # on a Mac: compare with the chip's peak bandwidth
    chip = lookup(str(mx.device_info()["device_name"]))
    if chip is not None:
        print(f"peak of this chip: {chip.bandwidth_gb_s} GB/s ({chip.source})")
# --8<-- [end:baseline]
