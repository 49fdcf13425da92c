"""Pitfall: `ensure_row_contiguous=False` without handling strides."""

# --8<-- [start:broken]
import mlx.core as mx

copy_flat = mx.fast.metal_kernel(
    name="pitfall_copy_flat", input_names=["inp"], output_names=["out"],
    source="""
        uint i = thread_position_in_grid.x;
        out[i] = inp[i];  // assumes row-major order
    """,
    ensure_row_contiguous=False,  # views are passed as they are, with their strides
)  # fmt: skip
# --8<-- [end:broken]

# --8<-- [start:fixed]
copy_strided = mx.fast.metal_kernel(
    name="pitfall_copy_strided", input_names=["inp"], output_names=["out"],
    source="""
        uint i = thread_position_in_grid.x;
        // int64_t, not uint: a reversed view has negative strides, and elem_to_loc
        // computes the offset in the type of its first argument.
        out[i] = inp[elem_to_loc(int64_t(i), inp_shape, inp_strides, inp_ndim)];
    """,
    ensure_row_contiguous=False,  # or leave it True and let MLX copy views
)  # fmt: skip
# --8<-- [end:fixed]


def run(kernel: object, x: mx.array) -> mx.array:
    """Copy `x` (any layout) into a new row-contiguous array."""
    return kernel(inputs=[x], output_shapes=[x.shape], output_dtypes=[x.dtype],
                  grid=(x.size, 1, 1), threadgroup=(256, 1, 1))[0]  # fmt: skip


if __name__ == "__main__":
    xt = mx.arange(6, dtype=mx.float32).reshape(2, 3).T  # a transposed view
    print(f"broken: {run(copy_flat, xt).tolist()}")
    print(f"fixed: {run(copy_strided, xt).tolist()}")
    xr = mx.arange(6, dtype=mx.float32)[::-1]  # a reversed view: negative stride
    print(f"fixed, reversed: {run(copy_strided, xr).tolist()}")
