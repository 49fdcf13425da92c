"""``metalsim.metal_kernel``: a drop-in for ``mx.fast.metal_kernel`` that runs on the CPU.

The constructor and the call take MLX 0.32's arguments, validate them in MLX's order with MLX's
exception types and messages (nanobind conversion errors become ``TypeError``), generate MLX's
exact Metal source (``metalsim.signature``), then compile it with the language layer
(``compiler.compile_kernel``) and run it with the runtime (``launch.launch``).

What differs from MLX on a Mac, by design:

- the kernel runs eagerly at call time, so errors MLX raises at evaluation (compile errors,
  threadgroup too large, kernel faults) are raised by the call;
- the ``stream`` argument is validated like MLX's, then ignored: everything runs on the CPU;
- outputs that the kernel does not write hold a poison pattern (all bytes ``0xFF``) instead of
  whatever a recycled GPU buffer held;
- outputs (and the input copies metalsim makes) sit between two guard regions; a kernel that
  writes into one raises ``KernelRuntimeError`` naming the buffer, instead of silently
  corrupting the Python process's heap (not in AddressSanitizer mode, which checks exactly);
- the result is wrapped in ``mx.custom_function`` whose VJP/JVP/vmap raise MLX's errors, so
  ``mx.grad`` through a kernel fails loudly instead of returning zeros;
- calls on tracers are handed to MLX's own ``metal_kernel``: under ``mx.export_function`` it
  records its real ``CustomKernel``; ``mx.compile``/``mx.vmap`` (which would need Metal) raise
  a clear error;
- ``verbose=True`` writes MLX's text to ``sys.stdout`` (MLX uses C++ ``std::cout``, fd 1).
"""

from __future__ import annotations

import math
import operator
import os
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

import mlx.core as mx
import numpy as np

from metalsim import signature
from metalsim.errors import KernelRuntimeError

# ---------------------------------------------------------------------------------------------
# Run-time settings (schedule, barriers, sanitizer): used by diagnostics and the pytest plugin.

_SCHEDULES = ("forward", "reverse", "random")
_MATH_MODES = ("safe", "relaxed", "fast")


@dataclass(frozen=True)
class Settings:
    """How emulated kernels are run; see [`settings`][metalsim.settings] and
    [`configure`][metalsim.configure]."""

    schedule: str = "forward"  # order threads of a threadgroup run in: forward|reverse|random
    seed: int = 0  # for schedule="random"
    strict_barriers: bool = False  # fail on barriers in divergent code (Apple silicon: lenient)
    sanitize: bool = False  # compile with AddressSanitizer (needs the ASan runtime preloaded)
    workers: int = 0  # OS threads; 0 = one per core
    stack_size: int = 0  # bytes of stack per emulated thread (fiber); 0 = the runtime's default
    watchdog_seconds: float | None = None  # None = the runtime's default, 0 = off
    math_mode: str | None = None  # override the kernel's compile_options math_mode
    dry_run: bool = False  # generate (and report) the source but neither compile nor launch

    def __post_init__(self) -> None:
        if self.schedule not in _SCHEDULES:
            raise ValueError(f"[metalsim] schedule must be one of {_SCHEDULES}: {self.schedule!r}")
        if self.math_mode is not None and self.math_mode not in _MATH_MODES:
            raise ValueError(f"[metalsim] math_mode must be one of {_MATH_MODES}")


def parse_schedule(text: str) -> tuple[str, int]:
    """``"forward"``, ``"reverse"``, ``"random"`` or ``"random:SEED"`` -> (schedule, seed)."""
    name, _, seed = text.partition(":")
    if name not in _SCHEDULES or (seed and name != "random"):
        raise ValueError(
            f"[metalsim] bad schedule {text!r}: use forward, reverse, random or random:SEED"
        )
    return name, int(seed) if seed else 0


def _settings_from_env() -> Settings:
    kw: dict[str, Any] = {}
    if os.environ.get("METALSIM_SCHEDULE"):
        kw["schedule"], kw["seed"] = parse_schedule(os.environ["METALSIM_SCHEDULE"])
    if os.environ.get("METALSIM_STRICT_BARRIERS", "") not in ("", "0"):
        kw["strict_barriers"] = True
    if os.environ.get("METALSIM_SANITIZE", "") not in ("", "0"):
        kw["sanitize"] = True
    if os.environ.get("METALSIM_WORKERS"):
        kw["workers"] = int(os.environ["METALSIM_WORKERS"])
    return Settings(**kw)


