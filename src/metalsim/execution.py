"""Running a validated call: the kernel's spec, the compile cache, the launch.

The MLX layer's machinery below ``metalsim.kernel.MetalKernel``. A call is validated and
its source generated into a ``PreparedCall`` (which holds the kernel's ``KernelSpec``,
never the kernel object); ``execute`` allocates its buffers (``metalsim.buffers``),
compiles the generated source once per process (the language layer, Interface 2) and launches
it (the runtime, Interface 3). ``_backend_compile`` and ``_backend_launch`` are the two seams
tests replace with a double.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, fields
from typing import Any

import mlx.core as mx
import numpy as np

from metalsim import buffers, signature
from metalsim.errors import KernelRuntimeError
from metalsim.interfaces import CompiledKernel, LaunchOptions
from metalsim.run_settings import Settings, current_settings


@dataclass(frozen=True)
class KernelSpec:
    """What ``metal_kernel(...)`` was given, after MLX's conversions: one kernel, immutable."""

    name: str
    input_names: tuple[str, ...]
    output_names: tuple[str, ...]
    source: str
    header: str = ""
    ensure_row_contiguous: bool = True
    atomic_outputs: bool = False
    math_mode: str = "safe"

    def constructor_kwargs(self) -> dict[str, Any]:
        """Keyword arguments that rebuild this kernel with ``metal_kernel`` (MLX's or ours).

        Plain lists and dicts, so the result also serialises to JSON (replays).
        """
        return dict(
            name=self.name,
            input_names=list(self.input_names),
            output_names=list(self.output_names),
            source=self.source,
            header=self.header,
            ensure_row_contiguous=self.ensure_row_contiguous,
            atomic_outputs=self.atomic_outputs,
            compile_options={"math_mode": self.math_mode},
        )


@dataclass
class PreparedCall:
    """A validated call: converted inputs, generated source and the launch geometry."""

    spec: KernelSpec
    inputs: list[mx.array]
    output_shapes: list[tuple[int, ...]]
    output_dtypes: list[mx.Dtype]
    grid: tuple[int, int, int]
    threadgroup: tuple[int, int, int]
    template: list[tuple[str, Any]]
    init_value: float | None
    generated: signature.GeneratedKernel
    extra: dict[str, Any] = field(default_factory=dict)


def transform_error(kernel_name: str, *, export: bool = True) -> ValueError:
    """The error for a kernel called inside ``mx.compile``/``mx.vmap`` (no concrete inputs).

    ``export=False`` leaves out ``mx.export_function``, for the callers that hand export
    tracing to MLX's own function.
    """
    also = " (nor mx.export_function)" if export else ""
    return ValueError(
        f"[metalsim] kernel `{kernel_name}`: an emulated Metal kernel cannot run inside "
        f"mx.compile or mx.vmap{also}: metalsim runs kernels eagerly on the CPU and needs "
        "concrete inputs. Call the kernel outside the transformation. (On a Mac, shapeless "
        "mx.compile and mx.vmap also fail for custom kernels.)"
    )


# Number of kernel launches so far (the pytest plugin labels tests that launched any).
launch_count = 0

# Compiled kernels by (source, kernel name, math mode, sanitize): MLX's library cache key is
# name + hash(source) + math mode; the compiler also caches on disk across processes.
_compiled: dict[tuple[str, str, str, bool], CompiledKernel] = {}
_compiled_lock = threading.Lock()
compile_count = 0  # compiler calls made by this process (tests check the cache)


def _compile(prep: PreparedCall, math_mode: str, sanitize: bool) -> CompiledKernel:
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


def _backend_compile(
    gen: signature.GeneratedKernel, math_mode: str, sanitize: bool
) -> CompiledKernel:
    """The language layer (Interface 2). Tests of this layer may replace it."""
    from metalsim import compiler, launch

    # The runtime first: on a fresh machine its build also builds zig's compiler-rt, with a
    # progress message, instead of the first kernel's link doing it silently.
    launch.runtime_library(sanitize)
    return compiler.compile_kernel(
        gen.source, signature.entry_spec(gen), math_mode=math_mode, sanitize=sanitize
    )


