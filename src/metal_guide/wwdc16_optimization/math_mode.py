"""Math mode as a lever: the same masked exponential in "safe" and "relaxed" math.

`exp(-inf)` must be 0 for masked softmax; "fast" math lets the compiler assume there are no
infinities at all (ml-explore/mlx#3592), "relaxed" keeps them on Apple silicon (MSL §1.6.3).
"""

# --8<-- [start:kernels]
import functools
from collections.abc import Callable

import mlx.core as mx

from metal_guide.wwdc16_optimization.validation import check_float_array

# exp(x - rowmax) with -inf marking masked positions: exp(-inf) must be 0.
MASKED_EXP = """
    uint i = thread_position_in_grid.x;
    out[i] = T(metal::exp(float(x[i]) - float(shift[0])));
"""


@functools.cache
def masked_exp_kernel(math_mode: str) -> Callable[..., list[mx.array]]:
    """One kernel per math mode; "relaxed" needs macOS 15 (MLX 0.32 and later)."""
    return mx.fast.metal_kernel(
        name=f"wwdc16_masked_exp_{math_mode}", input_names=["x", "shift"],
        output_names=["out"], source=MASKED_EXP,
        compile_options={"math_mode": math_mode},
    )
# --8<-- [end:kernels]


def masked_exp(x: mx.array, math_mode: str = "safe") -> mx.array:
    """exp(x - max(x)); entries equal to -inf give 0 (in "safe" and "relaxed" modes)."""
    check_float_array("masked_exp", "x", x)
    if math_mode not in ("safe", "relaxed", "fast"):
        raise ValueError(f"masked_exp: math_mode must be 'safe', 'relaxed' or 'fast', "
                         f"got {math_mode!r}")
    shift = mx.max(x.astype(mx.float32)).reshape(1)
    return masked_exp_kernel(math_mode)(
        inputs=[x, shift], template=[("T", x.dtype)], grid=(x.size, 1, 1),
        threadgroup=(256, 1, 1), output_shapes=[x.shape], output_dtypes=[x.dtype],
    )[0]


# --8<-- [start:reference]
def masked_exp_reference(x: mx.array) -> mx.array:
    v = x.astype(mx.float32)
    return mx.exp(v - v.max()).astype(x.dtype)
# --8<-- [end:reference]
