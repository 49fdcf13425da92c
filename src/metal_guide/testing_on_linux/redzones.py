"""Testing on Linux: a write past the end of an output is an error, not heap corruption.

metalsim allocates every output with a guard region before and after it and checks the guards
after the launch. This kernel's index is off by one, so its last thread writes one element past
the end of ``out``.
"""

# --8<-- [start:kernel]
import mlx.core as mx

import metalsim

shift = metalsim.metal_kernel(
    name="shift_left",
    input_names=["inp"],
    output_names=["out"],
    source="""
        uint i = thread_position_in_grid.x;
        out[i + 1] = inp[i];  // meant: out[i] = inp[i + 1], with a bounds check
    """,
)
x = mx.arange(48, dtype=mx.float32)
call = dict(inputs=[x], output_shapes=[x.shape], output_dtypes=[x.dtype],
            grid=(x.size, 1, 1), threadgroup=(32, 1, 1))  # fmt: skip
# --8<-- [end:kernel]


if __name__ == "__main__":
    # --8<-- [start:guard]
    try:
        shift(**call)
    except metalsim.KernelRuntimeError as e:
        print(e)
    else:
        raise AssertionError("expected the guard check to fail")
    # --8<-- [end:guard]
