"""Overlap CPU pre- and post-processing with GPU work: submit with `async_eval`, then work."""

from __future__ import annotations

# --8<-- [start:overlap]
from collections.abc import Iterable

import mlx.core as mx
import numpy as np


def preprocess(raw: np.ndarray) -> np.ndarray:
    """CPU work before the GPU: here, standardise each row (any NumPy code)."""
    centred = raw - raw.mean(axis=1, keepdims=True)
    return centred / (raw.std(axis=1, keepdims=True) + 1e-6)


def postprocess(scores: np.ndarray) -> list[int]:
    """CPU work after the GPU: here, the best class of each row."""
    return scores.argmax(axis=1).tolist()


def classify(batches: Iterable[np.ndarray], weights: mx.array) -> list[list[int]]:
    results: list[list[int]] = []
    previous: mx.array | None = None
    for raw in batches:
        x = mx.array(preprocess(raw))  # CPU: runs while the GPU works on `previous`
        with mx.stream(mx.gpu):
            scores = mx.softmax(x @ weights, axis=-1)
        mx.async_eval(scores)  # the GPU starts on this batch; Python carries on
        if previous is not None:
            results.append(postprocess(np.array(previous)))  # CPU, overlapping the GPU
        previous = scores
    if previous is not None:
        results.append(postprocess(np.array(previous)))
    return results
    # --8<-- [end:overlap]


def classify_serially(batches: Iterable[np.ndarray], weights: mx.array) -> list[list[int]]:
    """The same work without overlap, as the reference for tests."""
    out = []
    for raw in batches:
        scores = mx.softmax(mx.array(preprocess(raw)) @ weights, axis=-1)
        out.append(postprocess(np.array(scores)))
    return out


if __name__ == "__main__":
    from metal_guide.timeline.gpu_mapping import cpu_if_no_gpu

    rng = np.random.default_rng(0)
    data = [rng.standard_normal((64, 128), dtype=np.float32) for _ in range(4)]
    w = mx.random.normal((128, 10), key=mx.random.key(0))
    with cpu_if_no_gpu():
        print(classify(data, w)[0][:8])
