"""Pitfall: the same `name` for two different sources (mlx#3832, fixed in MLX 0.32.1)."""

# --8<-- [start:broken]
import mlx.core as mx

times_two = mx.fast.metal_kernel(
    name="scale", input_names=["inp"], output_names=["out"],
    source="uint i = thread_position_in_grid.x; out[i] = 2 * inp[i];",
)  # fmt: skip
times_three = mx.fast.metal_kernel(
    name="scale", input_names=["inp"], output_names=["out"],  # same name...
    source="uint i = thread_position_in_grid.x; out[i] = 3 * inp[i];",  # ...other code
)  # fmt: skip
# --8<-- [end:broken]

# --8<-- [start:fixed]
scale_by_2 = mx.fast.metal_kernel(
    name="scale_by_2", input_names=["inp"], output_names=["out"],
    source="uint i = thread_position_in_grid.x; out[i] = 2 * inp[i];",
)  # fmt: skip
scale_by_3 = mx.fast.metal_kernel(
    name="scale_by_3", input_names=["inp"], output_names=["out"],
    source="uint i = thread_position_in_grid.x; out[i] = 3 * inp[i];",
)  # fmt: skip
# --8<-- [end:fixed]


def call(x: mx.array) -> dict:
    """One call's arguments, the same for every kernel of this module."""
    return dict(inputs=[x], output_shapes=[x.shape], output_dtypes=[x.dtype],
                grid=(x.size, 1, 1), threadgroup=(32, 1, 1))  # fmt: skip


if __name__ == "__main__":
    x = mx.arange(8, dtype=mx.float32)
    for a, b in ((times_two, times_three), (scale_by_2, scale_by_3)):
        y2, y3 = a(**call(x))[0], b(**call(x))[0]
        mx.eval(y2, y3)  # one evaluation: the case MLX < 0.32.1 got wrong
        assert mx.array_equal(y2, 2 * x) and mx.array_equal(y3, 3 * x)
