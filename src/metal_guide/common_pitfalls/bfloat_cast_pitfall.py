"""Pitfall: an implicit float to bfloat conversion (mlx-lm#814)."""

# --8<-- [start:broken]
import mlx.core as mx

mask_broken = mx.fast.metal_kernel(
    name="pitfall_mask_broken", input_names=["inp", "keep"], output_names=["out"],
    source="""
        uint i = thread_position_in_grid.x;
        out[i] = keep[i] ? inp[i] : -INFINITY;  // float: no implicit bfloat
    """,
)  # fmt: skip
# --8<-- [end:broken]

# --8<-- [start:fixed]
mask_fixed = mx.fast.metal_kernel(
    name="pitfall_mask_fixed", input_names=["inp", "keep"], output_names=["out"],
    source="""
        uint i = thread_position_in_grid.x;
        out[i] = keep[i] ? inp[i] : T(-INFINITY);  // convert explicitly
    """,
)  # fmt: skip
# --8<-- [end:fixed]


def call(x: mx.array, keep: mx.array) -> dict:
    """Arguments of one masking call, in the dtype of `x`."""
    return dict(inputs=[x, keep], output_shapes=[x.shape], output_dtypes=[x.dtype],
                grid=(x.size, 1, 1), threadgroup=(256, 1, 1),
                template=[("T", x.dtype)])  # fmt: skip


if __name__ == "__main__":
    x = mx.arange(16, dtype=mx.bfloat16)
    keep = x > 7
    try:
        mx.eval(mask_broken(**call(x, keep)))  # MLX compiles at evaluation
    except RuntimeError as e:  # MetalCompileError here, RuntimeError from MLX on a Mac
        print(str(e).splitlines()[0])
    (y,) = mask_fixed(**call(x, keep))
    assert mx.array_equal(y, mx.where(keep, x, -mx.inf))
