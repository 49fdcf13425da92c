"""A threaded server that works on MLX 0.32: one thread owns the model and its stream.

Request threads never touch the model's stream. They put work on a queue and wait on a future;
the owner thread builds the model, evaluates every request and hands back evaluated arrays,
which any thread may read.
"""

from __future__ import annotations

# --8<-- [start:server]
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future

import mlx.core as mx
import numpy as np

Model = Callable[[mx.array], mx.array]


class ModelServer:
    """Serve `model(x)` from one owner thread; any thread may call `submit`."""

    def __init__(self, build_model: Callable[[], Model], timeout: float = 60.0) -> None:
        self._requests: queue.Queue[tuple[np.ndarray, Future] | None] = queue.Queue()
        self._ready = threading.Event()
        self._owner = threading.Thread(
            target=self._serve, args=(build_model,), name="model-owner", daemon=True
        )
        self._owner.start()
        if not self._ready.wait(timeout):
            raise TimeoutError("the model did not load in time")

    def _serve(self, build_model: Callable[[], Model]) -> None:
        stream = mx.new_stream(mx.gpu)  # made on, and used only by, this thread
        with mx.stream(stream):
            model = build_model()  # weights are created and evaluated here too
            self._ready.set()
            while (job := self._requests.get()) is not None:
                x, future = job
                try:
                    y = model(mx.array(x))
                    mx.eval(y)  # evaluated on the owner thread, on its stream
                    future.set_result(y)  # an evaluated array: safe to read anywhere
                except Exception as error:  # noqa: BLE001 - delivered to the caller
                    future.set_exception(error)

    def submit(self, x: np.ndarray) -> Future:
        future: Future = Future()
        self._requests.put((np.asarray(x), future))
        return future

    def close(self) -> None:
        self._requests.put(None)
        self._owner.join(timeout=60)


def build_linear() -> Model:
    """A stand-in model: fixed weights from an explicit key, built by the owner."""
    weights = mx.random.normal((16, 4), key=mx.random.key(1))
    mx.eval(weights)
    return lambda x: x @ weights
    # --8<-- [end:server]


def serve_from_threads() -> list[list[float]]:
    # --8<-- [start:clients]
    from concurrent.futures import ThreadPoolExecutor

    server = ModelServer(build_linear)
    requests = [np.full((2, 16), i, dtype=np.float32) for i in range(8)]
    with ThreadPoolExecutor(max_workers=4) as clients:  # e.g. HTTP handler threads
        futures = list(clients.map(server.submit, requests))
    answers = [f.result(timeout=60) for f in futures]
    server.close()
    print([round(a[0, 0].item(), 3) for a in answers])
    # --8<-- [end:clients]
    return [a[0].tolist() for a in answers]


if __name__ == "__main__":
    from metal_guide.timeline.gpu_mapping import cpu_if_no_gpu

    with cpu_if_no_gpu():
        serve_from_threads()
