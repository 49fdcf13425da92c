"""The recorder on synthetic work whose overlap is known by construction."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import mlx.core as mx
import pytest

from metal_guide.timeline import Span, Timeline, overlap_seconds


def fake_clock(ticks: list[float]) -> Iterator[float]:
    return iter(ticks)


def test_spans_use_the_clock_relative_to_creation() -> None:
    clock = iter([10.0, 11.0, 13.5, 14.0, 15.0])
    timeline = Timeline(clock=lambda: next(clock))
    with timeline.span("a", stream="cpu:1"):
        pass
    with timeline.span("b"):
        pass
    a, b = timeline.spans
    assert (a.label, a.stream, a.start, a.end) == ("a", "cpu:1", 1.0, 3.5)
    assert (b.label, b.stream, b.start, b.end) == ("b", "-", 4.0, 5.0)
    assert a.thread == threading.current_thread().name
    assert timeline.overlap("a", "b") == 0.0


def test_overlap_seconds_of_known_intervals() -> None:
    def span(start: float, end: float) -> Span:
        return Span("x", "-", "t", start, end)

    assert overlap_seconds(span(0, 2), span(1, 3)) == 1
    assert overlap_seconds(span(0, 1), span(1, 2)) == 0
    assert overlap_seconds(span(0, 4), span(1, 2)) == 1
    assert overlap_seconds(span(3, 4), span(0, 1)) == 0


def test_threads_that_wait_for_each_other_inside_spans_overlap() -> None:
    # Each thread is inside its span when the other enters: overlap > 0 by construction.
    timeline = Timeline()
    both_inside = threading.Barrier(2)

    def work(label: str) -> None:
        with timeline.span(label):
            both_inside.wait(timeout=10)

    threads = [threading.Thread(target=work, args=(n,), name=n) for n in ("left", "right")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert timeline.overlap("left", "right") > 0
    assert {s.thread for s in timeline.spans} == {"left", "right"}


def test_spans_in_sequence_do_not_overlap() -> None:
    timeline = Timeline()
    first_done = threading.Event()

    def first() -> None:
        with timeline.span("first"):
            pass
        first_done.set()

    def second() -> None:
        first_done.wait(timeout=10)
        with timeline.span("second"):
            pass

    threads = [threading.Thread(target=second), threading.Thread(target=first)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert timeline.overlap("first", "second") == 0.0
    assert [s.label for s in timeline.spans] == ["first", "second"]


def test_evaluate_records_the_stream_and_computes() -> None:
    timeline = Timeline()
    stream = mx.new_stream(mx.cpu)
    with mx.stream(stream):
        y = mx.arange(10) * 2
    timeline.evaluate("double", y, stream=stream)
    (span,) = timeline.spans
    index = repr(stream).rsplit(",", 1)[1].strip(" )")
    assert span.stream == f"cpu:{index}"
    assert span.seconds >= 0
    assert y.tolist() == list(range(0, 20, 2))


def test_thread_local_streams_are_named_as_such() -> None:
    timeline = Timeline()
    with timeline.span("x", stream=mx.new_thread_local_stream(mx.cpu)):
        pass
    assert timeline.spans[0].stream.startswith("cpu:tls:")


def test_bad_input_is_rejected() -> None:
    timeline = Timeline()
    with pytest.raises(ValueError, match="label must be a non-empty string"):
        with timeline.span(""):
            pass
    with pytest.raises(ValueError, match="at least one array"):
        timeline.evaluate("nothing")
    with pytest.raises(ValueError, match="no span labelled 'a'"):
        timeline.overlap("a", "b")
