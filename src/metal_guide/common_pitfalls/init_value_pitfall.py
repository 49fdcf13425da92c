"""Pitfall: an output read without `init_value`."""

# --8<-- [start:kernel]
import mlx.core as mx

keep_positive = mx.fast.metal_kernel(
    name="pitfall_keep_positive",
    input_names=["inp"],
    output_names=["out"],
    source="""
        uint i = thread_position_in_grid.x;
        if (inp[i] > 0) {
            out[i] = inp[i];  // other elements are never written
        }
    """,
)
# --8<-- [end:kernel]


# --8<-- [start:broken]
def broken(x: mx.array) -> mx.array:
    return keep_positive(inputs=[x], output_shapes=[x.shape], output_dtypes=[x.dtype],
                         grid=(x.size, 1, 1), threadgroup=(256, 1, 1))[0]  # fmt: skip
# --8<-- [end:broken]


# --8<-- [start:fixed]
def fixed(x: mx.array) -> mx.array:
    return keep_positive(inputs=[x], output_shapes=[x.shape], output_dtypes=[x.dtype],
                         grid=(x.size, 1, 1), threadgroup=(256, 1, 1),
                         init_value=0)[0]  # fmt: skip
# --8<-- [end:fixed]


if __name__ == "__main__":
    x = mx.array([-2.0, -1.0, 0.0, 1.0, 2.0])
    print(f"broken: {broken(x)}")
    print(f"fixed: {fixed(x)}")
