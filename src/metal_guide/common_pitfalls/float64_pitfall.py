"""Pitfall: float64 on the GPU."""

# --8<-- [start:broken]
import mlx.core as mx

square = mx.fast.metal_kernel(
    name="pitfall_square", input_names=["inp"], output_names=["out"],
    source="uint i = thread_position_in_grid.x; out[i] = inp[i] * inp[i];",
)  # fmt: skip


def broken(x: mx.array) -> mx.array:
    x64 = x.astype(mx.float64)  # the GPU has no float64
    return square(inputs=[x64], output_shapes=[x.shape], output_dtypes=[mx.float64],
                  grid=(x.size, 1, 1), threadgroup=(32, 1, 1))[0]  # fmt: skip
# --8<-- [end:broken]


# --8<-- [start:fixed]
def fixed(x: mx.array) -> mx.array:
    # Need float64? Compute on the CPU stream; otherwise stay in float32 on the GPU.
    with mx.stream(mx.cpu):
        x64 = x.astype(mx.float64)
        return x64 * x64
# --8<-- [end:fixed]


if __name__ == "__main__":
    x = mx.arange(4, dtype=mx.float32)
    try:
        mx.eval(broken(x))
    except ValueError as e:
        print(e)
    assert fixed(x).dtype == mx.float64
