"""MLX's argument handling for ``metal_kernel(...)`` and its call, reproduced in Python.

MLX's Python binding (nanobind) rejects values of the wrong type with a ``TypeError`` before
MLX's own checks run; ``Reject`` marks such a value and ``incompatible`` builds the
error. We reproduce which values pass, not nanobind's exact message. The rest mirrors MLX's
``to_array``, ``parse_compile_options`` and its stream check.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping, Sequence
from typing import Any

import mlx.core as mx
import numpy as np

from metalsim.config import MATH_MODES

# The signatures nanobind prints in its "incompatible function arguments" error.
CTOR_SIG = (
    "metal_kernel(name: str, input_names: collections.abc.Sequence[str], output_names: "
    "collections.abc.Sequence[str], source: str, header: str = '', ensure_row_contiguous: bool "
    "= True, atomic_outputs: bool = False, compile_options: object | None = None) -> object"
)
CALL_SIG = (
    "__call__(self, *, inputs: list[scalar | array], output_shapes: list[Sequence[int]], "
    "output_dtypes: list[Dtype], grid: tuple[int, int, int], threadgroup: tuple[int, int, int], "
    "template: list[tuple[str, bool | int | Dtype]] | None = None, init_value: float | None = "
    "None, verbose: bool = false, stream: StreamOrDevice = None)"
)


class Reject(Exception):
    """A value nanobind would not convert."""


def incompatible(fn: str, sig: str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> TypeError:
    parts = [type(a).__name__ for a in args]
    kw = ", ".join(f"{k}: {type(v).__name__}" for k, v in kwargs.items())
    invoked = ", ".join(parts + ([f"kwargs = {{ {kw} }}"] if kw else []))
    return TypeError(
        f"{fn}(): incompatible function arguments. The following argument types are supported:\n"
        f"    1. {sig}\n\nInvoked with types: {invoked}"
    )


def seq(obj: Any) -> list[Any]:
    # nanobind's sequence casters take any sequence except str/bytes (and never mappings or
    # iterators).
    if isinstance(obj, (str, bytes, bytearray, Mapping)):
        raise Reject
    if isinstance(obj, (list, tuple)):
        return list(obj)
    t = type(obj)
    if not (hasattr(t, "__getitem__") and hasattr(t, "__len__")):
        raise Reject
    try:
        return [obj[i] for i in range(len(obj))]
    except Exception:
        raise Reject from None


def int32(v: Any) -> int:
    if isinstance(v, float):
        raise Reject
    try:
        i = operator.index(v)
    except TypeError:
        raise Reject from None
    if not -(2**31) <= i < 2**31:
        raise Reject
    return i


def int3(v: Any) -> tuple[int, int, int]:
    items = seq(v)
    if len(items) != 3:
        raise Reject
    return (int32(items[0]), int32(items[1]), int32(items[2]))


def strict_bool(v: Any) -> bool:
    if v is True or v is False:
        return v
    raise Reject


def string(v: Any) -> str:
    if not isinstance(v, str):
        raise Reject
    return v


def opt_float32(v: Any) -> float | None:
    if v is None:
        return None
    if isinstance(v, (str, bytes)):
        raise Reject
    t = type(v)
    if not (hasattr(t, "__float__") or hasattr(t, "__index__")):
        raise Reject
    try:
        f = float(v) if hasattr(t, "__float__") else float(operator.index(v))
    except Exception:
        raise Reject from None
    with np.errstate(over="ignore"):
        return float(np.float32(f))  # std::optional<float>: rounded to float32


def stream(v: Any) -> Any:
    if v is None or isinstance(v, (mx.Stream, mx.ThreadLocalStream, mx.Device, mx.DeviceType)):
        return v
    raise Reject


def check_stream(s: Any) -> None:
    """MLX's ``resolve_metal_kernel_stream`` as it behaves with Metal (or while exporting)."""
    if s is None:
        return
    if isinstance(s, mx.DeviceType):
        device_type = s
    elif isinstance(s, mx.Device):
        device_type = s.type
    else:  # Stream / ThreadLocalStream
        device_type = s.device.type
    if device_type != mx.gpu:
        raise ValueError("[metal_kernel] Only supports the GPU.")


def _type_name(obj: Any) -> str:
    t = type(obj)
    return t.__qualname__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


def to_array(v: Any) -> mx.array:
    """MLX's Python ``to_array`` (python/src/utils.cpp) with no dtype requested."""
    if isinstance(v, bool):
        return mx.array(v, dtype=mx.bool_)
    if isinstance(v, int):
        if not -(2**63) <= v < 2**63:
            raise RuntimeError("std::bad_cast")  # what nanobind's int64 cast raises in MLX
        return mx.array(v, dtype=mx.int32 if -(2**31) <= v < 2**31 else mx.int64)
    if isinstance(v, float):
        return mx.array(v, dtype=mx.float32)
    if isinstance(v, mx.array):
        return v
    if hasattr(v, "__dlpack__") or _has_buffer(v):
        return mx.array(v)
    if isinstance(v, complex):
        return mx.array(v, dtype=mx.complex64)
    if hasattr(v, "__mlx_array__"):
        return v.__mlx_array__()
    raise ValueError(f"Invalid type {_type_name(v)} received in array initialization.")


def _has_buffer(v: Any) -> bool:
    try:
        memoryview(v)
    except TypeError:
        return False
    return True


def parse_compile_options(obj: Any) -> str:
    """MLX's ``parse_compile_options``; returns the math mode."""
    math_mode = "safe"
    if obj is None:
        return math_mode
    if not isinstance(obj, dict):
        raise ValueError("[metal_kernel] Expected `compile_options` to be a dict.")
    for key, value in obj.items():
        if not isinstance(key, str):
            raise RuntimeError("std::bad_cast")
        if key == "math_mode":
            if not isinstance(value, str):
                raise RuntimeError("std::bad_cast")
            if value not in MATH_MODES:
                raise ValueError(
                    "[metal_kernel] Expected math_mode to be 'safe', 'relaxed', or 'fast'."
                )
            math_mode = value
        else:
            raise ValueError(f"[metal_kernel] Unknown compile option `{key}`.")
    return math_mode
