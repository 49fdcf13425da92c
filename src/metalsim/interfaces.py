"""The typed records that cross metalsim's layers, defined once at the bottom of the package.

- MLX layer -> language layer: ``EntrySpec`` (the generated signature, ``Param`` by ``Param``),
  built by ``signature.entry_spec`` and compiled by ``compiler.compile_kernel``;
- language layer -> runtime layer: ``CompiledKernel`` (a shared object and its entry symbol);
- MLX layer -> runtime layer: ``LaunchOptions`` (how ``launch.launch`` runs the grid).

ARCHITECTURE.md describes them as Interfaces 2 and 3. This module imports nothing from
metalsim, so every layer can use the records without importing another layer.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["CompiledKernel", "EntrySpec", "LaunchOptions", "Param"]


@dataclass(frozen=True)
class Param:
    """One parameter of the generated kernel signature, in order."""

    name: str  # "a", "a_shape", "thread_position_in_grid", ...
    kind: str  # "buffer" (T* / const T*), "scalar" (const constant T&), "attr"
    ctype: str  # Metal type string: "float", "bfloat16_t", "atomic<float>", "uint3", ...


@dataclass(frozen=True)
class EntrySpec:
    """The kernel MLX generated: its mangled name, template arguments and parameters."""

    kernel_name: str  # e.g. custom_kernel_myexp__float_float_float
    template_def: str | None  # e.g. "<float>" (as MLX writes it) or None
    params: tuple[Param, ...]


@dataclass(frozen=True)
class CompiledKernel:
    """A kernel compiled for the host, ready to launch."""

    path: Path  # the shared object
    entry_symbol: str  # extern "C" wrapper with the metalsim_entry_fn signature
    uses_sync: bool  # any barrier / simd_* / quad_* / threadgroup atomics: needs fibers


@dataclass(frozen=True)
class LaunchOptions:
    """How to run a grid. Defaults match Apple silicon behaviour with a 60 s watchdog."""

    schedule: str = "forward"  # 'forward' | 'reverse' | 'random' (order of threads and groups)
    seed: int = 0  # for schedule='random'
    strict_barriers: bool = False  # error if a thread returns before a barrier others wait at
    workers: int = 0  # OS threads; 0 = number of cores
    stack_size: int = 0  # fiber stack bytes; 0 = 64 KiB
    watchdog_seconds: float = 60.0  # fail a spin-wait that never ends; 0 = off
    sanitize: bool = False  # AddressSanitizer runtime (needs asan_environment() in the process)
    force_fibers: bool = False  # run as fibers even if the kernel has no sync point
