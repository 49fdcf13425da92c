"""Bug-finding helpers for kernel authors and test writers.

- [`unwritten_outputs`][metalsim.diagnostics.unwritten_outputs]: which output elements the
  kernel never wrote;
- [`compare_schedules`][metalsim.diagnostics.compare_schedules]: rerun under several thread
  orders and report differences (missing barriers, races on threadgroup memory, order-dependent
  atomics);
- [`run_with_asan`][metalsim.diagnostics.run_with_asan]: rerun one call under AddressSanitizer
  in a subprocess, so an out-of-bounds access cannot take the test session down, and return
  ASan's report.

Each takes the kernel object and the keyword arguments of a normal call, and returns a report
that is truthy when something was found and prints as a readable message, so a test can say
``report = unwritten_outputs(kernel, **call)`` then ``assert not report, str(report)``.
"""

from __future__ import annotations

import ctypes
import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import mlx.core as mx
import numpy as np

from metalsim import buffers, config
from metalsim.execution import execute
from metalsim.kernel import MetalKernel, metal_kernel
from metalsim.run_settings import current_settings, parse_schedule

__all__ = [
    "AsanReport",
    "OutputDifference",
    "ScheduleReport",
    "UnwrittenOutput",
    "UnwrittenReport",
    "compare_schedules",
    "run_with_asan",
    "unwritten_outputs",
]


def _first_indices(mask: np.ndarray, limit: int = 8) -> list[tuple[int, ...]]:
    idx = np.argwhere(mask)[:limit]
    return [tuple(int(v) for v in row) for row in idx]


def _element_bytes(n: np.ndarray) -> np.ndarray:
    """(elements..., itemsize) uint8 view: compares elements bit for bit (NaNs included)."""
    return np.array(n, order="C").reshape(-1).view(np.uint8).reshape(*n.shape, n.itemsize)


# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnwrittenOutput:
    name: str
    shape: tuple[int, ...]
    count: int  # elements never written
    first: list[tuple[int, ...]]  # their first indices

    def __str__(self) -> str:
        total = int(np.prod(self.shape)) if self.shape else 1
        return (
            f"`{self.name}`: {self.count} of {total} elements never written "
            f"(first at {', '.join(map(str, self.first))})"
        )


@dataclass(frozen=True)
class UnwrittenReport:
    kernel: str
    outputs: list[UnwrittenOutput]  # only outputs with unwritten elements

    def __bool__(self) -> bool:
        return bool(self.outputs)

    def __str__(self) -> str:
        if not self.outputs:
            return f"kernel `{self.kernel}` wrote every output element"
        lines = [f"kernel `{self.kernel}` did not write:"]
        lines += [f"  {o}" for o in self.outputs]
        return "\n".join(lines)


def unwritten_outputs(kernel: MetalKernel, **call_kwargs: Any) -> UnwrittenReport:
    """Run the call twice with different output poison; report elements left untouched.

    An element counts as unwritten if it still holds the poison in both runs, so a kernel that
    legitimately writes the poison pattern is not blamed. ``init_value`` is ignored here (it
    would hide unwritten elements); kernels that read their outputs before writing them (e.g.
    atomic accumulation without ``init_value``) read the poison.
    """
    prep = kernel.prepare(**call_kwargs)
    prep.init_value = None
    first = execute(prep, poison=0xFF)
    second = execute(prep, poison=0x5A)
    found = []
    for name, a, b in zip(kernel.output_names, first, second, strict=True):
        bytes_a, bytes_b = _element_bytes(a), _element_bytes(b)
        mask = (bytes_a == 0xFF).all(axis=-1) & (bytes_b == 0x5A).all(axis=-1)
        count = int(mask.sum())
        if count:
            found.append(UnwrittenOutput(name, tuple(a.shape), count, _first_indices(mask)))
    return UnwrittenReport(kernel.name, found)


# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutputDifference:
    schedule: str  # the schedule whose result differs from the first one
    output: str
    count: int
    first: list[tuple[int, ...]]

    def __str__(self) -> str:
        return (
            f"schedule {self.schedule}: `{self.output}` differs in {self.count} elements "
            f"(first at {', '.join(map(str, self.first))})"
        )


@dataclass(frozen=True)
class ScheduleReport:
    kernel: str
    schedules: list[str]
    differences: list[OutputDifference] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)  # schedule -> error message

    def __bool__(self) -> bool:
        return bool(self.differences or self.errors)

    def __str__(self) -> str:
        if not self:
            return f"kernel `{self.kernel}`: identical results under {', '.join(self.schedules)}"
        lines = [
            f"kernel `{self.kernel}` depends on the thread schedule (missing barrier or race?):"
        ]
        lines += [f"  {d}" for d in self.differences]
        lines += [f"  schedule {s}: {e}" for s, e in self.errors.items()]
        return "\n".join(lines)


