"""Custom kernels: one element-wise leaky ReLU, from torch.mps.compile_shader to MLX.

The PyTorch side needs an MPS device (a Mac) and is not executed by this project; the MLX
side runs under metalsim on Linux (emulated) and on a Mac's GPU unchanged.
"""

# --8<-- [start:setup]
import functools
from collections.abc import Callable

import mlx.core as mx

# --8<-- [end:setup]


# --8<-- [start:torch_mps]
# A whole Metal function: PyTorch binds the arguments in order.
MPS_SOURCE = """
kernel void leaky_relu(device const float* x, device float* out,
                       constant float& slope,
                       uint i [[thread_position_in_grid]]) {
    float v = x[i];
    out[i] = v > 0.0f ? v : slope * v;
}
"""


def leaky_relu_mps(x: "torch.Tensor", slope: float) -> "torch.Tensor":  # noqa: F821
    import torch

    lib = torch.mps.compile_shader(MPS_SOURCE)  # build once in real code
    out = torch.empty_like(x)
    # As in compile_shader's docstring example, which passes no launch size.
    lib.leaky_relu(x, out, slope)
    return out


# --8<-- [end:torch_mps]


# --8<-- [start:mlx_side]
# Only the body: MLX writes the signature from input_names and output_names.
LEAKY_RELU_SOURCE = """
    uint i = thread_position_in_grid.x;
    float v = float(x[i]);
    out[i] = T(v > 0.0f ? v : slope[0] * v);
"""


@functools.cache
def leaky_relu_kernel() -> Callable[..., list[mx.array]]:
    return mx.fast.metal_kernel(
        name="pytorch_to_mlx_leaky_relu",
        input_names=["x", "slope"],
        output_names=["out"],
        source=LEAKY_RELU_SOURCE,
    )


def leaky_relu(x: mx.array, slope: float) -> mx.array:
    """Leaky ReLU of a floating-point array; the kernel reads x as a flat buffer."""
    if not mx.issubdtype(x.dtype, mx.floating):
        raise TypeError(f"x must be float32, float16 or bfloat16, got {x.dtype}")
    (out,) = leaky_relu_kernel()(
        inputs=[x, mx.array([slope], dtype=mx.float32)],
        template=[("T", x.dtype)],
        grid=(x.size, 1, 1),  # threads, not threadgroups
        threadgroup=(256, 1, 1),
        output_shapes=[x.shape],
        output_dtypes=[x.dtype],
    )
    return out


# --8<-- [end:mlx_side]
