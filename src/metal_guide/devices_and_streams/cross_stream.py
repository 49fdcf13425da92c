"""Work on one stream that reads another stream's output waits for it: MLX adds the dependency."""

from __future__ import annotations

import mlx.core as mx


# --8<-- [start:dependency]
def producer_consumer(n: int) -> mx.array:
    producer = mx.new_stream(mx.gpu)
    consumer = mx.new_stream(mx.cpu)
    with mx.stream(producer):
        written = mx.cumsum(mx.ones((n,), dtype=mx.int32))  # 1, 2, ..., n
    with mx.stream(consumer):
        total = written.sum()  # reads the producer's output
    mx.eval(total)  # MLX orders the two streams: the sum sees every write
    return total
    # --8<-- [end:dependency]


def run() -> int:
    # --8<-- [start:run]
    n = 1 << 15
    print(producer_consumer(n).item(), n * (n + 1) // 2)  # the two are equal
    # --8<-- [end:run]
    return n


if __name__ == "__main__":
    from metal_guide.timeline.gpu_mapping import cpu_if_no_gpu

    with cpu_if_no_gpu():
        run()
