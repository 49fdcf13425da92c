"""Streams belong to threads (MLX >= 0.31.2 for the GPU, >= 0.32.0 for the CPU)."""

from __future__ import annotations

# --8<-- [start:on-a-thread]
import threading
from collections.abc import Callable

import mlx.core as mx


def on_a_thread(fn: Callable[[], object]) -> object:
    """Run `fn` on a new thread and return its result or the exception it raised."""
    out: list[object] = []

    def run() -> None:
        try:
            out.append(fn())
        except Exception as e:  # noqa: BLE001 - handed back to the caller to inspect
            out.append(e)

    worker = threading.Thread(target=run, name="worker")
    worker.start()
    worker.join(timeout=30)
    if worker.is_alive():
        raise TimeoutError("the worker thread did not finish within 30 s")
    return out[0]
    # --8<-- [end:on-a-thread]


def foreign_stream() -> object:
    # --8<-- [start:foreign-stream]
    mine = mx.new_stream(mx.gpu)  # bound to the main thread
    x = mx.ones((8,))
    mx.eval(x)

    def work() -> mx.array:
        y = mx.add(x, 1, stream=mine)  # another thread's stream
        mx.eval(y)
        return y

    result = on_a_thread(work)
    print(repr(result))  # RuntimeError('There is no Stream(gpu, N) in current thread.')
    # --8<-- [end:foreign-stream]
    return result


def lazy_from_main() -> object:
    # --8<-- [start:lazy-from-main]
    pending = mx.ones((8,)) * 3  # not evaluated: it belongs to this thread's default stream
    result = on_a_thread(lambda: mx.eval(pending))
    print(repr(result))
    ready = mx.ones((8,)) * 3
    mx.eval(ready)  # evaluated arrays are plain data: any thread may read them
    print(on_a_thread(lambda: (ready + 1).sum().item()))
    # --8<-- [end:lazy-from-main]
    return result


def thread_local() -> tuple[object, object]:
    # --8<-- [start:thread-local]
    per_thread = mx.new_thread_local_stream(mx.gpu)  # one stream per thread that uses it
    x = mx.arange(4, dtype=mx.float32)
    mx.eval(x)

    def work() -> list[float]:
        with mx.stream(per_thread):  # resolves to this thread's own stream
            y = x * 2
        mx.eval(y)
        return y.tolist()

    print(work(), on_a_thread(work))  # both threads succeed
    # --8<-- [end:thread-local]
    return work(), on_a_thread(work)


def thread_unsafe() -> list[float]:
    # --8<-- [start:thread-unsafe]
    shared = mx.new_thread_unsafe_stream(mx.gpu)  # usable from any thread ...
    lock = threading.Lock()  # ... provided you serialise its use yourself
    x = mx.arange(4, dtype=mx.float32)
    mx.eval(x)

    def work() -> list[float]:
        with lock:
            y = mx.add(x, 10, stream=shared)
            mx.eval(y)
        return y.tolist()

    print(on_a_thread(work))
    # --8<-- [end:thread-unsafe]
    return on_a_thread(work)  # type: ignore[return-value]


if __name__ == "__main__":
    from metal_guide.timeline.gpu_mapping import cpu_if_no_gpu

    with cpu_if_no_gpu():
        foreign_stream()
        lazy_from_main()
        thread_local()
        thread_unsafe()
