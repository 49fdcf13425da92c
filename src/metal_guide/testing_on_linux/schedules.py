"""Testing on Linux: expose a missing barrier by running threads in different orders.

Each thread stores its input in threadgroup memory and reads its left neighbour's slot. Without
a barrier between the store and the read, the result depends on which thread runs first: the
forward order happens to give the right answer, the reverse order does not.
"""

# --8<-- [start:kernel]
import mlx.core as mx

import metalsim
from metalsim import diagnostics

SHIFT_SOURCE = """
    threadgroup float tile[64];
    uint lid = thread_position_in_threadgroup.x;
    uint gid = thread_position_in_grid.x;
    tile[lid] = inp[gid];
    BARRIER
    out[gid] = lid > 0 ? tile[lid - 1] : 0.0f;  // shift right by one within the group
"""
racy = metalsim.metal_kernel(
    name="shift_racy", input_names=["inp"], output_names=["out"],
    source=SHIFT_SOURCE.replace("BARRIER", "// (barrier missing)"),
)  # fmt: skip
fixed = metalsim.metal_kernel(
    name="shift", input_names=["inp"], output_names=["out"],
    source=SHIFT_SOURCE.replace("BARRIER", "threadgroup_barrier(mem_flags::mem_threadgroup);"),
)  # fmt: skip
x = mx.arange(1, 129, dtype=mx.float32)
call = dict(inputs=[x], output_shapes=[x.shape], output_dtypes=[x.dtype],
            grid=(x.size, 1, 1), threadgroup=(64, 1, 1))  # fmt: skip
# --8<-- [end:kernel]


if __name__ == "__main__":
    # --8<-- [start:compare]
    report = diagnostics.compare_schedules(racy, **call)
    print(report)
    assert report  # truthy: the outputs differ between schedules
    assert not diagnostics.compare_schedules(fixed, **call)
    # --8<-- [end:compare]

    # --8<-- [start:settings]
    with metalsim.settings(schedule="reverse"):
        (y,) = racy(**call)  # every call in the block runs threads last to first
    print(y[:4])  # reads of slots not yet written: NaN (threadgroup memory starts poisoned)
    # --8<-- [end:settings]
    assert mx.isnan(y[1:4]).all()
