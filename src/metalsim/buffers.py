"""Host buffers of an emulated launch: dtypes, input views, output poison and guard regions.

Everything a launch points the kernel at is a NumPy array: inputs are zero-copy views of MLX's
memory where possible, outputs are fresh allocations filled with a poison pattern and placed
between guard regions (see "Redzones" below).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import mlx.core as mx
import numpy as np

from metalsim.errors import KernelRuntimeError

NP_DTYPES: dict[mx.Dtype, Any] = {
    mx.bool_: np.bool_,
    mx.int8: np.int8,
    mx.int16: np.int16,
    mx.int32: np.int32,
    mx.int64: np.int64,
    mx.uint8: np.uint8,
    mx.uint16: np.uint16,
    mx.uint32: np.uint32,
    mx.uint64: np.uint64,
    mx.float16: np.float16,
    mx.bfloat16: np.uint16,  # NumPy has no bfloat16: carry the bits
    mx.float32: np.float32,
    mx.complex64: np.complex64,
}

POISON_BYTE = 0xFF


def input_view(a: mx.array) -> np.ndarray:
    """Zero-copy NumPy view of an evaluated array, with its real (possibly 0/negative) strides.

    bfloat16 is viewed as uint16 (same bits).
    """
    if a.dtype == mx.bfloat16:
        a = a.view(mx.uint16)
        mx.eval(a)
    return np.asarray(a)


def fill_value(init_value: float, dtype: mx.Dtype) -> np.ndarray:
    # MLX fills with array(init_value, out.dtype): a float32 cast to the output dtype.
    v = mx.array(np.float32(init_value)).astype(dtype)
    if dtype == mx.bfloat16:
        v = v.view(mx.uint16)
    return np.asarray(v)


# Redzones. Each output, and each input copy metalsim makes, is allocated with a guard region
# before and after it, filled with a canary pattern and checked after the launch. A kernel that
# writes out of bounds on a GPU usually corrupts some other buffer silently; here the same write
# would land in the Python process's heap and crash the interpreter much later ("free(): invalid
# next size"), far from the kernel. The guards turn the common cases into an error that names
# the buffer.
#
# This only catches writes that land *in* a guard: a write further away, a read out of bounds,
# or a write that happens to store the canary bytes goes unnoticed. The complete check is the
# AddressSanitizer mode (diagnostics.run_with_asan), which has no guards at all: a guard is valid
# memory as far as ASan is concerned, so it would hide the very overflows ASan should report.
#
# Size: twice the buffer, at least 4 KiB, at most 256 KiB (a multiple of 64 bytes). Typical
# overflows land close to the end: an off-by-one index, a grid rounded up to whole threadgroups
# without a bounds check (up to 1023 elements past), or a batch stride larger than the output's
# row (mlx-examples' encodec LSTM with batch 2 starts writing exactly one buffer length past the
# end of its outputs, so a guard of one buffer would just miss it). The cost is a fill and a
# comparison of at most 512 KiB per buffer per launch: a few microseconds for a small buffer,
# under 0.5 ms for a 64 MiB one (mostly first-touch page faults), small next to the launch of
# a kernel that writes that much. The buffer starts 64-byte aligned, so vector loads (float4,
# ...) see the alignment of a GPU buffer.

GUARD_MIN = 4 * 1024
GUARD_CAP = 256 * 1024
_GUARD_ALIGN = 64
# Eight distinct bytes, none 0x00 or 0xFF (zero stores and the output poison always differ);
# long enough for the largest guard plus alignment padding.
_CANARY = np.tile(
    np.frombuffer(b"\xa5\x5a\xc3\x3c\x96\x69\x1e\xe1", dtype=np.uint8),
    (GUARD_CAP + _GUARD_ALIGN) // 8,
)
_CANARY_BYTES = _CANARY.tobytes()


def guard_size(shape: tuple[int, ...], itemsize: int) -> int:
    """Bytes of guard on each side of a buffer of this shape (see the comment above)."""
    nbytes = math.prod(shape) * itemsize
    size = min(GUARD_CAP, max(GUARD_MIN, 2 * nbytes))
    return -(-size // _GUARD_ALIGN) * _GUARD_ALIGN


@dataclass
class Guarded:
    """A buffer inside ``raw``: guards are ``raw[:start]`` and ``raw[start + nbytes:]``.

    Each guard is at least ``guard_size`` bytes; the alignment padding is guard too (a 0-byte
    NumPy view points at the start of ``raw``, so a write to it lands there).
    """

    what: str  # "output `name`" / "input `name`"
    raw: np.ndarray  # uint8, owns the memory
    start: int
    nbytes: int
    itemsize: int

    def problem(self) -> str | None:
        """None if both guards still hold the canary, else what the kernel did.

        Offsets are relative to the buffer's first byte (negative: before it), and the element
        index is the one the kernel would have used, e.g. ``out[48]`` for a 48-element output.
        """
        end = self.start + self.nbytes
        tail = len(self.raw) - end
        # Fast path: two memcmp-speed comparisons of bytes objects (about 1 us in all).
        if (
            self.raw[: self.start].tobytes() == _CANARY_BYTES[: self.start]
            and self.raw[end:].tobytes() == _CANARY_BYTES[:tail]
        ):
            return None
        before = self.raw[: self.start] != _CANARY[: self.start]
        after = self.raw[end:] != _CANARY[:tail]
        if self.nbytes == 0:
            return f"wrote to {self.what}, which has no elements (0-byte buffer)"
        if after.any():
            where, offset = "past the end of", self.nbytes + int(np.flatnonzero(after)[0])
            which = "first"
        else:  # the bad byte nearest the buffer: the likeliest index expression is off by one
            where, offset = "before the start of", int(np.flatnonzero(before)[-1]) - self.start
            which = "nearest"
        return (
            f"wrote {where} {self.what} ({which} bad byte at offset {offset} of its "
            f"{self.nbytes}-byte buffer, i.e. element [{offset // self.itemsize}] of "
            f"{self.nbytes // self.itemsize})"
        )


def guarded_empty(
    shape: tuple[int, ...], dtype: Any, what: str, guards: list[Guarded]
) -> np.ndarray:
    """An uninitialised C-contiguous array inside a guarded allocation (recorded in guards)."""
    dt = np.dtype(dtype)
    nbytes = math.prod(shape) * dt.itemsize
    guard = guard_size(shape, dt.itemsize)
    raw = np.empty(nbytes + 2 * guard + _GUARD_ALIGN, dtype=np.uint8)
    start = (-raw.ctypes.data) % _GUARD_ALIGN + guard
    end = start + nbytes
    raw[:start] = _CANARY[:start]
    raw[end:] = _CANARY[: len(raw) - end]
    guards.append(Guarded(what, raw, start, nbytes, dt.itemsize))
    return raw[start:end].view(dt).reshape(shape)


def check_guards(kernel_name: str, guards: list[Guarded]) -> None:
    problems = [p for p in (g.problem() for g in guards) if p is not None]
    if problems:
        more = "".join(f"\n  also {p}" for p in problems[1:])
        raise KernelRuntimeError(
            f"kernel `{kernel_name}` {problems[0]}; rerun with "
            f"metalsim.diagnostics.run_with_asan(...) to find the line{more}"
        )


def to_mx(n: np.ndarray, dtype: mx.Dtype) -> mx.array:
    """An ``mx.array`` copy of an output buffer."""
    a = mx.array(n)
    return a.view(mx.bfloat16) if dtype == mx.bfloat16 else a


# A Metal buffer starts at least 16-byte aligned (a page, in practice), and kernels rely on it:
# `reinterpret_cast<device float4*>(x)` compiles to aligned vector loads, and on x86 a misaligned
# one faults. MLX's CPU allocator puts a size header before the data (8 mod 16 on glibc), so
# contiguous inputs that are not aligned to the largest Metal vector (long4, 32 bytes) are copied.
_BUFFER_ALIGN = 32


def misaligned(n: np.ndarray) -> bool:
    return n.flags.c_contiguous and n.ctypes.data % _BUFFER_ALIGN != 0


def buffer_arg(n: np.ndarray) -> Any:
    """A launch argument for an input buffer: its first element, with the view's strides."""
    if n.flags.c_contiguous:
        return memoryview(n.reshape(-1)) if n.ndim > 0 else memoryview(n)
    # Strided views (ensure_row_contiguous=False): the address of the first element, as MLX
    # binds the buffer at the array's offset; the kernel walks it with name_strides.
    return int(n.ctypes.data)


