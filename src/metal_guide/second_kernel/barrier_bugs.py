"""Your second kernel: the two barrier mistakes, and how metalsim finds them on Linux.

Both variants are made from the real source by a text replacement, so they differ from the
correct kernel in exactly one place. This file uses metalsim directly, so it runs the same
with or without Metal.
"""

# --8<-- [start:setup]
import mlx.core as mx

import metalsim
from metal_guide.second_kernel.rms_norm import RMS_NORM_SOURCE, THREADS_PER_ROW
from metalsim import diagnostics

SECOND_BARRIER = (
    "    threadgroup_barrier(mem_flags::mem_threadgroup);  // scale -> all\n"
)
assert SECOND_BARRIER in RMS_NORM_SOURCE


def emulated(name: str, source: str) -> metalsim.MetalKernel:
    return metalsim.metal_kernel(
        name=name, input_names=["x", "weight", "n", "eps"], output_names=["y"],
        source=source,
    )  # fmt: skip


x = mx.random.normal((2, 100), key=mx.random.key(5))
w = mx.ones((100,))
call = dict(
    inputs=[x, w, mx.array(100, dtype=mx.uint32), mx.array(1e-5)],
    template=[("T", mx.float32)],
    grid=(2 * THREADS_PER_ROW, 1, 1),
    threadgroup=(THREADS_PER_ROW, 1, 1),
    output_shapes=[x.shape],
    output_dtypes=[x.dtype],
)
# --8<-- [end:setup]


if __name__ == "__main__":
    # --8<-- [start:missing]
    # Forget the second barrier: threads may read the scale before SIMD group 0
    # has written it.
    racy = emulated("rms_norm_racy", RMS_NORM_SOURCE.replace(SECOND_BARRIER, ""))
    report = diagnostics.compare_schedules(racy, **call)
    print(report)
    # --8<-- [end:missing]
    assert report
    correct = emulated("second_kernel_rms_norm", RMS_NORM_SOURCE)
    assert not diagnostics.compare_schedules(correct, **call)

    # --8<-- [start:early-return]
    # "Threads past the end of a short row have nothing to do": they leave before
    # the barriers.
    leave = "    if (thread_position_in_threadgroup.x >= n) { return; }\n"
    step1 = "    // 1. Each thread"
    early = emulated(
        "rms_norm_early_return", RMS_NORM_SOURCE.replace(step1, leave + step1)
    )
    with metalsim.settings(strict_barriers=True):
        try:
            early(**call)
        except metalsim.KernelRuntimeError as e:
            print(e)
    # --8<-- [end:early-return]
    with metalsim.settings(strict_barriers=True):
        mx.eval(correct(**call))  # the correct kernel passes strict mode