_settings = _settings_from_env()
_settings_lock = threading.Lock()


def current_settings() -> Settings:
    """The settings emulated kernel calls use right now."""
    return _settings


def configure(**changes: Any) -> Settings:
    """Change the settings for the rest of the process; returns the previous settings."""
    global _settings
    with _settings_lock:
        previous = _settings
        _settings = replace(_settings, **changes)
    return previous


@contextmanager
def settings(**changes: Any) -> Iterator[Settings]:
    """Temporarily change the settings, e.g. ``with metalsim.settings(schedule="reverse"):``."""
    global _settings
    previous = configure(**changes)
    try:
        yield _settings
    finally:
        with _settings_lock:
            _settings = previous


# Number of kernel launches so far (the pytest plugin labels tests that launched any).
launch_count = 0

# Called with (kernel, generated) for every validated call, e.g. by ``metalsim source``.
source_observers: list[Callable[[MetalKernel, signature.GeneratedKernel], None]] = []

# ---------------------------------------------------------------------------------------------
# nanobind-like argument conversion. MLX's binding rejects wrong types with a TypeError before
# its own checks run; we reproduce which values pass, not nanobind's exact message.

_CTOR_SIG = (
    "metal_kernel(name: str, input_names: collections.abc.Sequence[str], output_names: "
    "collections.abc.Sequence[str], source: str, header: str = '', ensure_row_contiguous: bool "
    "= True, atomic_outputs: bool = False, compile_options: object | None = None) -> object"
)
_CALL_SIG = (
    "__call__(self, *, inputs: list[scalar | array], output_shapes: list[Sequence[int]], "
    "output_dtypes: list[Dtype], grid: tuple[int, int, int], threadgroup: tuple[int, int, int], "
    "template: list[tuple[str, bool | int | Dtype]] | None = None, init_value: float | None = "
    "None, verbose: bool = false, stream: StreamOrDevice = None)"
)


class _Reject(Exception):
    """A value nanobind would not convert."""


