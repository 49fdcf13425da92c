"""Argument checks shared by the library's wrappers.

Every public function validates its arguments before anything is built or launched, so bad input
raises `TypeError` or `ValueError` naming the function, the argument and what was expected, and
never reaches a kernel.
"""

from __future__ import annotations

import mlx.core as mx

FLOAT_DTYPES: tuple[mx.Dtype, ...] = (mx.float32, mx.float16, mx.bfloat16)

# Kernels index with 32-bit unsigned integers (`uint`); keeping every array below 2**31
# elements leaves room for `index + stride` without wrapping.
MAX_ELEMENTS = 2**31 - 1


def _dtype_name(dtype: mx.Dtype) -> str:
    return str(dtype).removeprefix("mlx.core.")


def check_float_array(op: str, name: str, x: object, *, min_ndim: int = 0) -> mx.array:
    """`x` as an array, or TypeError/ValueError naming `op`, `name` and the problem."""
    if not isinstance(x, mx.array):
        raise TypeError(f"{op}: `{name}` must be an mx.array, got {type(x).__name__}")
    if x.dtype not in FLOAT_DTYPES:
        raise TypeError(
            f"{op}: `{name}` has dtype {_dtype_name(x.dtype)}; "
            "expected float32, float16 or bfloat16"
        )
    if x.ndim < min_ndim:
        raise ValueError(
            f"{op}: `{name}` has {x.ndim} dimension(s); expected at least {min_ndim}"
        )
    if x.size == 0:
        raise ValueError(f"{op}: `{name}` is empty (shape {tuple(x.shape)})")
    if x.size > MAX_ELEMENTS:
        raise ValueError(
            f"{op}: `{name}` has {x.size} elements, more than this kernel's limit of "
            f"{MAX_ELEMENTS} (2**31 - 1); split the input"
        )
    return x


def check_same_dtype(op: str, name: str, x: mx.array, other_name: str, other: mx.array) -> None:
    """TypeError unless two arrays share a dtype: kernels are instantiated for one type."""
    if x.dtype != other.dtype:
        raise TypeError(
            f"{op}: `{name}` has dtype {_dtype_name(x.dtype)} but `{other_name}` has "
            f"{_dtype_name(other.dtype)}; cast one of them (kernels use one dtype)"
        )


def check_vector(op: str, name: str, v: object, length: int, like: mx.array) -> mx.array:
    """A 1-D weight or bias of `length` elements with `like`'s dtype, or an error naming it."""
    v = check_float_array(op, name, v)
    if v.ndim != 1 or v.shape[0] != length:
        raise ValueError(
            f"{op}: `{name}` has shape {tuple(v.shape)}; expected ({length},), "
            "the size of the last axis of `x`"
        )
    check_same_dtype(op, name, v, "x", like)
    return v


def check_eps(op: str, eps: object) -> float:
    """`eps` as a float, or an error: a negative or non-finite eps silently gives NaN."""
    if isinstance(eps, bool) or not isinstance(eps, (int, float)):
        raise TypeError(f"{op}: `eps` must be a float, got {type(eps).__name__}")
    if not 0.0 <= float(eps) < float("inf"):
        raise ValueError(f"{op}: `eps` must be finite and >= 0, got {eps}")
    return float(eps)
