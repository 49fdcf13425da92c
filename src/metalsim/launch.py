"""Runtime layer, Python side: build/load ``libmetalsim_rt`` and launch compiled kernels.

The runtime is compiled from ``runtime/*.cpp`` on first use and cached under
``runtime/`` of the cache root (``config.cache_root()``, shared with the compiler), keyed by a
hash of its sources, the compiler and the flags. It is loaded with ``RTLD_GLOBAL`` so that kernel
shared objects resolve their ``metalsim_*`` symbols against it.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from metalsim import config, first_run, toolchain
from metalsim.errors import KernelRuntimeError, MetalsimError, ToolchainError
from metalsim.interfaces import LaunchOptions

__all__ = [
    "LaunchOptions",
    "asan_environment",
    "launch",
    "load_runtime",
    "runtime_info",
    "runtime_library",
    "runtime_sources",
    "runtime_translation_units",
]

_RUNTIME_DIR = Path(__file__).resolve().parent / "runtime"
# The runtime numbers the schedules in config.SCHEDULES order.
_SCHEDULES = {name: number for number, name in enumerate(config.SCHEDULES)}
_ERRLEN = 8192

# Kept in one place so the cache key sees every flag.
_BASE_FLAGS = (
    "-std=c++17",
    "-fPIC",
    "-shared",
    "-fvisibility=hidden",
    "-fno-exceptions",
    "-fno-rtti",
    "-fno-threadsafe-statics",
    "-pthread",
    "-Wall",
)
_OPT_FLAGS = ("-O2", "-g")
_ASAN_FLAGS = ("-O1", "-g", "-fno-omit-frame-pointer", "-fsanitize=address", "-shared-libasan")


class _Options(ctypes.Structure):
    _fields_ = [
        ("schedule", ctypes.c_int),
        ("seed", ctypes.c_uint64),
        ("strict_barriers", ctypes.c_int),
        ("workers", ctypes.c_int),
        ("stack_size", ctypes.c_size_t),
        ("watchdog_seconds", ctypes.c_double),
        ("use_fibers", ctypes.c_int),
    ]


# --------------------------------------------------------------------------------------------
# building the runtime


def runtime_sources(directory: Path | None = None) -> list[Path]:
    """Every file of ``runtime/`` the build reads; all of them go into the library's cache key.

    ``directory`` names another runtime tree (another checkout's, for a comparison).
    """
    directory = _RUNTIME_DIR if directory is None else directory
    return sorted(p for p in directory.iterdir() if p.suffix in (".cpp", ".h", ".S"))


def runtime_translation_units(directory: Path | None = None) -> list[Path]:
    """The files compiled into the runtime library (every ``.cpp`` and ``.S`` of ``runtime/``).

    The one list of them: the aarch64 and macOS builds of ``test_rt_cross_arch.py`` and
    ``bench_instructions.py`` use it too.
    """
    return [p for p in runtime_sources(directory) if p.suffix in (".cpp", ".S")]


def _runtime_key(compiler_identity: str, flags: Sequence[str]) -> str:
    """Cache key of the runtime library: every runtime source (name and content), the compiler
    and the flags, so that a change to any of them builds a new library."""
    h = hashlib.sha256()
    for p in runtime_sources():
        h.update(p.name.encode() + b"\0" + p.read_bytes() + b"\0")
    h.update(compiler_identity.encode() + b"\0")
    h.update("\0".join(flags).encode())
    return h.hexdigest()[:20]


def _variant_defines() -> tuple[str, ...]:
    # METALSIM_RT_VARIANT=ucontext builds the portable fallback switch (used by the tests).
    if config.env(config.RT_VARIANT) == "ucontext":
        return ("-DMETALSIM_USE_UCONTEXT=1",)
    return ()


_build_lock = threading.Lock()


def runtime_library(sanitize: bool = False) -> Path:
    """Path of the runtime shared object, compiling it on first use."""
    tc = toolchain.find_toolchain(sanitize=sanitize)
    cmd = list(tc.cxx)
    flags = (
        *_BASE_FLAGS,
        *(_ASAN_FLAGS if sanitize else _OPT_FLAGS),
        *tc.link_flags,
        *_variant_defines(),
    )
    key = _runtime_key(tc.identity, flags)
    out_dir = config.cache_root() / "runtime"
    out = out_dir / f"libmetalsim_rt-{'asan-' if sanitize else ''}{key}.so"
    if out.exists():
        return out
    with _build_lock:
        if out.exists():
            return out
        out_dir.mkdir(parents=True, exist_ok=True)
        srcs = [str(p) for p in runtime_translation_units()]
        # Build next to the target and rename: concurrent processes never see a partial file.
        fd, tmp = tempfile.mkstemp(prefix=out.stem + ".", suffix=".tmp.so", dir=out_dir)
        os.close(fd)
        try:
            with first_run.announce(
                f"building the metalsim runtime with {tc.kind}",
                "5-15 s; zig also builds its compiler-rt",
            ):
                proc = subprocess.run(
                    [*cmd, *flags, "-I", str(_RUNTIME_DIR), *srcs, "-o", tmp],
                    capture_output=True,
                    text=True,
                    timeout=600,
                    check=False,
                )
            if proc.returncode != 0:
                raise ToolchainError(
                    f"building the metalsim runtime failed ({' '.join(cmd)}):\n"
                    f"{proc.stderr[-4000:]}"
                )
            os.replace(tmp, out)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    return out


# --------------------------------------------------------------------------------------------
# loading


_runtimes: dict[bool, ctypes.CDLL] = {}
_kernels: dict[tuple[str, int], ctypes.CDLL] = {}
_load_lock = threading.Lock()


def _asan_loaded() -> bool:
    try:
        return hasattr(ctypes.CDLL(None), "__asan_init")
    except OSError:
        return False


def load_runtime(sanitize: bool = False) -> ctypes.CDLL:
    """Load (building if needed) the runtime with RTLD_GLOBAL; one per process and mode."""
    lib = _runtimes.get(sanitize)
    if lib is not None:
        return lib
    with _load_lock:
        lib = _runtimes.get(sanitize)
        if lib is not None:
            return lib
        if _runtimes:
            raise MetalsimError(
                "metalsim: the process already loaded the "
                f"{'ASan' if not sanitize else 'plain'} runtime; ASan and plain kernels "
                "cannot share a process (run sanitize=True launches in a subprocess with "
                "metalsim.launch.asan_environment())"
            )
        if sanitize and not _asan_loaded():
            raise MetalsimError(
                "sanitize=True needs the ASan runtime loaded first: run the launch in a "
                "subprocess whose environment includes metalsim.launch.asan_environment() "
                "(LD_PRELOAD of clang-19's libclang_rt.asan and ASAN_OPTIONS)"
            )
        path = runtime_library(sanitize)
        lib = ctypes.CDLL(str(path), mode=ctypes.RTLD_GLOBAL)
        lib.metalsim_launch.restype = ctypes.c_int
        lib.metalsim_launch.argtypes = [
            ctypes.c_void_p,
            ctypes.c_void_p,
            ctypes.POINTER(ctypes.c_uint32),
            ctypes.POINTER(ctypes.c_uint32),
            ctypes.POINTER(_Options),
            ctypes.c_char_p,
            ctypes.c_size_t,
        ]
        lib.metalsim_runtime_info.restype = ctypes.c_char_p
        lib.metalsim_runtime_info.argtypes = []
        _runtimes[sanitize] = lib
        return lib


def runtime_info(sanitize: bool = False) -> str:
    """e.g. 'metalsim_rt 1 asm-x86_64' (ABI version, context-switch backend, asan)."""
    return load_runtime(sanitize).metalsim_runtime_info().decode()


def _kernel_entry(path: Path, symbol: str) -> int:
    st = path.stat()
    key = (str(path), st.st_mtime_ns)
    lib = _kernels.get(key)
    if lib is None:
        lib = ctypes.CDLL(str(path))
        _kernels[key] = lib
    try:
        fn = getattr(lib, symbol)
    except AttributeError:
        raise MetalsimError(f"kernel library {path} has no entry symbol {symbol!r}") from None
    return ctypes.cast(fn, ctypes.c_void_p).value or 0


def _address(arg: Any, keep: list[Any]) -> int:
    """Address of a buffer argument (no copy); ints are taken as raw addresses."""
    if arg is None:
        return 0
    if isinstance(arg, int):
        return arg
    iface = getattr(arg, "__array_interface__", None)
    if iface is not None:
        keep.append(arg)
        return int(iface["data"][0])
    import numpy as np

    mv = memoryview(arg)
    if not mv.c_contiguous:
        raise MetalsimError("metalsim launch: buffer arguments must be C-contiguous")
    arr = np.frombuffer(mv.cast("B") if mv.ndim != 1 or mv.format != "B" else mv, dtype=np.uint8)
    keep.append(arr)
    keep.append(mv)
    return int(arr.__array_interface__["data"][0])


def _dims(name: str, v: Sequence[int]) -> ctypes.Array[ctypes.c_uint32]:
    t = tuple(int(x) for x in v)
    if len(t) != 3:
        raise MetalsimError(f"{name} must have 3 dimensions, got {v!r}")
    for x in t:
        if x < 0 or x > 0xFFFFFFFF:
            raise MetalsimError(f"{name} {v!r}: every dimension must be in [0, 2**32)")
    return (ctypes.c_uint32 * 3)(*t)


def launch(
    kernel: Any,
    args: Sequence[Any],
    grid: tuple[int, int, int],
    threadgroup: tuple[int, int, int],
    options: LaunchOptions | None = None,
) -> None:
    """Run ``kernel`` (an ``interfaces.CompiledKernel``) over ``grid`` threads.

    ``args`` holds one entry per kernel parameter, in order: buffers (memoryview, bytes-like or
    NumPy arrays; outputs must be writable) or raw addresses as ints. Raises
    ``KernelRuntimeError`` with the runtime's message if the kernel fails.
    """
    opts = options or LaunchOptions()
    if opts.schedule not in _SCHEDULES:
        raise MetalsimError(f"schedule must be one of {sorted(_SCHEDULES)}, got {opts.schedule!r}")
    lib = load_runtime(opts.sanitize)
    entry = _kernel_entry(Path(kernel.path), kernel.entry_symbol)
    keep: list[Any] = []
    argv = (ctypes.c_void_p * max(1, len(args)))(*[_address(a, keep) for a in args])
    copt = _Options(
        schedule=_SCHEDULES[opts.schedule],
        seed=opts.seed & 0xFFFFFFFFFFFFFFFF,
        strict_barriers=int(opts.strict_barriers),
        workers=int(opts.workers),
        stack_size=int(opts.stack_size),
        watchdog_seconds=float(opts.watchdog_seconds),
        use_fibers=int(bool(getattr(kernel, "uses_sync", True) or opts.force_fibers)),
    )
    err = ctypes.create_string_buffer(_ERRLEN)
    rc = lib.metalsim_launch(
        entry,
        argv,
        _dims("grid", grid),
        _dims("threadgroup", threadgroup),
        ctypes.byref(copt),
        err,
        _ERRLEN,
    )
    del keep
    if rc != 0:
        raise KernelRuntimeError(err.value.decode("utf-8", "replace") or "kernel failed")


# --------------------------------------------------------------------------------------------
# AddressSanitizer


def asan_environment() -> dict[str, str]:
    """Environment a subprocess needs to run sanitize=True launches.

    The MLX layer starts the subprocess; this only says what to add to its environment:
    LD_PRELOAD of clang-19's shared ASan runtime (it must come before Python's own libraries),
    ASAN_OPTIONS (leak checking off: CPython never frees everything) and the symbolizer.
    """
    tc = toolchain.find_toolchain(sanitize=True)
    lib = tc.asan_runtime
    if not lib or not os.path.exists(lib):
        raise ToolchainError(
            "the ASan runtime (libclang_rt.asan) is missing: apt-get install -y libclang-rt-19-dev"
        )
    env = {
        "LD_PRELOAD": lib,
        "ASAN_OPTIONS": "detect_leaks=0:halt_on_error=1:abort_on_error=0:"
        "allocator_may_return_null=1:detect_stack_use_after_return=0",
    }
    major = tc.version[0]
    for sym in (f"llvm-symbolizer-{major}", f"/usr/lib/llvm-{major}/bin/llvm-symbolizer"):
        path = shutil.which(sym)
        if path:
            env["ASAN_SYMBOLIZER_PATH"] = path
            break
    return env
