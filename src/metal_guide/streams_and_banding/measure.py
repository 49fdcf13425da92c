"""Measure banding: unbanded vs S bands on S streams, and a per-band timeline.

`tools/streams_figures.py` runs these at full size and writes the page's table and figure;
run as a script, this module does a quick small-size pass.
"""

from __future__ import annotations

import statistics
import threading
import time

import mlx.core as mx

from metal_guide.streams_and_banding.banding import banded_matmul
from metal_guide.timeline import Timeline


def _operands(m: int, k: int, n: int) -> tuple[mx.array, mx.array]:
    a = mx.random.normal((m, k), key=mx.random.key(0))
    b = mx.random.normal((k, n), key=mx.random.key(1))
    mx.eval(a, b)
    return a, b


def time_banded(
    m: int, k: int, n: int, bands: int, device: mx.DeviceType, repeats: int = 5
) -> dict[str, float]:
    """Median seconds of `a @ b` unbanded (one stream) and in `bands` bands on `bands` streams.

    Also `ratio`: the median over repeats of banded / unbanded, each pair timed back to back.
    """
    a, b = _operands(m, k, n)
    one = mx.new_stream(device)
    many = [mx.new_stream(device) for _ in range(bands)]

    def unbanded() -> mx.array:
        with mx.stream(one):
            return a @ b

    def banded() -> mx.array:
        return banded_matmul(a, b, many)

    # Alternate the two in each repeat, so that both see the same machine load.
    builds = {"unbanded": unbanded, "banded": banded}
    samples: dict[str, list[float]] = {name: [] for name in builds}
    for build in builds.values():
        mx.eval(build())  # warm-up
    for _ in range(repeats):
        for name, build in builds.items():
            start = time.perf_counter()
            mx.eval(build())
            samples[name].append(time.perf_counter() - start)
    result = {name: statistics.median(times) for name, times in samples.items()}
    result["ratio"] = statistics.median(
        b / u for b, u in zip(samples["banded"], samples["unbanded"], strict=True)
    )
    return result


def band_timeline(m: int, k: int, n: int, bands: int, device: mx.DeviceType) -> Timeline:
    """Evaluate each band on its own thread and stream, recording when each one runs."""
    a, b = _operands(m, k, n)
    timeline = Timeline()
    per_thread = mx.new_thread_local_stream(device)
    edges = [round(i * m / bands) for i in range(bands + 1)]
    start_together = threading.Barrier(bands)

    def run(i: int) -> None:
        with mx.stream(per_thread):  # this thread's own stream
            band = a[edges[i] : edges[i + 1]] @ b
            stream = mx.default_stream(mx.default_device())
        start_together.wait(timeout=60)
        timeline.evaluate(f"band {i}", band, stream=stream)

    workers = [threading.Thread(target=run, args=(i,), name=f"thread {i}") for i in range(bands)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    with mx.stream(device):
        timeline.evaluate("unbanded", a @ b, stream=mx.default_stream(device))
    return timeline


if __name__ == "__main__":
    print(time_banded(4096, 64, 64, 2, mx.cpu, repeats=3))
    for span in band_timeline(4096, 64, 64, 2, mx.cpu).spans:
        print(span)
