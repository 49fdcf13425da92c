"""Testing on Linux: threadgroup limits are enforced, as on the GPU.

More than 1024 threads per threadgroup raises MLX's own ``ValueError``; more than 32 KiB of
threadgroup memory raises ``KernelRuntimeError`` at the declaration that crosses the limit.
"""

# --8<-- [start:limits]
import mlx.core as mx

import metalsim

tile_copy = metalsim.metal_kernel(
    name="tile_copy",
    input_names=["inp"],
    output_names=["out"],
    source="""
        threadgroup float tile[TILE];
        uint lid = thread_position_in_threadgroup.x;
        tile[lid] = inp[thread_position_in_grid.x];
        threadgroup_barrier(mem_flags::mem_threadgroup);
        out[thread_position_in_grid.x] = tile[lid];
    """,
)
x = mx.arange(2048, dtype=mx.float32)


def run(tile: int, threads: int) -> mx.array:
    return tile_copy(inputs=[x], output_shapes=[x.shape], output_dtypes=[x.dtype],
                     grid=(x.size, 1, 1), threadgroup=(threads, 1, 1),
                     template=[("TILE", tile)])[0]  # fmt: skip


assert mx.array_equal(run(tile=1024, threads=1024), x)  # 4 KiB, 1024 threads: fine
try:
    run(tile=2048, threads=2048)
except ValueError as e:
    print(e)  # Thread group size (2048) is greater than the maximum allowed ...
try:
    run(tile=9000, threads=256)  # 36000 bytes of threadgroup memory
except metalsim.KernelRuntimeError as e:
    print(e)  # <source>:2:27: threadgroup memory of 36000 bytes exceeds the limit ...
# --8<-- [end:limits]
