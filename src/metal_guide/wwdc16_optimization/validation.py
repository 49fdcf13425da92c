"""Input checks shared by the pairs on this page (each raises naming the argument)."""

from __future__ import annotations

import mlx.core as mx

FLOAT_DTYPES = (mx.float32, mx.float16, mx.bfloat16)
# thread_position_in_grid is a 32-bit unsigned integer in every kernel MLX generates.
MAX_UINT_ELEMENTS = 2**32 - 1


def check_float_array(fn: str, name: str, x: object, *, ndim: int | None = None,
                      max_elements: int = MAX_UINT_ELEMENTS) -> mx.array:
    """``x`` if it is a float32/float16/bfloat16 array of the right rank and size."""
    if not isinstance(x, mx.array):
        raise TypeError(f"{fn}: `{name}` must be an mx.array, got {type(x).__name__}")
    if x.dtype not in FLOAT_DTYPES:
        raise TypeError(
            f"{fn}: `{name}` has dtype {x.dtype}; expected float32, float16 or bfloat16"
        )
    if ndim is not None and x.ndim != ndim:
        raise ValueError(f"{fn}: `{name}` must be {ndim}-D, got shape {x.shape}")
    if x.size == 0:
        raise ValueError(f"{fn}: `{name}` is empty")
    if x.size > max_elements:
        raise ValueError(
            f"{fn}: `{name}` has {x.size} elements, more than this kernel's limit of "
            f"{max_elements}"
        )
    return x
