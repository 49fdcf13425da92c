"""Testing on Linux: a barrier some threads never reach.

The launch is rounded up to whole threadgroups, and the surplus threads return early, before the
barrier. Apple GPUs tolerate that, and so does metalsim by default; other GPUs may hang, and
Metal's specification requires every thread of the group to reach the barrier.
``strict_barriers`` turns it into an error.
"""

# --8<-- [start:kernel]
import mlx.core as mx

import metalsim

centre = metalsim.metal_kernel(
    name="centre",
    input_names=["inp", "n"],
    output_names=["out"],
    source="""
        threadgroup float first[1];
        uint gid = thread_position_in_grid.x;
        if (gid >= uint(n)) {
            return;  // surplus thread leaves before the barrier
        }
        if (thread_position_in_threadgroup.x == 0) {
            first[0] = inp[gid];
        }
        threadgroup_barrier(mem_flags::mem_threadgroup);
        out[gid] = inp[gid] - first[0];  // subtract the group's first element
    """,
)
x = mx.arange(300, dtype=mx.float32)
call = dict(inputs=[x, x.size], output_shapes=[x.shape], output_dtypes=[x.dtype],
            grid=(512, 1, 1), threadgroup=(256, 1, 1))  # fmt: skip
# --8<-- [end:kernel]


if __name__ == "__main__":
    # --8<-- [start:strict]
    (y,) = centre(**call)  # lenient default: runs, like Apple silicon
    assert mx.array_equal(y, x - mx.where(x < 256, 0, 256))
    with metalsim.settings(strict_barriers=True):
        try:
            centre(**call)
        except metalsim.KernelRuntimeError as e:
            print(e)
        else:
            raise AssertionError("expected a divergent-barrier error")
    # --8<-- [end:strict]