def _backend_launch(
    ck: CompiledKernel,
    args: list[Any],
    grid: tuple[int, int, int],
    tg: tuple[int, int, int],
    st: Settings,
) -> None:
    """The runtime layer (Interface 3). Tests of this layer may replace it."""
    from metalsim import launch

    launch.launch(ck, args, grid, tg, _launch_options(st))


def clear_cache() -> None:
    """Forget compiled kernels held in memory (the compiler's disk cache is untouched)."""
    with _compiled_lock:
        _compiled.clear()


def _launch_options(st: Settings) -> Any:
    """The runtime's options from the run settings: every field the two records share.

    Derived from the fields themselves, so a new launch option needs no edit here; a ``None``
    watchdog means "the runtime's default" and is left out.
    """
    shared = {f.name for f in fields(LaunchOptions)} & {f.name for f in fields(Settings)}
    kw = {name: getattr(st, name) for name in shared}
    if kw.get("watchdog_seconds") is None:
        kw.pop("watchdog_seconds", None)
    return LaunchOptions(**kw)


def execute(
    prep: PreparedCall, st: Settings | None = None, *, poison: int = buffers.POISON_BYTE
) -> list[np.ndarray]:
    """Run a prepared call; returns the output buffers (bfloat16 as uint16 bits).

    Outputs start as ``poison`` bytes unless the call has an ``init_value``.
    """
    global launch_count
    st = st or current_settings()
    k = prep.spec
    try:
        mx.eval(prep.inputs)
    except ValueError as e:
        if "during function transformations" in str(e):
            raise transform_error(k.name) from e
        raise

    # Outputs: freshly allocated, poisoned unless init_value (MLX leaves them uninitialised),
    # between guards unless ASan checks every access itself (see "Redzones" in buffers.py).
    guards: list[buffers.Guarded] | None = None if st.sanitize else []
    outs: list[np.ndarray] = []
    for name, shape, dtype in zip(
        k.output_names, prep.output_shapes, prep.output_dtypes, strict=True
    ):
        if guards is None:
            n = np.empty(shape, dtype=buffers.NP_DTYPES[dtype])
        else:
            n = buffers.guarded_empty(shape, buffers.NP_DTYPES[dtype], f"output `{name}`", guards)
        if prep.init_value is None:
            n.reshape(-1).view(np.uint8).fill(poison)
        else:
            n.fill(buffers.fill_value(prep.init_value, dtype))
        outs.append(n)

    # Inputs, then their shape/strides/ndim, in signature order (MLX's buffer binding).
    args: list[Any] = []
    keep: list[Any] = []  # everything args point into stays alive until the launch returns
    bound: list[tuple[str, np.ndarray]] = []  # each input as the kernel sees it (for hints)
    for name, a, (use_shape, use_strides, use_ndim) in zip(
        k.input_names, prep.inputs, prep.generated.shape_infos, strict=True
    ):
        n = buffers.input_view(a)
        if (k.ensure_row_contiguous and not n.flags.c_contiguous) or buffers.misaligned(n):
            # Our copy gets guards; zero-copy inputs are MLX's memory, and the signature makes
            # them `const device T*`, so writing to one takes a deliberate cast.
            if guards is None:
                n = np.array(n, order="C", copy=True)
            else:
                copy = buffers.guarded_empty(n.shape, n.dtype, f"input `{name}`", guards)
                copy[...] = n
                n = copy
        keep.append(n)
        bound.append((name, n))
        args.append(buffers.buffer_arg(n))
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

    try:
        _backend_launch(ck, args, prep.grid, prep.threadgroup, st)
    except KernelRuntimeError as e:
        hint = buffers.wrapped_offset_hint(str(e), bound)
        if hint is None:
            raise
        raise KernelRuntimeError(f"{e}\n{hint}") from e
    launch_count += 1
    del keep
    if guards:
        buffers.check_guards(k.name, guards)
    return outs
