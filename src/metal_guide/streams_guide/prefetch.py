"""A prefetch pipeline: start evaluating the next batch before the current one is used."""

from __future__ import annotations

# --8<-- [start:prefetch]
from collections.abc import Callable, Iterable, Iterator

import mlx.core as mx

Loader = Callable[[object], mx.array]


def prefetched(items: Iterable[object], load: Loader) -> Iterator[mx.array]:
    """Yield `load(item)` for each item, evaluating one batch ahead."""
    iterator = iter(items)
    try:
        ahead = load(next(iterator))
    except StopIteration:
        return
    mx.async_eval(ahead)
    for item in iterator:
        following = load(item)
        mx.async_eval(following)  # queued behind `ahead` on the same stream
        yield ahead  # the consumer's work overlaps with `following`
        ahead = following
    yield ahead


def load_batch(seed: object) -> mx.array:
    """A stand-in loader: a batch that needs some computing before it is ready."""
    with mx.stream(mx.gpu):
        key = mx.random.key(int(seed))  # type: ignore[arg-type]
        x = mx.random.normal((256, 256), key=key)
        return mx.tanh(x @ x.T)
        # --8<-- [end:prefetch]


def consume() -> list[float]:
    # --8<-- [start:use]
    totals = []
    for batch in prefetched(range(5), load_batch):
        totals.append(batch.sum().item())  # waits only if the batch is not ready yet
    print([round(t, 3) for t in totals])
    # --8<-- [end:use]
    return totals


if __name__ == "__main__":
    from metal_guide.timeline.gpu_mapping import cpu_if_no_gpu

    with cpu_if_no_gpu():
        consume()
