"""Select vs arithmetic tricks: a leaky ReLU (606, "Arithmetic")."""

# --8<-- [start:kernels]
import functools
from collections.abc import Callable

import mlx.core as mx

from metal_guide.wwdc16_optimization.elementwise import launch_elementwise

# Before: a branch-free trick, multiplying by 0 or 1. It is no faster, and
# inf * 0 is NaN, so an infinite input gives NaN instead of inf.
MASK_ARITHMETIC = """
    uint i = thread_position_in_grid.x;
    float v = float(x[i]);
    out[i] = T(v * float(v > 0.0f) + 0.01f * v * float(v <= 0.0f));
"""

# After: say what you mean. A ternary compiles to a select, not a branch.
TERNARY = """
    uint i = thread_position_in_grid.x;
    float v = float(x[i]);
    out[i] = T(v > 0.0f ? v : 0.01f * v);
"""


@functools.cache
def leaky_relu_kernel(variant: str) -> Callable[..., list[mx.array]]:
    source = {"mask": MASK_ARITHMETIC, "ternary": TERNARY}[variant]
    return mx.fast.metal_kernel(
        name=f"wwdc16_leaky_relu_{variant}", input_names=["x"], output_names=["out"],
        source=source,
    )


def leaky_relu(x: mx.array, variant: str = "ternary") -> mx.array:
    return launch_elementwise(f"leaky_relu ({variant})", leaky_relu_kernel(variant), x)
# --8<-- [end:kernels]


# --8<-- [start:reference]
def leaky_relu_reference(x: mx.array) -> mx.array:
    v = x.astype(mx.float32)
    return mx.where(v > 0, v, 0.01 * v).astype(x.dtype)
# --8<-- [end:reference]
