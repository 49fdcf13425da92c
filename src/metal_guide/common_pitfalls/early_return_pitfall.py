"""Pitfall: an early return before a barrier."""

# --8<-- [start:broken]
import mlx.core as mx

swap_early_return = mx.fast.metal_kernel(
    name="pitfall_swap_early_return", input_names=["inp"], output_names=["out"],
    source="""
        threadgroup float tile[256];
        uint lid = thread_position_in_threadgroup.x;
        uint gid = thread_position_in_grid.x;
        if (gid >= inp_shape[0]) {
            return;  // surplus threads leave before the barrier
        }
        tile[lid] = inp[gid];
        threadgroup_barrier(mem_flags::mem_threadgroup);
        out[gid] = tile[lid ^ 1];
    """,
)  # fmt: skip
# --8<-- [end:broken]

# --8<-- [start:fixed]
swap_guarded = mx.fast.metal_kernel(
    name="pitfall_swap_guarded", input_names=["inp"], output_names=["out"],
    source="""
        threadgroup float tile[256];
        uint lid = thread_position_in_threadgroup.x;
        uint gid = thread_position_in_grid.x;
        bool active = gid < inp_shape[0];
        tile[lid] = active ? inp[gid] : 0.0f;
        threadgroup_barrier(mem_flags::mem_threadgroup);  // every thread gets here
        if (active) {
            out[gid] = tile[lid ^ 1];  // guard the work, not the barrier
        }
    """,
)  # fmt: skip
# --8<-- [end:fixed]


def call(x: mx.array) -> dict:
    """Round the grid up to whole groups of 256, as kernels with barriers often do."""
    return dict(inputs=[x], output_shapes=[x.shape], output_dtypes=[x.dtype],
                grid=((x.size + 255) // 256 * 256, 1, 1),
                threadgroup=(256, 1, 1))  # fmt: skip


if __name__ == "__main__":
    import metalsim

    x = mx.arange(300, dtype=mx.float32)
    with metalsim.settings(strict_barriers=True):
        try:
            swap_early_return(**call(x))
        except metalsim.KernelRuntimeError as e:
            print(e)
        (y,) = swap_guarded(**call(x))
    assert mx.array_equal(y, mx.arange(300).reshape(-1, 2)[:, ::-1].reshape(-1))
