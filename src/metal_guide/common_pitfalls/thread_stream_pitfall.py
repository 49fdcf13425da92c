"""Pitfall: a stream made on one thread, used on another (MLX 0.31.2 and later)."""

# --8<-- [start:broken]
from concurrent.futures import ThreadPoolExecutor

import mlx.core as mx

side = mx.new_stream(mx.cpu)  # made on the main thread: bound to it


def broken(x: mx.array) -> mx.array:
    def work() -> mx.array:
        y = mx.add(x, 1, stream=side)
        mx.eval(y)  # this worker thread has no such stream
        return y

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(work).result()
# --8<-- [end:broken]


# --8<-- [start:fixed]
worker_side = mx.new_thread_local_stream(mx.cpu)  # one stream per thread that uses it


def fixed(x: mx.array) -> mx.array:
    def work() -> mx.array:
        y = mx.add(x, 1, stream=worker_side)
        mx.eval(y)  # evaluate on the thread that owns the stream
        return y

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(work).result()
# --8<-- [end:fixed]


if __name__ == "__main__":
    x = mx.ones(3)
    mx.eval(x)
    try:
        broken(x)
    except RuntimeError as e:
        print(e)
    assert mx.array_equal(fixed(x), mx.full((3,), 2.0))
