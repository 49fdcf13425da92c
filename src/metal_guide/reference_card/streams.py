"""Streams on the quick reference card: overlap GPU and CPU work, join with `mx.eval`.

Written for a GPU device: on CPU-only MLX builds (Linux) `mx.new_stream(mx.gpu)` raises
`ValueError: [new_stream] Cannot make gpu stream without gpu backend.`, so the tests run it with
`mx.gpu` mapped to a CPU stream (`metal_guide.timeline.gpu_mapping`).
"""

from __future__ import annotations

import mlx.core as mx


def main() -> tuple[mx.array, mx.array]:
    # --8<-- [start:streams]
    import mlx.core as mx

    gpu = mx.new_stream(mx.gpu)  # the device argument is required
    cpu = mx.new_stream(mx.cpu)  # use a stream only on the thread that made it
    a = mx.random.normal((512, 512))
    with mx.stream(gpu):
        product = a @ a.T  # recorded for the GPU stream; nothing runs yet
    with mx.stream(cpu):
        total = a.astype(mx.float64).sum()  # float64 runs on the CPU only
    mx.eval(product, total)  # submits both streams and waits for both results
    # mx.synchronize() is not a join: it evaluates nothing and waits on one stream only.
    # --8<-- [end:streams]
    return product, total


if __name__ == "__main__":
    from metal_guide.timeline.gpu_mapping import cpu_if_no_gpu

    with cpu_if_no_gpu():
        product, total = main()
    print("product", product.shape, "sum", total.item())
