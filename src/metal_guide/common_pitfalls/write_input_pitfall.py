"""Pitfall: writing to an input."""

# --8<-- [start:broken]
import mlx.core as mx

double_in_place = mx.fast.metal_kernel(
    name="pitfall_double_in_place", input_names=["inp"], output_names=["out"],
    source="""
        uint i = thread_position_in_grid.x;
        inp[i] = 2 * inp[i];  // inputs are `const device T*`
        out[i] = inp[i];
    """,
)  # fmt: skip
# --8<-- [end:broken]

# --8<-- [start:fixed]
double_out = mx.fast.metal_kernel(
    name="pitfall_double_out", input_names=["inp"], output_names=["out"],
    source="""
        uint i = thread_position_in_grid.x;
        out[i] = 2 * inp[i];  // results go to outputs; rebind the name in Python
    """,
)  # fmt: skip
# --8<-- [end:fixed]


def call(x: mx.array) -> dict:
    """One call's arguments, the same for both kernels."""
    return dict(inputs=[x], output_shapes=[x.shape], output_dtypes=[x.dtype],
                grid=(x.size, 1, 1), threadgroup=(32, 1, 1))  # fmt: skip


if __name__ == "__main__":
    x = mx.arange(8, dtype=mx.float32)
    try:
        mx.eval(double_in_place(**call(x)))  # MLX compiles at evaluation
    except RuntimeError as e:  # MetalCompileError here, RuntimeError from MLX on a Mac
        print(str(e).splitlines()[0])
    (x,) = double_out(**call(x))
    assert mx.array_equal(x, 2 * mx.arange(8))
