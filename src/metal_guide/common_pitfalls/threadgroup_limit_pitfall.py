"""Pitfall: a threadgroup above the pipeline's limit (mlx#2205, mlx-vlm#1799)."""

# --8<-- [start:broken]
import mlx.core as mx

from metal_guide.common_pitfalls.grid_pitfall import double


def broken(x: mx.array, threads: int = 1024) -> mx.array:
    # 1024 is the API maximum, not a promise: a pipeline may allow fewer.
    return double(inputs=[x], output_shapes=[x.shape], output_dtypes=[x.dtype],
                  grid=(x.size, 1, 1), threadgroup=(threads, 1, 1))[0]  # fmt: skip
# --8<-- [end:broken]


# --8<-- [start:fixed]
def fixed(x: mx.array) -> mx.array:
    # 256 is far below every pipeline limit reported so far (832, 896, 1024).
    return double(inputs=[x], output_shapes=[x.shape], output_dtypes=[x.dtype],
                  grid=(x.size, 1, 1), threadgroup=(256, 1, 1))[0]  # fmt: skip
# --8<-- [end:fixed]


if __name__ == "__main__":
    x = mx.arange(4096, dtype=mx.float32)
    try:
        broken(x, threads=2048)
    except ValueError as e:
        print(e)
    assert mx.array_equal(fixed(x), 2 * x)
