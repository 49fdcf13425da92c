"""Pitfall: a thread-local array indexed with a value known only at run time."""

# --8<-- [start:broken]
import mlx.core as mx

# Each thread evaluates a cubic with coefficients chosen per element.
pick_dynamic = mx.fast.metal_kernel(
    name="pitfall_pick_dynamic", input_names=["x", "which"], output_names=["out"],
    source="""
        uint i = thread_position_in_grid.x;
        float c[4] = {x[i], 2 * x[i], x[i] * x[i], 1.0f};
        out[i] = c[which[i] & 3];  // run-time index: the array goes to stack memory
    """,
)  # fmt: skip
# --8<-- [end:broken]

# --8<-- [start:fixed]
pick_select = mx.fast.metal_kernel(
    name="pitfall_pick_select", input_names=["x", "which"], output_names=["out"],
    source="""
        uint i = thread_position_in_grid.x;
        uint k = which[i] & 3;
        float v = x[i];
        // Only constant indices, or selects: everything stays in registers.
        out[i] = k == 0 ? v : k == 1 ? 2 * v : k == 2 ? v * v : 1.0f;
    """,
)  # fmt: skip
# --8<-- [end:fixed]


def run(kernel: object, x: mx.array, which: mx.array) -> mx.array:
    """Element i of the result is the `which[i]`-th of (x, 2x, x*x, 1)."""
    return kernel(inputs=[x, which], output_shapes=[x.shape], output_dtypes=[x.dtype],
                  grid=(x.size, 1, 1), threadgroup=(256, 1, 1))[0]  # fmt: skip


if __name__ == "__main__":
    x = mx.arange(33, dtype=mx.float32)
    which = mx.arange(33, dtype=mx.uint32) % 4
    assert mx.array_equal(run(pick_dynamic, x, which), run(pick_select, x, which))
