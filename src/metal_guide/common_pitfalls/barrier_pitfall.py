"""Pitfall: no barrier between writing and reading threadgroup memory."""

# --8<-- [start:broken]
import mlx.core as mx

SWAP_SOURCE = """
    threadgroup float tile[256];
    uint lid = thread_position_in_threadgroup.x;
    uint gid = thread_position_in_grid.x;
    tile[lid] = inp[gid];
    BARRIER
    out[gid] = tile[lid ^ 1];  // swap neighbours: 0<->1, 2<->3, ...
"""
swap_racy = mx.fast.metal_kernel(
    name="pitfall_swap_racy", input_names=["inp"], output_names=["out"],
    source=SWAP_SOURCE.replace("BARRIER", ""),  # the neighbour may not have stored yet
)  # fmt: skip
# --8<-- [end:broken]

# --8<-- [start:fixed]
swap = mx.fast.metal_kernel(
    name="pitfall_swap", input_names=["inp"], output_names=["out"],
    source=SWAP_SOURCE.replace("BARRIER", "threadgroup_barrier(mem_flags::mem_threadgroup);"),
)  # fmt: skip
# --8<-- [end:fixed]


def call(x: mx.array) -> dict:
    """The launch both kernels share: 256 threads per group, one per element."""
    return dict(inputs=[x], output_shapes=[x.shape], output_dtypes=[x.dtype],
                grid=(x.size, 1, 1), threadgroup=(256, 1, 1))  # fmt: skip


if __name__ == "__main__":
    x = mx.arange(512, dtype=mx.float32)
    print(f"broken: {swap_racy(**call(x))[0][:4]}")
    print(f"fixed: {swap(**call(x))[0][:4]}")
