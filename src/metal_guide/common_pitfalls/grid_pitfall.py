"""Pitfall: `grid` given in threadgroups instead of threads (mlx#4534)."""

# --8<-- [start:kernel]
import mlx.core as mx

double = mx.fast.metal_kernel(
    name="pitfall_double",
    input_names=["inp"],
    output_names=["out"],
    source="""
        uint i = thread_position_in_grid.x;
        if (i < inp_shape[0]) {
            out[i] = 2 * inp[i];
        }
    """,
)
# --8<-- [end:kernel]


# --8<-- [start:broken]
def broken(x: mx.array) -> mx.array:
    groups = (x.size + 255) // 256  # the number of threadgroups...
    return double(inputs=[x], output_shapes=[x.shape], output_dtypes=[x.dtype],
                  grid=(groups, 1, 1),  # ...passed where MLX expects threads
                  threadgroup=(256, 1, 1), init_value=0)[0]  # fmt: skip
# --8<-- [end:broken]


# --8<-- [start:fixed]
def fixed(x: mx.array) -> mx.array:
    return double(inputs=[x], output_shapes=[x.shape], output_dtypes=[x.dtype],
                  grid=(x.size, 1, 1),  # one thread per element
                  threadgroup=(256, 1, 1), init_value=0)[0]  # fmt: skip
# --8<-- [end:fixed]


if __name__ == "__main__":
    x = mx.arange(1, 1001, dtype=mx.float32)
    written = int((broken(x) != 0).sum().item())
    print(f"broken: {written} of {x.size} elements computed")
    print(f"fixed: {int((fixed(x) == 2 * x).sum().item())} of {x.size} elements computed")
