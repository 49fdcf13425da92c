"""Testing on Linux: find output elements a kernel never writes.

The kernel handles four elements per thread and the launch has ``n // 4`` threads, so when
``n`` is not a multiple of 4 the last one to three elements are never written. On a GPU they
hold whatever the recycled buffer held, which can look right.
"""

# --8<-- [start:kernel]
import mlx.core as mx

import metalsim
from metalsim import diagnostics

scale4 = metalsim.metal_kernel(
    name="scale4",
    input_names=["inp"],
    output_names=["out"],
    source="""
        uint i = 4 * thread_position_in_grid.x;
        for (uint j = i; j < i + 4; j++) {
            out[j] = 2.0f * inp[j];
        }
    """,
)


def scale4_call(x: mx.array) -> dict:
    """The keyword arguments of one call: n // 4 threads (the bug: the tail is dropped)."""
    return dict(inputs=[x], output_shapes=[x.shape], output_dtypes=[x.dtype],
                grid=(x.size // 4, 1, 1), threadgroup=(64, 1, 1))  # fmt: skip
# --8<-- [end:kernel]


if __name__ == "__main__":
    # --8<-- [start:poison]
    x = mx.arange(1003, dtype=mx.float32)
    (y,) = scale4(**scale4_call(x))
    print(y[-4:])  # metalsim fills outputs with 0xFF bytes first: unwritten floats are NaN
    # --8<-- [end:poison]
    assert mx.isnan(y[-3:]).all() and y[-4].item() == 2 * 999

    # --8<-- [start:report]
    report = diagnostics.unwritten_outputs(scale4, **scale4_call(x))
    print(report)
    # --8<-- [end:report]
    assert report and report.outputs[0].count == 3
