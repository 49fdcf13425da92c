"""Testing on Linux: find an out-of-bounds read with AddressSanitizer.

The last thread of this forward difference reads one element past the end of ``inp``. On a GPU
(and in a normal metalsim run) that read returns whatever lies there. Under AddressSanitizer it
is reported with the line of the kernel body. The call is repeated in a subprocess, so a crash
cannot take the caller down. Needs clang-19 and its ASan runtime (see "Compilers" on the page).
"""

# --8<-- [start:kernel]
import mlx.core as mx

import metalsim
from metalsim import diagnostics

diff = metalsim.metal_kernel(
    name="diff",
    input_names=["inp"],
    output_names=["out"],
    source="""
        uint i = thread_position_in_grid.x;
        out[i] = inp[i + 1] - inp[i];  // i + 1 == n for the last thread
    """,
)
x = mx.arange(1000, dtype=mx.float32) ** 2
call = dict(inputs=[x], output_shapes=[x.shape], output_dtypes=[x.dtype],
            grid=(x.size, 1, 1), threadgroup=(256, 1, 1))  # fmt: skip
# --8<-- [end:kernel]


if __name__ == "__main__":
    # --8<-- [start:asan]
    try:
        report = diagnostics.run_with_asan(diff, **call)
    except metalsim.ToolchainError as e:  # no clang with an ASan runtime on this machine
        print("skipped:", e)
    else:
        print(report.error, "at", report.location)  # heap-buffer-overflow at <source>:3:18
        print(report.source_line)
    # --8<-- [end:asan]
