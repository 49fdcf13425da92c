"""Warm-up per variant: every dtype (and template value, input kind) compiles separately."""

# --8<-- [start:warm-up]
import mlx.core as mx

from metal_guide.bench.timer import time_call
from metal_guide.wwdc16_optimization.work_per_thread import silu_n_per_thread

for dtype in (mx.float32, mx.float16, mx.bfloat16):
    x = mx.random.normal((1 << 16,)).astype(dtype)
    t = time_call(silu_n_per_thread, x, warmup=3, repeats=10)
    # cold_s includes compiling this dtype's variant; the median does not.
    print(f"{dtype}: first call {t.cold_s * 1e3:.1f} ms, then {t.median_s * 1e3:.3f} ms")
# --8<-- [end:warm-up]
