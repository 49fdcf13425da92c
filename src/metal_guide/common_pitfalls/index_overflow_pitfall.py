"""Pitfall: 32-bit index arithmetic overflows on large tensors."""

# --8<-- [start:broken]
import mlx.core as mx

# Where does element (row, col) of a (110_000, 40_000) matrix live? 4.4e9 elements:
# 8.8 GB in float16, which fits in a Mac's memory and overflows 32 bits.
offset_u32 = mx.fast.metal_kernel(
    name="pitfall_offset_u32", input_names=["row", "col", "cols"], output_names=["out"],
    source="""
        uint offset = uint(row) * uint(cols) + uint(col);  // wraps past 2**32
        out[0] = offset;
    """,
)  # fmt: skip
# --8<-- [end:broken]

# --8<-- [start:fixed]
offset_i64 = mx.fast.metal_kernel(
    name="pitfall_offset_i64", input_names=["row", "col", "cols"], output_names=["out"],
    source="""
        int64_t offset = int64_t(row) * cols + col;  // widen before multiplying
        out[0] = offset;
    """,
)  # fmt: skip
# --8<-- [end:fixed]


def offset(kernel: object, row: int, col: int, cols: int) -> int:
    """The kernel's flat offset of (row, col); only three scalars go to the GPU."""
    (out,) = kernel(inputs=[row, col, cols], output_shapes=[(1,)],
                    output_dtypes=[mx.int64], grid=(1, 1, 1), threadgroup=(1, 1, 1))
    return int(out.item())


if __name__ == "__main__":
    last = (109_999, 39_999, 40_000)
    print(f"broken: {offset(offset_u32, *last)}")
    print(f"fixed: {offset(offset_i64, *last)}")
