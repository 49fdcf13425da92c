"""16-bit types: an accidental float promotion, then arithmetic in the input's own type."""

# --8<-- [start:kernels]
import functools
from collections.abc import Callable

import mlx.core as mx

from metal_guide.wwdc16_optimization.elementwise import launch_elementwise

# Before: `0.5f` and `0.25f` are float literals, so for half (or bfloat) input
# the whole expression is computed in float and rounded at the end.
PROMOTED = """
    uint i = thread_position_in_grid.x;
    out[i] = T(x[i] * 0.5f + 0.25f);
"""

# After: T-typed constants keep the arithmetic in T: half registers for half
# data. (For bfloat, Metal has bfloat arithmetic since MSL 3.1.)
NATIVE = """
    uint i = thread_position_in_grid.x;
    T v = x[i];
    out[i] = v * T(0.5f) + T(0.25f);
"""


@functools.cache
def promoted_kernel() -> Callable[..., list[mx.array]]:
    return mx.fast.metal_kernel(
        name="wwdc16_affine_promoted", input_names=["x"], output_names=["out"],
        source=PROMOTED,
    )


@functools.cache
def native_kernel() -> Callable[..., list[mx.array]]:
    return mx.fast.metal_kernel(
        name="wwdc16_affine_native", input_names=["x"], output_names=["out"],
        source=NATIVE,
    )


def affine_promoted(x: mx.array) -> mx.array:
    return launch_elementwise("affine_promoted", promoted_kernel(), x)


def affine_native(x: mx.array) -> mx.array:
    return launch_elementwise("affine_native", native_kernel(), x)
# --8<-- [end:kernels]


# --8<-- [start:reference]
def affine_reference(x: mx.array) -> mx.array:
    return (x.astype(mx.float32) * 0.5 + 0.25).astype(x.dtype)
# --8<-- [end:reference]