DEFAULT_SCHEDULES = ("forward", "reverse", "random:0", "random:1")


def compare_schedules(
    kernel: MetalKernel,
    schedules: tuple[str, ...] = DEFAULT_SCHEDULES,
    *,
    rtol: float | None = None,
    atol: float = 0.0,
    **call_kwargs: Any,
) -> ScheduleReport:
    """Rerun the call under each schedule and compare every output with the first schedule's.

    Comparison is bit for bit unless ``rtol`` is given (then ``np.isclose`` with ``atol``,
    NaNs equal), e.g. for float atomics whose summation order legitimately varies. A schedule
    that makes the kernel fail (divergent barrier, watchdog, ...) is reported in ``errors``.
    """
    prep = kernel.prepare(**call_kwargs)
    base_settings = current_settings()
    results: dict[str, list[np.ndarray]] = {}
    errors: dict[str, str] = {}
    for text in schedules:
        name, seed = parse_schedule(text)
        st = replace(base_settings, schedule=name, seed=seed)
        try:
            results[text] = execute(prep, st)
        except Exception as e:  # noqa: BLE001 - reported, not raised
            errors[text] = f"{type(e).__name__}: {e}"
    diffs: list[OutputDifference] = []
    if results:
        ref_name, ref = next(iter(results.items()))
        for text, outs in results.items():
            if text == ref_name:
                continue
            for oname, a, b, dtype in zip(
                kernel.output_names, ref, outs, prep.output_dtypes, strict=True
            ):
                if rtol is None or dtype == mx.bfloat16:
                    mask = (_element_bytes(a) != _element_bytes(b)).any(axis=-1)
                else:
                    mask = ~np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=True)
                count = int(mask.sum())
                if count:
                    diffs.append(OutputDifference(text, oname, count, _first_indices(mask)))
    return ScheduleReport(kernel.name, list(schedules), diffs, errors)


# ---------------------------------------------------------------------------------------------
# AddressSanitizer, in a subprocess.


@dataclass(frozen=True)
class AsanReport:
    kernel: str
    ok: bool  # the call finished without an ASan report or another error
    returncode: int
    error: str | None  # "heap-buffer-overflow", ... or the Python exception, or None
    location: str | None  # first user-code location in the report: "<source>:line:col"
    source_line: str | None  # the text of that line of the kernel's source (or header)
    report: str  # full stderr of the subprocess
    outputs: list[mx.array] | None = None  # results when ok

    def __bool__(self) -> bool:
        return not self.ok  # truthy when something was found, like the other reports

    def __str__(self) -> str:
        if self.ok:
            return f"kernel `{self.kernel}`: no AddressSanitizer report"
        where = f" at {self.location}" if self.location else ""
        line = f"\n    {self.source_line}" if self.source_line else ""
        return f"kernel `{self.kernel}`: {self.error}{where}{line}\n{self.report}"


_DTYPE_BY_NAME = {str(d).rsplit(".", 1)[-1]: d for d in buffers.NP_DTYPES}


def _dtype_name(d: mx.Dtype) -> str:
    return str(d).rsplit(".", 1)[-1]


