"""Testing on Linux: an MLX script with no metalsim in it, for ``python -m metalsim run``.

``python plain_script.py`` on Linux stops with "No Metal back-end"; ``python -m metalsim run
plain_script.py`` runs the same file with the kernel emulated.
"""

# --8<-- [start:script]
import mlx.core as mx

kernel = mx.fast.metal_kernel(
    name="square",
    input_names=["inp"],
    output_names=["out"],
    source="""
        uint i = thread_position_in_grid.x;
        out[i] = inp[i] * inp[i];
    """,
)
x = mx.arange(8, dtype=mx.float32)
(y,) = kernel(inputs=[x], output_shapes=[x.shape], output_dtypes=[x.dtype],
              grid=(x.size, 1, 1), threadgroup=(8, 1, 1))  # fmt: skip
print(y.tolist())
# --8<-- [end:script]
