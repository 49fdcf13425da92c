"""Spans of evaluated work: what ran, on which stream, on which thread, from when to when.

A span measures wall-clock time around a *blocking* call, normally `mx.eval`. MLX gives no
callback when a stream finishes, so a span that wraps `mx.async_eval` would measure only the
submission; wrap the `mx.eval` (or `mx.synchronize`) that waits instead.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import mlx.core as mx


@dataclass(frozen=True)
class Span:
    """One interval of work, in seconds since the timeline was created."""

    label: str
    stream: str
    thread: str
    start: float
    end: float

    @property
    def seconds(self) -> float:
        return self.end - self.start


def overlap_seconds(a: Span, b: Span) -> float:
    """How long `a` and `b` ran at the same time (0.0 if they did not)."""
    return max(0.0, min(a.end, b.end) - max(a.start, b.start))


def _stream_name(stream: mx.Stream | mx.ThreadLocalStream | str | None) -> str:
    if stream is None:
        return "-"
    if isinstance(stream, str):
        return stream
    # repr is e.g. "Stream(Device(cpu, 0), 3)"; keep "cpu:3", which is shorter in a figure.
    # DeviceType.gpu, not mx.gpu: the latter may be mapped to the CPU in tests.
    device = "gpu" if stream.device.type == mx.DeviceType.gpu else "cpu"
    kind = "tls:" if isinstance(stream, mx.ThreadLocalStream) else ""
    return f"{device}:{kind}{_stream_index(stream)}"


def _stream_index(stream: mx.Stream | mx.ThreadLocalStream) -> str:
    text = repr(stream)  # the Python Stream type exposes its index only through repr
    return text.rsplit(",", 1)[-1].strip(" )")


class Timeline:
    """A thread-safe list of `Span`s.

    Args:
        clock: seconds as a float; `time.perf_counter` by default. Tests pass a fake clock.
    """

    def __init__(self, clock: Callable[[], float] = time.perf_counter) -> None:
        self._clock = clock
        self._origin = clock()
        self._lock = threading.Lock()
        self._spans: list[Span] = []

    @property
    def spans(self) -> list[Span]:
        """The recorded spans, ordered by start time."""
        with self._lock:
            return sorted(self._spans, key=lambda s: (s.start, s.label))

    @contextmanager
    def span(
        self, label: str, stream: mx.Stream | mx.ThreadLocalStream | str | None = None
    ) -> Iterator[None]:
        """Record the time the body takes under `label`, on the calling thread."""
        if not isinstance(label, str) or not label:
            raise ValueError(f"label must be a non-empty string, got {label!r}")
        start = self._clock() - self._origin
        try:
            yield
        finally:
            end = self._clock() - self._origin
            span = Span(label, _stream_name(stream), threading.current_thread().name, start, end)
            with self._lock:
                self._spans.append(span)

    def evaluate(
        self,
        label: str,
        *arrays: mx.array,
        stream: mx.Stream | mx.ThreadLocalStream | str | None = None,
    ) -> None:
        """`mx.eval(*arrays)` inside a span: the span ends when the results exist."""
        if not arrays:
            raise ValueError("evaluate needs at least one array to evaluate")
        with self.span(label, stream):
            mx.eval(*arrays)

    def overlap(self, first: str, second: str) -> float:
        """Seconds during which the spans labelled `first` and `second` both ran."""
        by_label = {s.label: s for s in self.spans}
        for name in (first, second):
            if name not in by_label:
                raise ValueError(f"no span labelled {name!r}; have {sorted(by_label)}")
        return overlap_seconds(by_label[first], by_label[second])
