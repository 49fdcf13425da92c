"""Pitfall: accumulating in `half` overflows at 65504."""

# --8<-- [start:broken]
import mlx.core as mx

RMS = """
    uint row = thread_position_in_grid.x;  // one row per thread, to keep it short
    uint n = x_shape[1];
    ACC acc = 0;
    for (uint j = 0; j < n; ++j) {
        ACC v = ACC(x[row * n + j]);
        acc += v * v;
    }
    out[row] = T(metal::sqrt(float(acc) / n));
"""
rms_half = mx.fast.metal_kernel(
    name="pitfall_rms_half", input_names=["x"], output_names=["out"],
    source=RMS.replace("ACC", "T"),  # sum of squares in float16
)  # fmt: skip
# --8<-- [end:broken]

# --8<-- [start:fixed]
rms = mx.fast.metal_kernel(
    name="pitfall_rms_float", input_names=["x"], output_names=["out"],
    source=RMS.replace("ACC", "float"),  # accumulate in float32, store as T
)  # fmt: skip
# --8<-- [end:fixed]


def run(kernel: object, x: mx.array) -> mx.array:
    """Root mean square of each row of a 2-D array."""
    return kernel(inputs=[x], output_shapes=[(x.shape[0],)], output_dtypes=[x.dtype],
                  grid=(x.shape[0], 1, 1), threadgroup=(32, 1, 1),
                  template=[("T", x.dtype)])[0]  # fmt: skip


if __name__ == "__main__":
    x = mx.full((4, 512), 16.0, mx.float16)  # 512 * 16**2 = 131072 > 65504
    print(f"broken: {run(rms_half, x)}")
    print(f"fixed: {run(rms, x)}")
