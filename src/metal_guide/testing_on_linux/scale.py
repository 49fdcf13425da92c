"""Testing on Linux: an ordinary kernel, and three ways to run it under metalsim.

The kernel code is plain MLX: nothing in it knows about metalsim. On a Mac it runs on the GPU;
on Linux, where MLX has no Metal back-end, metalsim runs it on the CPU.
"""

# --8<-- [start:kernel]
import functools

import mlx.core as mx

import metalsim

SCALE_SOURCE = """
    uint i = thread_position_in_grid.x;
    out[i] = factor * inp[i];
"""


@functools.cache
def scale_kernel():
    # Built once, on first use: metalsim.install() only has to come before the first call.
    return mx.fast.metal_kernel(
        name="scale", input_names=["inp", "factor"], output_names=["out"], source=SCALE_SOURCE
    )


def scale(x: mx.array, factor: float) -> mx.array:
    """factor * x, computed by a custom Metal kernel."""
    return scale_kernel()(
        inputs=[x, factor],
        output_shapes=[x.shape],
        output_dtypes=[x.dtype],
        grid=(x.size, 1, 1),
        threadgroup=(256, 1, 1),
    )[0]
# --8<-- [end:kernel]


if __name__ == "__main__":
    # --8<-- [start:installed]
    x = mx.arange(1000, dtype=mx.float32)
    with metalsim.installed():  # emulate only inside the block (and only without Metal)
        y = scale(x, 2.0)
    assert mx.array_equal(y, 2 * x)
    # --8<-- [end:installed]

    # --8<-- [start:install]
    metalsim.install()  # from now on, mx.fast.metal_kernel emulates when Metal is missing
    try:
        y = scale(x, 3.0)
    finally:
        metalsim.uninstall()  # every successful install() is balanced by one uninstall()
    assert mx.array_equal(y, 3 * x)
    # --8<-- [end:install]

    # --8<-- [start:direct]
    # Always emulated, on a Mac too: same arguments as mx.fast.metal_kernel.
    kernel = metalsim.metal_kernel(
        name="scale", input_names=["inp", "factor"], output_names=["out"], source=SCALE_SOURCE
    )
    (y,) = kernel(inputs=[x, 0.5], output_shapes=[x.shape], output_dtypes=[x.dtype],
                  grid=(x.size, 1, 1), threadgroup=(256, 1, 1))  # fmt: skip
    assert mx.array_equal(y, 0.5 * x)
    # --8<-- [end:direct]
    print("scale: emulated results match")
