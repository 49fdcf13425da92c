"""Split a tall-skinny matrix product into row bands, one stream per band, and reassemble."""

from __future__ import annotations

# --8<-- [start:banded]
import mlx.core as mx


def banded_matmul(a: mx.array, b: mx.array, streams: list[mx.Stream]) -> mx.array:
    """`a @ b` computed as len(streams) row bands of `a`, band i on streams[i]."""
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[0]:
        raise ValueError(f"a and b must be matrices with a.shape[1] == b.shape[0], "
                         f"got {a.shape} and {b.shape}")  # fmt: skip
    if not streams or len(streams) > a.shape[0]:
        raise ValueError(f"need 1 to {a.shape[0]} streams, got {len(streams)}")
    edges = [round(i * a.shape[0] / len(streams)) for i in range(len(streams) + 1)]
    bands = []
    for stream, lo, hi in zip(streams, edges[:-1], edges[1:], strict=True):
        with mx.stream(stream):
            bands.append(a[lo:hi] @ b)  # each band is recorded for its own stream
    return mx.concatenate(bands, axis=0)  # the join: one array, built when evaluated
    # --8<-- [end:banded]


def check_against_unbanded() -> bool:
    # --8<-- [start:check]
    a = mx.random.normal((4097, 64), key=mx.random.key(0))
    b = mx.random.normal((64, 33), key=mx.random.key(1))
    streams = [mx.new_stream(mx.gpu) for _ in range(3)]
    banded = banded_matmul(a, b, streams)
    whole = a @ b
    mx.eval(banded, whole)  # the join is mx.eval, not mx.synchronize
    print(mx.allclose(banded, whole, rtol=1e-5, atol=1e-5).item())
    # --8<-- [end:check]
    return bool(mx.allclose(banded, whole, rtol=1e-5, atol=1e-5).item())


if __name__ == "__main__":
    from metal_guide.timeline.gpu_mapping import cpu_if_no_gpu

    with cpu_if_no_gpu():
        check_against_unbanded()