def _encode_value(v: Any, arrays: dict[str, np.ndarray], key: str) -> Any:
    if isinstance(v, mx.Dtype):
        return {"dtype": _dtype_name(v)}
    if isinstance(v, (bool, int, float)):
        return {"py": v}
    a = v if isinstance(v, mx.array) else mx.array(v)
    mx.eval(a)
    n = buffers.input_view(a)
    if n.flags.c_contiguous or n.size == 0:
        # np.array keeps 0-d arrays 0-d (np.ascontiguousarray would not).
        arrays[key] = np.array(n, order="C", copy=True)
        return {"array": key, "dtype": _dtype_name(a.dtype)}
    # A strided view (0 or negative strides included): store the memory it spans and rebuild
    # the same view with mx.as_strided, so ensure_row_contiguous=False kernels see the same
    # strides in the replay.
    strides = [st // n.itemsize for st in n.strides]
    lo = sum(min(0, (d - 1) * st) for d, st in zip(n.shape, strides, strict=True))
    hi = sum(max(0, (d - 1) * st) for d, st in zip(n.shape, strides, strict=True))
    # The span lies inside the view's own buffer: [first element + lo, first element + hi].
    raw = (ctypes.c_char * ((hi - lo + 1) * n.itemsize)).from_address(
        n.ctypes.data + lo * n.itemsize
    )
    arrays[key] = np.frombuffer(raw, dtype=n.dtype).copy()
    return {
        "array": key,
        "dtype": _dtype_name(a.dtype),
        "view": {"shape": list(n.shape), "strides": strides, "offset": -lo},
    }


def _decode_value(e: Any, arrays: Any) -> Any:
    if "dtype" in e and "array" not in e:
        return _DTYPE_BY_NAME[e["dtype"]]
    if "py" in e:
        return e["py"]
    n = arrays[e["array"]]
    dtype = _DTYPE_BY_NAME[e["dtype"]]
    a = buffers.to_mx(n, dtype)
    if "view" in e:
        view = e["view"]
        a = mx.as_strided(a, view["shape"], view["strides"], view["offset"])
    return a


def write_replay(kernel: MetalKernel, directory: Path, **call_kwargs: Any) -> None:
    """Store a kernel and one call's arguments so another process can repeat the call."""
    arrays: dict[str, np.ndarray] = {}
    spec = {
        "kernel": kernel.spec.constructor_kwargs(),
        "inputs": [_encode_value(v, arrays, f"in{i}") for i, v in enumerate(call_kwargs["inputs"])],
        "output_shapes": [list(map(int, s)) for s in call_kwargs["output_shapes"]],
        "output_dtypes": [_dtype_name(d) for d in call_kwargs["output_dtypes"]],
        "grid": list(map(int, call_kwargs["grid"])),
        "threadgroup": list(map(int, call_kwargs["threadgroup"])),
        "template": [
            [n, _encode_value(v, arrays, f"t{i}")]
            for i, (n, v) in enumerate(call_kwargs.get("template") or [])
        ],
        "init_value": call_kwargs.get("init_value"),
    }
    (directory / "call.json").write_text(json.dumps(spec))
    np.savez(directory / "inputs.npz", **arrays)


def replay(directory: Path) -> list[mx.array]:
    """Repeat a call stored by ``write_replay`` (used in the ASan subprocess)."""
    spec = json.loads((directory / "call.json").read_text())
    with np.load(directory / "inputs.npz") as arrays:
        inputs = [_decode_value(e, arrays) for e in spec["inputs"]]
        template = [(n, _decode_value(e, arrays)) for n, e in spec["template"]]
    k = metal_kernel(**spec["kernel"])
    outs = k(
        inputs=inputs,
        output_shapes=[tuple(s) for s in spec["output_shapes"]],
        output_dtypes=[_DTYPE_BY_NAME[d] for d in spec["output_dtypes"]],
        grid=tuple(spec["grid"]),
        threadgroup=tuple(spec["threadgroup"]),
        template=template or None,
        init_value=spec["init_value"],
    )
    mx.eval(outs)
    np.savez(
        directory / "outputs.npz",
        **{f"out{i}": buffers.input_view(o) for i, o in enumerate(outs)},
    )
    return outs


_ASAN_ERROR = re.compile(r"ERROR: AddressSanitizer: ([\w-]+)")
# The compiler maps kernel code to "<source>" (the body) and "<header>" line:col.
_USER_LOC = re.compile(r"<(source|header)>:(\d+)(?::(\d+))?")


def run_with_asan(kernel: MetalKernel, *, timeout: float = 600, **call_kwargs: Any) -> AsanReport:
    """Repeat one call in a subprocess with AddressSanitizer; never crashes the caller.

    Needs clang-19 with its ASan runtime (Debian: ``clang-19 libclang-rt-19-dev``); raises
    ``ToolchainError`` when it is missing. Inputs are copied to the subprocess; strided views
    are rebuilt with the same strides (``mx.as_strided`` over a copy of the memory they span).
    """
    from metalsim import launch

    env = dict(os.environ)
    env.update(launch.asan_environment())
    env[config.SANITIZE] = "1"
    src_dir = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = src_dir + os.pathsep + env.get("PYTHONPATH", "")
    with tempfile.TemporaryDirectory(prefix="metalsim-asan-") as tmp:
        d = Path(tmp)
        write_replay(kernel, d, **call_kwargs)
        proc = subprocess.run(
            [sys.executable, "-m", "metalsim", "replay", str(d)],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            check=False,
        )
        outputs = None
        if proc.returncode == 0 and (d / "outputs.npz").exists():
            with np.load(d / "outputs.npz") as z:
                outputs = [
                    buffers.to_mx(z[f"out{i}"], dt)
                    for i, dt in enumerate(call_kwargs["output_dtypes"])
                ]
    report = proc.stderr
    m = _ASAN_ERROR.search(report)
    error: str | None = m.group(1) if m else None
    if error is None and proc.returncode != 0:
        last = [ln for ln in report.strip().splitlines() if ln.strip()]
        error = last[-1] if last else f"exit status {proc.returncode}"
    location = source_line = None
    m = _USER_LOC.search(report)
    if m:
        location = m.group(0)
        text = kernel.source if m.group(1) == "source" else kernel.header
        lines = text.splitlines()
        line_no = int(m.group(2))
        if 1 <= line_no <= len(lines):
            source_line = lines[line_no - 1].strip()
    return AsanReport(
        kernel.name,
        ok=proc.returncode == 0 and error is None,
        returncode=proc.returncode,
        error=error,
        location=location,
        source_line=source_line,
        report=report,
        outputs=outputs,
    )
