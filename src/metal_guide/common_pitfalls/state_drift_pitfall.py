"""Pitfall: recurrent state kept in low precision drifts (mlx-lm#1061)."""

# --8<-- [start:broken]
import mlx.core as mx

RECURRENCE = """
    uint d = thread_position_in_grid.x;  // one channel per thread
    uint D = threads_per_grid.x;
    STATE h = STATE(0.0f);
    for (uint t = 0; t < x_shape[0]; ++t) {
        h = STATE(float(decay[d]) * float(h) + float(x[t * D + d]));
        out[t * D + d] = T(h);
    }
"""
scan_low_precision = mx.fast.metal_kernel(
    name="pitfall_scan_state_t", input_names=["x", "decay"], output_names=["out"],
    source=RECURRENCE.replace("STATE", "T"),  # state rounded to bfloat16 every step
)  # fmt: skip
# --8<-- [end:broken]

# --8<-- [start:fixed]
scan = mx.fast.metal_kernel(
    name="pitfall_scan_state_f32", input_names=["x", "decay"], output_names=["out"],
    source=RECURRENCE.replace("STATE", "float"),  # state in float32, outputs in T
)  # fmt: skip
# --8<-- [end:fixed]


def run(kernel: object, x: mx.array, decay: mx.array) -> mx.array:
    """h[t] = decay * h[t-1] + x[t] along axis 0 of `x` (time, channels)."""
    return kernel(inputs=[x, decay], output_shapes=[x.shape], output_dtypes=[x.dtype],
                  grid=(x.shape[1], 1, 1), threadgroup=(32, 1, 1),
                  template=[("T", x.dtype)])[0]  # fmt: skip


def reference(x: mx.array, decay: mx.array) -> mx.array:
    """The same recurrence in float32 with MLX operations."""
    h = mx.zeros(x.shape[1:], mx.float32)
    steps = []
    for t in range(x.shape[0]):
        h = decay.astype(mx.float32) * h + x[t].astype(mx.float32)
        steps.append(h)
    return mx.stack(steps)


if __name__ == "__main__":
    x = mx.random.uniform(shape=(256, 32), key=mx.random.key(0)).astype(mx.bfloat16)
    decay = mx.full((32,), 0.99, mx.bfloat16)
    want = reference(x, decay)
    for label, k in (("broken", scan_low_precision), ("fixed", scan)):
        err = mx.abs(run(k, x, decay).astype(mx.float32) - want).max().item()
        print(f"{label}: max error {err:.3g}")