# A reversed view (negative stride) is bound at its first element, so the kernel reaches the
# rest of it with negative offsets. A kernel that computes the offset in 32-bit `uint` (most
# often `elem_to_loc(i, ...)` with `uint i`: elem_to_loc takes its index type from its first
# argument) gets 2**32 - k instead of -k and reads about 2**32 elements past the view. On Apple
# GPUs that read is out of bounds too: MLX's own sort returned zeros for reversed views from this
# very bug until ml-explore/mlx#4252 asked for elem_to_loc<int64_t>. Here it faults, and the
# runtime's message (runtime/faults.cpp, `fault_handler`) names the address; the hint below says
# why.
_FAULT_ADDRESS = re.compile(r"accessed (?:invalid|misaligned or unmapped) address (0x[0-9a-fA-F]+)")
_UINT_RANGE = 2**32


def wrapped_offset_hint(message: str, views: list[tuple[str, np.ndarray]]) -> str | None:
    """Why a fault at this address is likely a negative offset wrapped to ``uint``, or None.

    ``views`` are the inputs bound in place (name, NumPy view with the strides the kernel got).
    The hint is given only when the faulting address is exactly where such a wrapped offset into
    one of them lands: first element + (2**32 - k) elements, for a k the view reaches backwards.
    """
    m = _FAULT_ADDRESS.search(message)
    if m is None:
        return None
    address = int(m.group(1), 16)
    for name, n in views:
        # Bytes the view reaches before its first element (its negative strides).
        below = -sum(min(0, (d - 1) * s) for d, s in zip(n.shape, n.strides, strict=True))
        if below == 0 or n.size == 0:
            continue
        wrapped_end = n.ctypes.data + _UINT_RANGE * n.itemsize
        if wrapped_end - below <= address < wrapped_end:
            k = -(-(wrapped_end - address) // n.itemsize)
            strides = [s // n.itemsize for s in n.strides]
            return (
                f"Likely cause: input `{name}` has a negative stride (strides {strides}, in "
                f"elements), and the fault is at its element {_UINT_RANGE - k} = 2**32 - {k}: "
                f"the offset -{k} wrapped around in 32-bit unsigned arithmetic: it was computed "
                "or stored as `uint`. Usually elem_to_loc(i, ...) with `uint i`: elem_to_loc "
                "takes its index type from its first argument. Keep offsets in a signed 64-bit "
                "type: elem_to_loc(int64_t(i), ...) or elem_to_loc<int64_t>(i, ...), stored in "
                "an int64_t. On an Apple GPU this read is out of bounds as well (MLX fixed the "
                "same bug in its sort kernel: https://github.com/ml-explore/mlx/pull/4252)."
            )
    return None
