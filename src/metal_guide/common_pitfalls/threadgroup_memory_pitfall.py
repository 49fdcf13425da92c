"""Pitfall: more than 32 KB of threadgroup memory."""

# --8<-- [start:broken]
import mlx.core as mx

reverse_staged = mx.fast.metal_kernel(
    name="pitfall_reverse_staged", input_names=["inp"], output_names=["out"],
    source="""
        threadgroup float row[W];  // W = 9000 floats: 36000 bytes
        uint r = threadgroup_position_in_grid.y;
        uint lid = thread_position_in_threadgroup.x;
        for (uint j = lid; j < W; j += threads_per_threadgroup.x) {
            row[j] = inp[r * W + j];
        }
        threadgroup_barrier(mem_flags::mem_threadgroup);
        for (uint j = lid; j < W; j += threads_per_threadgroup.x) {
            out[r * W + j] = row[W - 1 - j];
        }
    """,
)  # fmt: skip
# --8<-- [end:broken]

# --8<-- [start:fixed]
reverse = mx.fast.metal_kernel(
    name="pitfall_reverse", input_names=["inp"], output_names=["out"],
    source="""
        // Each element is read once: no staging needed, so no threadgroup memory.
        uint r = thread_position_in_grid.y;
        uint j = thread_position_in_grid.x;
        out[r * W + j] = inp[r * W + (W - 1 - j)];
    """,
)  # fmt: skip
# --8<-- [end:fixed]


def run(kernel: object, x: mx.array, staged: bool) -> mx.array:
    """Reverse every row of a 2-D array."""
    rows, width = x.shape
    grid = (256, rows, 1) if staged else (width, rows, 1)
    return kernel(inputs=[x], output_shapes=[x.shape], output_dtypes=[x.dtype],
                  grid=grid, threadgroup=(256, 1, 1),
                  template=[("W", width)])[0]  # fmt: skip


if __name__ == "__main__":
    x = mx.arange(2 * 9000, dtype=mx.float32).reshape(2, 9000)
    try:
        run(reverse_staged, x, staged=True)
    except RuntimeError as e:  # metalsim's KernelRuntimeError; a Mac fails differently
        print(str(e).split(" (")[0])
    assert mx.array_equal(run(reverse, x, staged=False), x[:, ::-1])
