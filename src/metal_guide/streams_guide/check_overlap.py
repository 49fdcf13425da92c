"""Check whether two pieces of work really overlap, with the project's timeline recorder."""

from __future__ import annotations

from metal_guide.timeline import Timeline


def two_threads() -> Timeline:
    # --8<-- [start:check]
    import tempfile
    import threading
    from pathlib import Path

    import mlx.core as mx

    from metal_guide.timeline import Timeline, draw_svg, where_it_ran

    timeline = Timeline()
    per_thread = mx.new_thread_local_stream(mx.gpu)  # each thread its own stream

    def work(name: str) -> None:
        with mx.stream(per_thread):
            x = mx.random.normal((256, 256), key=mx.random.key(len(name)))
            y = (x @ x).sum()
            stream = mx.default_stream(mx.default_device())
        timeline.evaluate(name, y, stream=stream)  # a span from submit to result

    threads = [threading.Thread(target=work, args=(n,), name=n) for n in ("A", "B")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    print(f"overlap: {timeline.overlap('A', 'B') * 1e3:.1f} ms")
    figure = Path(tempfile.gettempdir()) / "overlap.svg"
    where = where_it_ran(mx.gpu).line()  # says "CPU streams" when mx.gpu is mapped
    draw_svg(timeline.spans, figure, title="A and B", provenance=where)
    # --8<-- [end:check]
    return timeline


if __name__ == "__main__":
    from metal_guide.timeline.gpu_mapping import cpu_if_no_gpu

    with cpu_if_no_gpu():
        two_threads()
