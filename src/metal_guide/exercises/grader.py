"""Grade a reader's kernel body against an exercise's specification.

On a Mac the body runs on the Metal device. Elsewhere it runs through metalsim under several
thread schedules with strict barriers, so a missing barrier or one that only some threads
reach fails here instead of passing by luck. Each failure is put in one class with a one-line
hint; the command line (``python -m metal_guide.exercises``) prints the report.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import mlx.core as mx
import numpy as np

from metal_guide.exercises.exercise import NOT_IMPLEMENTED, Exercise

# Thread orders tried under metalsim; the first is the reference for "race".
SCHEDULES = ("forward", "reverse", "random:0", "random:1")

# Sentinels for unwritten outputs: an element still equal to the fill value in two runs with
# different fill values was never written.
_FILLS = (-1.0e30, 3.0e29)

HINTS = {
    "not implemented": "Replace the stub with your body and delete its "
    f"'// {NOT_IMPLEMENTED}' line.",
    "compile error": "Read the first error: <source>:LINE:COL counts the lines of your BODY.",
    "wrong values": "Work a small size by hand: which thread writes which element, from what?",
    "unwritten output": "Some outputs are never written: does the grid reach every element, "
    "and does every thread that owns one reach its store?",
    "out-of-bounds write": "A thread wrote outside the output: guard each store with the "
    "element count, since the grid may be larger than the data.",
    "race": "The result depends on thread order: a thread reads threadgroup memory before "
    "another finished writing it; add threadgroup_barrier(mem_flags::mem_threadgroup).",
    "divergent barrier": "Not every thread of the threadgroup reached the barrier: guard "
    "the work, never the barrier, and do not return before it.",
    "hang": "The kernel never finished: a loop that does not end, or a wait nobody ends.",
    "runtime error": "The kernel failed while running; the message above says where.",
}


@dataclass(frozen=True)
class CaseResult:
    size: Any
    failure: str | None = None  # a key of HINTS, or None when the case passed
    detail: str = ""

    @property
    def passed(self) -> bool:
        return self.failure is None


@dataclass
class GradeReport:
    exercise: Exercise
    where: str
    results: list[CaseResult] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return bool(self.results) and all(r.passed for r in self.results)

    @property
    def failures(self) -> list[str]:
        """The failure classes found, in order of first appearance."""
        return list(dict.fromkeys(r.failure for r in self.results if r.failure))

    def __str__(self) -> str:
        ex = self.exercise
        lines = [f"Exercise {ex.number}: {ex.title} ({self.where})"]
        for r in self.results:
            mark = "PASS" if r.passed else "FAIL"
            lines.append(f"  {mark} size {r.size}" + (f": {r.failure}" if r.failure else ""))
            if r.detail:
                lines += [f"       {line}" for line in r.detail.splitlines()]
        if self.passed:
            lines.append(f"All {len(self.results)} cases passed.")
        else:
            lines.append("Hints:")
            lines += [f"  {f}: {HINTS[f]}" for f in self.failures]
        return "\n".join(lines)


def _backend() -> tuple[Any, str, tuple[str | None, ...]]:
    """(metal_kernel builder, description, schedules) for this machine."""
    if mx.metal.is_available():
        name = mx.device_info().get("device_name", "Metal device")
        return mx.fast.metal_kernel, f"on {name}", (None,)
    import metalsim

    where = "emulated by metalsim: schedules " + ", ".join(SCHEDULES) + "; strict barriers"
    return metalsim.metal_kernel, where, SCHEDULES


def _classify_runtime(message: str) -> str:
    # metalsim's runtime messages (tests/exercises pin them).
    if "barrier not reached" in message:
        return "divergent barrier"
    if message.startswith("watchdog:"):
        return "hang"
    if "` wrote " in message:
        return "out-of-bounds write"
    return "runtime error"


def _first_mismatch(got: mx.array, want: mx.array, rtol: float, atol: float) -> str | None:
    g = np.array(got.astype(mx.float32)) if got.dtype == mx.bfloat16 else np.array(got)
    w = np.array(want.astype(mx.float32)) if want.dtype == mx.bfloat16 else np.array(want)
    bad = ~np.isclose(g, w, rtol=rtol, atol=atol, equal_nan=True)
    if not bad.any():
        return None
    idx = tuple(int(i) for i in np.argwhere(bad)[0])
    return (
        f"{int(bad.sum())} of {bad.size} elements wrong; "
        f"out{list(idx)} = {g[idx]!r}, expected {w[idx]!r}"
    )


def grade(exercise: Exercise, body: str, header: str = "") -> GradeReport:
    """Run `body` (and `header`) as the exercise's kernel at every size; never raises for a
    faulty kernel, which shows up as failed cases in the report instead."""
    builder, where, schedules = _backend()
    report = GradeReport(exercise, where)
    if NOT_IMPLEMENTED in body or not body.strip():
        report.results.append(CaseResult("-", "not implemented", "the body is still the stub"))
        return report

    # A distinct name per source: before MLX 0.32.1 one name kept its first source (mlx#3832).
    digest = hashlib.sha256((header + "\0" + body).encode()).hexdigest()[:10]
    example = exercise.make_inputs(exercise.sizes[0])
    kernel = builder(
        name=f"{exercise.kernel_name}_{digest}",
        input_names=list(example),
        output_names=["out"],
        source=body,
        header=header,
    )
    for size in exercise.sizes:
        report.results.append(_grade_case(exercise, kernel, size, schedules))
        if report.results[-1].failure == "compile error":
            break  # the same error at every size
    return report


def _grade_case(
    exercise: Exercise, kernel: Any, size: Any, schedules: tuple[str | None, ...]
) -> CaseResult:
    inputs = exercise.make_inputs(size)
    want = exercise.spec(**inputs)
    call = dict(
        inputs=list(inputs.values()),
        output_shapes=[want.shape],
        output_dtypes=[want.dtype],
        **exercise.launch(**inputs),
    )
    outputs: dict[str | None, np.ndarray] = {}
    for schedule in schedules:
        try:
            (got,) = _run(kernel, call, schedule)
        except Exception as e:  # noqa: BLE001 - every kernel fault becomes a report line
            if type(e).__name__ == "MetalCompileError" or "Unable to build" in str(e):
                return CaseResult(size, "compile error", str(e))
            return CaseResult(size, _classify_runtime(str(e)), f"{_label(schedule)}{e}")
        outputs[schedule] = np.array(got.astype(mx.float32))
        problem = _first_mismatch(got, want, exercise.rtol, exercise.atol)
        if problem is None:
            continue
        # Results that change with the thread order mean threads race (e.g. a missing
        # barrier), whichever order happened to be right.
        if any(not np.array_equal(o, outputs[schedule], equal_nan=True) for o in outputs.values()):
            return CaseResult(size, "race", f"{_label(schedule)}{problem}")
        for other in schedules[len(outputs):]:
            (again,) = _run(kernel, call, other)
            if not np.array_equal(np.array(again.astype(mx.float32)), outputs[schedule],
                                  equal_nan=True):
                return CaseResult(size, "race", f"{_label(other)}{problem}")
        if _unwritten(kernel, call, schedule):
            return CaseResult(size, "unwritten output", f"{_label(schedule)}{problem}")
        return CaseResult(size, "wrong values", f"{_label(schedule)}{problem}")
    return CaseResult(size)


def _label(schedule: str | None) -> str:
    return f"schedule {schedule}: " if schedule else ""


def _run(kernel: Any, call: dict[str, Any], schedule: str | None) -> list[mx.array]:
    if schedule is None:
        outs = kernel(**call)
        mx.eval(outs)
        return outs
    import metalsim
    from metalsim.run_settings import parse_schedule

    name, seed = parse_schedule(schedule)
    with metalsim.settings(schedule=name, seed=seed, strict_barriers=True):
        outs = kernel(**call)
        mx.eval(outs)
    return outs


def _unwritten(kernel: Any, call: dict[str, Any], schedule: str | None) -> bool:
    """True if some output element keeps the fill value whatever the fill value is."""
    still = []
    for fill in _FILLS:
        (out,) = _run(kernel, {**call, "init_value": fill}, schedule)
        # the fill as the output type holds it (float16 turns 1e30 into inf)
        sentinel = mx.array(fill).astype(out.dtype).astype(mx.float32).item()
        still.append(np.array(out.astype(mx.float32)) == sentinel)
    return bool((still[0] & still[1]).any())
