"""Unified memory, float64 on the CPU, and MLX's memory counters."""

from __future__ import annotations

import mlx.core as mx


def unified() -> mx.array:
    # --8<-- [start:unified]
    import numpy as np

    x = mx.array(np.linspace(0.0, 1.0, 1024, dtype=np.float32))
    on_gpu = mx.exp(x, stream=mx.gpu)  # the same buffer is read by either device:
    on_cpu = mx.log1p(on_gpu, stream=mx.cpu)  # no copy to or from the GPU
    mx.eval(on_cpu)
    back = np.array(on_cpu)  # a copy; np.array(on_cpu, copy=False) is a view
    print(back[:3])
    # --8<-- [end:unified]
    return on_cpu


def float64_on_cpu() -> mx.array:
    # --8<-- [start:float64]
    x = mx.random.normal((1000,))
    with mx.stream(mx.cpu):  # float64 operations must run on a CPU stream
        total = x.astype(mx.float64).sum()
    print(total.dtype, total.item())
    # --8<-- [end:float64]
    return total


def counters() -> dict[str, int]:
    # --8<-- [start:counters]
    mx.reset_peak_memory()
    big = mx.zeros((1 << 22,))  # 16 MiB of float32
    mx.eval(big)
    print("active", mx.get_active_memory(), "peak", mx.get_peak_memory())
    del big
    print("cached for reuse", mx.get_cache_memory())
    mx.clear_cache()  # give cached buffers back to the system
    previous = mx.set_memory_limit(8 << 30)  # returns the old limit
    mx.set_memory_limit(previous)
    # --8<-- [end:counters]
    return {
        "active": mx.get_active_memory(),
        "peak": mx.get_peak_memory(),
        "cache": mx.get_cache_memory(),
        "limit": previous,
    }


if __name__ == "__main__":
    from metal_guide.timeline.gpu_mapping import cpu_if_no_gpu

    with cpu_if_no_gpu():
        unified()
        float64_on_cpu()
        counters()
