"""Signed vs unsigned offsets: the same copy-and-scale with `uint` and with `int` indices.

606 advises signed offsets (the A8's addressing wanted them); the price is a 2**31 - 1
element limit instead of 2**32 - 1 (PC-3).
"""

# --8<-- [start:kernels]
import functools
from collections.abc import Callable

import mlx.core as mx

from metal_guide.wwdc16_optimization.elementwise import launch_elementwise

# Before: the unsigned position MLX declares, used as it comes.
UNSIGNED = """
    uint i = thread_position_in_grid.x;
    out[i] = T(2.0f * float(x[i]));
"""

# After: a signed index, as 606 advises for device-memory offsets.
SIGNED = """
    int i = int(thread_position_in_grid.x);
    out[i] = T(2.0f * float(x[i]));
"""
MAX_SIGNED_ELEMENTS = 2**31 - 1


@functools.cache
def double_kernel(index: str) -> Callable[..., list[mx.array]]:
    source = {"uint": UNSIGNED, "int": SIGNED}[index]
    return mx.fast.metal_kernel(
        name=f"wwdc16_times_two_{index}", input_names=["x"], output_names=["out"],
        source=source,
    )


def times_two_uint(x: mx.array) -> mx.array:
    return launch_elementwise("times_two_uint", double_kernel("uint"), x)


def times_two_int(x: mx.array) -> mx.array:
    # An int index wraps at 2**31; refuse inputs it cannot address.
    return launch_elementwise("times_two_int", double_kernel("int"), x,
                              max_elements=MAX_SIGNED_ELEMENTS)
# --8<-- [end:kernels]


# --8<-- [start:reference]
def times_two_reference(x: mx.array) -> mx.array:
    return (2.0 * x.astype(mx.float32)).astype(x.dtype)
# --8<-- [end:reference]