def _incompatible(fn: str, sig: str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> TypeError:
    parts = [type(a).__name__ for a in args]
    kw = ", ".join(f"{k}: {type(v).__name__}" for k, v in kwargs.items())
    invoked = ", ".join(parts + ([f"kwargs = {{ {kw} }}"] if kw else []))
    return TypeError(
        f"{fn}(): incompatible function arguments. The following argument types are supported:\n"
        f"    1. {sig}\n\nInvoked with types: {invoked}"
    )


def _seq(obj: Any) -> list[Any]:
    # nanobind's sequence casters take any sequence except str/bytes (and never mappings or
    # iterators).
    if isinstance(obj, (str, bytes, bytearray, Mapping)):
        raise _Reject
    if isinstance(obj, (list, tuple)):
        return list(obj)
    t = type(obj)
    if not (hasattr(t, "__getitem__") and hasattr(t, "__len__")):
        raise _Reject
    try:
        return [obj[i] for i in range(len(obj))]
    except Exception:
        raise _Reject from None


def _int32(v: Any) -> int:
    if isinstance(v, float):
        raise _Reject
    try:
        i = operator.index(v)
    except TypeError:
        raise _Reject from None
    if not -(2**31) <= i < 2**31:
        raise _Reject
    return i


def _int3(v: Any) -> tuple[int, int, int]:
    items = _seq(v)
    if len(items) != 3:
        raise _Reject
    return (_int32(items[0]), _int32(items[1]), _int32(items[2]))


def _strict_bool(v: Any) -> bool:
    if v is True or v is False:
        return v
    raise _Reject


def _str(v: Any) -> str:
    if not isinstance(v, str):
        raise _Reject
    return v


def _opt_float32(v: Any) -> float | None:
    if v is None:
        return None
    if isinstance(v, (str, bytes)):
        raise _Reject
    t = type(v)
    if not (hasattr(t, "__float__") or hasattr(t, "__index__")):
        raise _Reject
    try:
        f = float(v) if hasattr(t, "__float__") else float(operator.index(v))
    except Exception:
        raise _Reject from None
    with np.errstate(over="ignore"):
        return float(np.float32(f))  # std::optional<float>: rounded to float32


def _stream(v: Any) -> Any:
    if v is None or isinstance(v, (mx.Stream, mx.ThreadLocalStream, mx.Device, mx.DeviceType)):
        return v
    raise _Reject


def _check_stream(s: Any) -> None:
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


def _to_array(v: Any) -> mx.array:
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


def _parse_compile_options(obj: Any) -> str:
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
            if value not in _MATH_MODES:
                raise ValueError(
                    "[metal_kernel] Expected math_mode to be 'safe', 'relaxed', or 'fast'."
                )
            math_mode = value
        else:
            raise ValueError(f"[metal_kernel] Unknown compile option `{key}`.")
    return math_mode


# ---------------------------------------------------------------------------------------------
# Buffers.

_NP_DTYPES: dict[mx.Dtype, Any] = {
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


def _fill_value(init_value: float, dtype: mx.Dtype) -> np.ndarray:
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
class _Guarded:
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


def _guarded_empty(
    shape: tuple[int, ...], dtype: Any, what: str, guards: list[_Guarded]
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
    guards.append(_Guarded(what, raw, start, nbytes, dt.itemsize))
    return raw[start:end].view(dt).reshape(shape)


def _check_guards(kernel_name: str, guards: list[_Guarded]) -> None:
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


@dataclass
class PreparedCall:
    """A validated call: converted inputs, generated source and the launch geometry."""

    kernel: MetalKernel
    inputs: list[mx.array]
    output_shapes: list[tuple[int, ...]]
    output_dtypes: list[mx.Dtype]
    grid: tuple[int, int, int]
    threadgroup: tuple[int, int, int]
    template: list[tuple[str, Any]]
    init_value: float | None
    generated: signature.GeneratedKernel
    extra: dict[str, Any] = field(default_factory=dict)


# Compiled kernels by (source, kernel name, math mode, sanitize): MLX's library cache key is
# name + hash(source) + math mode; the compiler also caches on disk across processes.
_compiled: dict[tuple[str, str, str, bool], Any] = {}
_compiled_lock = threading.Lock()
compile_count = 0  # compiler calls made by this process (tests check the cache)


def _compile(prep: PreparedCall, math_mode: str, sanitize: bool) -> Any:
    global compile_count
    gen = prep.generated
    key = (gen.source, gen.kernel_name, math_mode, sanitize)
    with _compiled_lock:
        ck = _compiled.get(key)
        if ck is None:
            ck = _backend_compile(gen, math_mode, sanitize)
            compile_count += 1
            _compiled[key] = ck
    return ck


def _backend_compile(gen: signature.GeneratedKernel, math_mode: str, sanitize: bool) -> Any:
    """The language layer (Interface 2). Tests of this layer may replace it."""
    from metalsim import compiler, launch

    # The runtime first: on a fresh machine its build also builds zig's compiler-rt, with a
    # progress message, instead of the first kernel's link doing it silently.
    launch.runtime_library(sanitize)
    return compiler.compile_kernel(
        gen.source, signature.entry_spec(gen), math_mode=math_mode, sanitize=sanitize
    )


def _backend_launch(
    ck: Any, args: list[Any], grid: tuple[int, int, int], tg: tuple[int, int, int], st: Settings
) -> None:
    """The runtime layer (Interface 3). Tests of this layer may replace it."""
    from metalsim import launch

    launch.launch(ck, args, grid, tg, _launch_options(st))


def clear_cache() -> None:
    """Forget compiled kernels held in memory (the compiler's disk cache is untouched)."""
    with _compiled_lock:
        _compiled.clear()


def _launch_options(st: Settings) -> Any:
    from metalsim import launch

    kw: dict[str, Any] = dict(
        schedule=st.schedule,
        seed=st.seed,
        strict_barriers=st.strict_barriers,
        workers=st.workers,
        stack_size=st.stack_size,
        sanitize=st.sanitize,
    )
    if st.watchdog_seconds is not None:
        kw["watchdog_seconds"] = st.watchdog_seconds
    return launch.LaunchOptions(**kw)


def execute(
    prep: PreparedCall, st: Settings | None = None, *, poison: int = POISON_BYTE
) -> list[np.ndarray]:
    """Run a prepared call; returns the output buffers (bfloat16 as uint16 bits).

    Outputs start as ``poison`` bytes unless the call has an ``init_value``.
    """
    global launch_count
    st = st or _settings
    k = prep.kernel
    try:
        mx.eval(prep.inputs)
    except ValueError as e:
        if "during function transformations" in str(e):
            raise ValueError(
                f"[metalsim] kernel `{k.name}`: an emulated Metal kernel cannot run inside "
                "mx.compile or mx.vmap (nor mx.export_function): metalsim runs kernels eagerly "
                "on the CPU and needs concrete inputs. Call the kernel outside the "
                "transformation. (On a Mac, shapeless mx.compile and mx.vmap also fail for "
                "custom kernels.)"
            ) from e
        raise

    # Outputs: freshly allocated, poisoned unless init_value (MLX leaves them uninitialised),
    # between guards unless ASan checks every access itself (see "Redzones" above).
    guards: list[_Guarded] | None = None if st.sanitize else []
    outs: list[np.ndarray] = []
    for name, shape, dtype in zip(
        k.output_names, prep.output_shapes, prep.output_dtypes, strict=True
    ):
        if guards is None:
            n = np.empty(shape, dtype=_NP_DTYPES[dtype])
        else:
            n = _guarded_empty(shape, _NP_DTYPES[dtype], f"output `{name}`", guards)
        if prep.init_value is None:
            n.reshape(-1).view(np.uint8).fill(poison)
        else:
            n.fill(_fill_value(prep.init_value, dtype))
        outs.append(n)

    # Inputs, then their shape/strides/ndim, in signature order (MLX's buffer binding).
    args: list[Any] = []
    keep: list[Any] = []  # everything args point into stays alive until the launch returns
    for name, a, (use_shape, use_strides, use_ndim) in zip(
        k.input_names, prep.inputs, prep.generated.shape_infos, strict=True
    ):
        n = input_view(a)
        if (k.ensure_row_contiguous and not n.flags.c_contiguous) or _misaligned(n):
            # Our copy gets guards; zero-copy inputs are MLX's memory, and the signature makes
            # them `const device T*`, so writing to one takes a deliberate cast.
            if guards is None:
                n = np.array(n, order="C", copy=True)
            else:
                copy = _guarded_empty(n.shape, n.dtype, f"input `{name}`", guards)
                copy[...] = n
                n = copy
        keep.append(n)
        args.append(_buffer_arg(n))
        if n.ndim > 0:
            if use_shape:
                shape = np.array(n.shape, dtype=np.int32)
                keep.append(shape)
                args.append(memoryview(shape))
            if use_strides:
                strides = np.array([s // n.itemsize for s in n.strides], dtype=np.int64)
                keep.append(strides)
                args.append(memoryview(strides))
            if use_ndim:
                ndim = np.array(n.ndim, dtype=np.int32)
                keep.append(ndim)
                args.append(memoryview(ndim))
    for n in outs:
        args.append(memoryview(n.reshape(-1)))

    if st.dry_run:
        return outs
    math_mode = st.math_mode or k.math_mode
    ck = _compile(prep, math_mode, st.sanitize)

    # MLX checks the unclamped threadgroup against the pipeline limit after building it.
    tx, ty, tz = prep.threadgroup
    tg_size = tx * ty * tz
    if tg_size > 1024:
        raise ValueError(
            f"Thread group size ({tg_size}) is greater than  the maximum allowed threads per "
            "threadgroup (1024)."
        )
    if min(prep.threadgroup) <= 0:
        raise ValueError(f"[metalsim] threadgroup {prep.threadgroup} must be positive")
    if min(prep.grid) < 0:
        raise ValueError(f"[metalsim] grid {prep.grid} must not be negative")
    if min(prep.grid) == 0:
        return outs  # no thread runs

    _backend_launch(ck, args, prep.grid, prep.threadgroup, st)
    launch_count += 1
    del keep
    if guards:
        _check_guards(k.name, guards)
    return outs


# A Metal buffer starts at least 16-byte aligned (a page, in practice), and kernels rely on it:
# `reinterpret_cast<device float4*>(x)` compiles to aligned vector loads, and on x86 a misaligned
# one faults. MLX's CPU allocator puts a size header before the data (8 mod 16 on glibc), so
# contiguous inputs that are not aligned to the largest Metal vector (long4, 32 bytes) are copied.
_BUFFER_ALIGN = 32


def _misaligned(n: np.ndarray) -> bool:
    return n.flags.c_contiguous and n.ctypes.data % _BUFFER_ALIGN != 0


def _buffer_arg(n: np.ndarray) -> Any:
    """A launch argument for an input buffer: its first element, with the view's strides."""
    if n.flags.c_contiguous:
        return memoryview(n.reshape(-1)) if n.ndim > 0 else memoryview(n)
    # Strided views (ensure_row_contiguous=False): the address of the first element, as MLX
    # binds the buffer at the array's offset; the kernel walks it with name_strides.
    return int(n.ctypes.data)


# ---------------------------------------------------------------------------------------------
# The kernel object.


def _raise_transform(kind: str) -> Any:
    def fail(*args: Any, **kwargs: Any) -> Any:
        raise ValueError(f"[Primitive::{kind}] Not implemented for CustomKernel.")

    return fail


class MetalKernel:
    """What ``metal_kernel(...)`` returns: call it with MLX's keyword-only arguments."""

    def __init__(
        self,
        name: str,
        input_names: list[str],
        output_names: list[str],
        source: str,
        header: str,
        ensure_row_contiguous: bool,
        atomic_outputs: bool,
        math_mode: str,
    ) -> None:
        self.name = name
        self.input_names = input_names
        self.output_names = output_names
        self.source = source
        self.header = header
        self.ensure_row_contiguous = ensure_row_contiguous
        self.atomic_outputs = atomic_outputs
        self.math_mode = math_mode
        # MLX detects these once, at construction.
        self.shape_infos = signature.detect_shape_infos(source, input_names)
        self.attributes = signature.detect_attributes(source)

    def __repr__(self) -> str:
        return (
            f"<metalsim kernel {self.name!r} inputs={self.input_names} "
            f"outputs={self.output_names}>"
        )

    def prepare(self, **kwargs: Any) -> PreparedCall:
        """Validate a call like MLX (same checks, order and messages) and generate its source.

        Also prints the source when ``verbose=True``. Does not run anything.
        """
        return self._prepare(kwargs)

    def _prepare(self, kwargs: dict[str, Any]) -> PreparedCall:
        # 1. nanobind conversion of every argument, in parameter order.
        allowed = (
            "inputs", "output_shapes", "output_dtypes", "grid", "threadgroup", "template",
            "init_value", "verbose", "stream",
        )  # fmt: skip
        try:
            if any(k not in allowed for k in kwargs):
                raise _Reject
            for required in allowed[:5]:
                if required not in kwargs:
                    raise _Reject
            raw_inputs = _seq(kwargs["inputs"])
            if any(v is None for v in raw_inputs):
                raise _Reject
            output_shapes = [
                tuple(_int32(d) for d in _seq(s)) for s in _seq(kwargs["output_shapes"])
            ]
            output_dtypes = _seq(kwargs["output_dtypes"])
            if not all(isinstance(d, mx.Dtype) for d in output_dtypes):
                raise _Reject
            grid = _int3(kwargs["grid"])
            threadgroup = _int3(kwargs["threadgroup"])
            template_raw = kwargs.get("template")
            template_pairs: list[tuple[str, Any]] = []
            if template_raw is not None:
                for pair in _seq(template_raw):
                    items = _seq(pair)
                    if len(items) != 2:
                        raise _Reject
                    template_pairs.append((_str(items[0]), items[1]))
            init_value = _opt_float32(kwargs.get("init_value"))
            verbose = _strict_bool(kwargs.get("verbose", False))
            stream = _stream(kwargs.get("stream"))
        except _Reject:
            raise _incompatible("__call__", _CALL_SIG, (), kwargs) from None

        # 2. inputs -> arrays (MLX's to_array).
        inputs = [_to_array(v) for v in raw_inputs]

        # 3. template values: bool before int; ints must fit in a C int.
        template: list[tuple[str, Any]] = []
        for tname, value in template_pairs:
            if isinstance(value, bool) or (
                isinstance(value, int) and -(2**31) <= value < 2**31
            ):
                template.append((tname, value))
            elif isinstance(value, mx.Dtype):
                template.append((tname, value))
            else:
                raise ValueError(
                    "[metal_kernel] Invalid template argument. Must be `mlx.core.Dtype`, `int` "
                    "or `bool`."
                )

        # 4. sizes (MLX's check_size message ends with std::endl).
        for actual, expected, what in (
            (len(inputs), len(self.input_names), "inputs"),
            (len(output_shapes), len(self.output_names), "output_shapes"),
            (len(output_dtypes), len(self.output_names), "output_dtypes"),
        ):
            if actual != expected:
                raise ValueError(
                    f"[metal_kernel] Expected `{what}` to have size {expected} but got size "
                    f"{actual}.\n"
                )

        # 5. stream: only the GPU (which here means: the emulator).
        _check_stream(stream)

        # 6. source, printed at call time like MLX.
        generated = signature.generate(
            self.name,
            self.input_names,
            self.output_names,
            self.source,
            self.header,
            [signature.InputDesc.of(a) for a in inputs],
            output_dtypes,
            template,
            self.atomic_outputs,
            shape_infos=self.shape_infos,
            attributes=self.attributes,
        )
        if verbose:
            sys.stdout.write(signature.verbose_text(self.name, generated.source))
            sys.stdout.flush()
        for observe in list(source_observers):
            observe(self, generated)

        # 7. MLX creates the output arrays on the GPU stream: no float64 there.
        if any(d == mx.float64 for d in output_dtypes) or any(
            a.dtype == mx.float64 for a in inputs
        ):
            raise ValueError("float64 is not supported on the GPU")
        for shape in output_shapes:
            if any(d < 0 for d in shape):
                raise ValueError(f"[metalsim] output shape {shape} has a negative dimension")

        return PreparedCall(
            kernel=self,
            inputs=inputs,
            output_shapes=output_shapes,
            output_dtypes=list(output_dtypes),
            grid=grid,
            threadgroup=threadgroup,
            template=template,
            init_value=init_value,
            generated=generated,
        )

    def __call__(self, *args: Any, **kwargs: Any) -> list[mx.array]:
        if args:
            raise _incompatible("__call__", _CALL_SIG, args, kwargs)
        prep = self._prepare(kwargs)
        dtypes = prep.output_dtypes
        try:
            mx.eval(prep.inputs)
        except ValueError as e:
            if "during function transformations" not in str(e):
                raise
            return self._traced_call(kwargs, e)

        def forward(*arrays: mx.array) -> list[mx.array]:
            prep.inputs = list(arrays)
            outs = execute(prep)
            return [to_mx(n, d) for n, d in zip(outs, dtypes, strict=True)]

        # A custom_function gives the outputs a graph node whose transforms raise like MLX's
        # CustomKernel primitive (a bare NumPy round trip would differentiate to zeros).
        op = mx.custom_function(forward)
        op.vjp(_raise_transform("vjp"))
        op.jvp(_raise_transform("jvp"))
        op.vmap(_raise_transform("vmap"))
        return list(op(*prep.inputs))

    def _traced_call(self, kwargs: dict[str, Any], error: Exception) -> list[mx.array]:
        """A call on tracers (mx.compile, mx.vmap, mx.export_function): nothing to run here.

        MLX's own function records the kernel in the graph when it can (export tracing; any
        trace on a Mac), exactly as it would without metalsim. Otherwise (compile/vmap without
        Metal) raise a clear error instead of MLX's "No Metal back-end".
        """
        from metalsim.install import original_metal_kernel

        real = original_metal_kernel()(
            self.name, self.input_names, self.output_names, self.source, self.header,
            self.ensure_row_contiguous, self.atomic_outputs, {"math_mode": self.math_mode},
        )  # fmt: skip
        try:
            return real(**{**kwargs, "verbose": False})  # ours already printed the source
        except RuntimeError as e:
            if "No Metal back-end" not in str(e):
                raise
        raise ValueError(
            f"[metalsim] kernel `{self.name}`: an emulated Metal kernel cannot run inside "
            "mx.compile or mx.vmap: metalsim runs kernels eagerly on the CPU and needs concrete "
            "inputs. Call the kernel outside the transformation. (On a Mac, shapeless "
            "mx.compile and mx.vmap also fail for custom kernels.)"
        ) from error


def metal_kernel(
    name: str,
    input_names: Sequence[str],
    output_names: Sequence[str],
    source: str,
    header: str = "",
    ensure_row_contiguous: bool = True,
    atomic_outputs: bool = False,
    compile_options: dict[str, str] | None = None,
) -> MetalKernel:
    """Drop-in for ``mx.fast.metal_kernel`` (MLX 0.32) that runs the kernel on the CPU."""
    signature.warn_if_other_mlx()
    args = (
        name, input_names, output_names, source, header, ensure_row_contiguous,
        atomic_outputs, compile_options,
    )  # fmt: skip
    try:
        name_ = _str(name)
        in_names = [_str(n) for n in _seq(input_names)]
        out_names = [_str(n) for n in _seq(output_names)]
        source_ = _str(source)
        header_ = _str(header)
        erc = _strict_bool(ensure_row_contiguous)
        atomic = _strict_bool(atomic_outputs)
    except _Reject:
        raise _incompatible("metal_kernel", _CTOR_SIG, args, {}) from None
    # MLX parses compile_options while evaluating the arguments of its C++ metal_kernel(),
    # i.e. before that function checks the outputs.
    math_mode = _parse_compile_options(compile_options)
    if not out_names:
        raise ValueError("[metal_kernel] Must specify at least one output.")
    return MetalKernel(name_, in_names, out_names, source_, header_, erc, atomic, math_mode)
