"""One launcher for the element-wise pairs of this page: one thread per element."""

from __future__ import annotations

from collections.abc import Callable

import mlx.core as mx

from metal_guide.wwdc16_optimization.validation import MAX_UINT_ELEMENTS, check_float_array


def launch_elementwise(fn: str, kernel: Callable[..., list[mx.array]], x: mx.array,
                       *, max_elements: int = MAX_UINT_ELEMENTS) -> mx.array:
    """Run ``kernel`` (input ``x``, output ``out``, template ``T``) over every element."""
    check_float_array(fn, "x", x, max_elements=max_elements)
    return kernel(
        inputs=[x], template=[("T", x.dtype)], grid=(x.size, 1, 1),
        threadgroup=(256, 1, 1), output_shapes=[x.shape], output_dtypes=[x.dtype],
    )[0]
