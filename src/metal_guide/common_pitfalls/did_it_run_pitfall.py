"""Pitfall: all zeros, because nothing ran (mlx#4018)."""

# --8<-- [start:broken]
import mlx.core as mx

from metal_guide.common_pitfalls.grid_pitfall import double


def broken(x: mx.array) -> mx.array:
    # x.size // 1024 is 0 for x.size < 1024: a grid of no threads. MLX does not
    # check for that, the zero fill runs, and the output looks like a result.
    return double(inputs=[x], output_shapes=[x.shape], output_dtypes=[x.dtype],
                  grid=(x.size // 1024 * 1024, 1, 1), threadgroup=(256, 1, 1),
                  init_value=0)[0]  # fmt: skip
# --8<-- [end:broken]


# --8<-- [start:fixed]
def fixed(x: mx.array, *, check: bool = False) -> mx.array:
    # While testing, fill with NaN: an element the kernel never wrote stays NaN.
    (out,) = double(inputs=[x], output_shapes=[x.shape], output_dtypes=[x.dtype],
                    grid=(x.size, 1, 1), threadgroup=(256, 1, 1),
                    init_value=float("nan") if check else 0)  # fmt: skip
    if check and mx.isnan(out).any().item():
        raise RuntimeError("the kernel did not write every element of `out`")
    return out
# --8<-- [end:fixed]


if __name__ == "__main__":
    x = mx.arange(1, 1001, dtype=mx.float32)
    print(f"broken: max |out| = {mx.abs(broken(x)).max().item()}")
    assert mx.array_equal(fixed(x, check=True), 2 * x)
