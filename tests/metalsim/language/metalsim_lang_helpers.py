"""Language-layer test helpers: generate MLX's exact kernel text, compile, launch.

A plain module, not conftest.py: the repository's conftest owns that module name.

All tests share metalsim's normal compile cache (``$METALSIM_CACHE_DIR`` or
``~/.cache/metalsim``): sources are content-hashed, so reruns are cheap and concurrent pytest
workers are safe.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import mlx.core as mx
import numpy as np

from metalsim import compiler, signature

NP_OF = {
    mx.float32: np.float32,
    mx.float16: np.float16,
    mx.bfloat16: np.uint16,  # raw bits
    mx.int32: np.int32,
    mx.uint32: np.uint32,
    mx.int64: np.int64,
    mx.int16: np.int16,
    mx.uint8: np.uint8,
    mx.bool_: np.bool_,
}


def to_bf16(x: np.ndarray) -> np.ndarray:
    """float32 -> bfloat16 bits (round to nearest even)."""
    b = np.asarray(x, np.float32).view(np.uint32).astype(np.uint64)
    r = ((b + 0x7FFF + ((b >> 16) & 1)) >> 16).astype(np.uint16)
    return r


def from_bf16(bits: np.ndarray) -> np.ndarray:
    return (bits.astype(np.uint32) << 16).view(np.float32)


def generate(
    source: str,
    inputs: dict[str, tuple[np.ndarray, Any]],
    outputs: dict[str, tuple[tuple[int, ...], Any]],
    *,
    header: str = "",
    template: Sequence[tuple[str, Any]] = (),
    name: str = "probe",
    atomic_outputs: bool = False,
) -> signature.GeneratedKernel:
    descs = [
        signature.InputDesc(dt, np.asarray(a).ndim, int(np.asarray(a).size))
        for a, dt in inputs.values()
    ]
    return signature.generate(
        name,
        list(inputs),
        list(outputs),
        source,
        header,
        descs,
        [dt for _, dt in outputs.values()],
        list(template),
        atomic_outputs,
    )


def run(
    source: str,
    inputs: dict[str, tuple[np.ndarray, Any]],
    outputs: dict[str, tuple[tuple[int, ...], Any]],
    grid: tuple[int, int, int],
    threadgroup: tuple[int, int, int],
    *,
    header: str = "",
    template: Sequence[tuple[str, Any]] = (),
    math_mode: str = "safe",
    name: str = "probe",
    atomic_outputs: bool = False,
    schedule: str = "forward",
) -> dict[str, np.ndarray]:
    """Compile with compiler.compile_kernel and run with launch.launch; returns the outputs."""
    from metalsim import launch

    gen = generate(source, inputs, outputs, header=header, template=template, name=name,
                   atomic_outputs=atomic_outputs)
    ck = compiler.compile_kernel(gen.source, signature.entry_spec(gen), math_mode=math_mode)
    outs = {
        k: np.zeros(shape, NP_OF[dt]) if dt in NP_OF else np.zeros(shape, np.float32)
        for k, (shape, dt) in outputs.items()
    }
    args: list[Any] = []
    for p in gen.params:
        if p.name in inputs:
            a = np.asarray(inputs[p.name][0])
            if not a.flags.c_contiguous:  # a strided view: pass its base, strides describe it
                assert a.base is not None and a.base.flags.c_contiguous
                a = a.base
            args.append(a if a.ndim else a.reshape(1))
        elif p.name in outs:
            args.append(outs[p.name])
        elif p.kind == "attr":
            continue  # attributes come from the runtime, not from args
        else:
            base, _, what = p.name.rpartition("_")
            a = np.asarray(inputs[base][0])
            if what == "shape":
                args.append(np.array(a.shape, np.int32))
            elif what == "strides":
                args.append(np.array([s // a.itemsize for s in a.strides], np.int64))
            else:
                args.append(np.array([a.ndim], np.int32))
    launch.launch(ck, args, grid, threadgroup, launch.LaunchOptions(schedule=schedule))
    return outs
