"""Streams on the quick reference card: overlap GPU and CPU work, join with `mx.eval`.

Needs a GPU device: on CPU-only MLX builds (Linux) `mx.new_stream(mx.gpu)` raises
`ValueError: [new_stream] Cannot make gpu stream without gpu backend.`
"""

from __future__ import annotations

import mlx.core as mx


def main() -> tuple[mx.array, mx.array]:
    # --8<-- [start:streams]
    gpu = mx.new_stream(mx.gpu)  # the device argument is required
    cpu = mx.new_stream(mx.cpu)  # MLX >= 0.32: use a stream only on the thread that made it
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
    product, total = main()
    print("product", product.shape, "sum", total.item())
