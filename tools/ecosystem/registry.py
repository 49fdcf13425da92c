"""The checks, by name, and what each one reports: comparisons with a reference."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Comparison:
    """One output of one configuration compared with its reference."""

    what: str
    max_abs_err: float
    ok: bool
    note: str = ""


@dataclass
class Result:
    name: str
    status: str  # "pass", "mismatch", "error", "skipped"
    seconds: float
    comparisons: list[Comparison] = field(default_factory=list)
    message: str = ""
    # `git rev-parse HEAD` of the checkout the kernel came from, so a run can be reproduced.
    commit: str = ""


CheckFunction = Callable[[Path], list[Comparison]]

# Every check: name -> (project option, function). Filled by @check in the checks_* modules.
CHECKS: dict[str, tuple[str, CheckFunction]] = {}


def check(name: str, project: str) -> Callable[[CheckFunction], CheckFunction]:
    """Register a check of the checkout given by the ``--<project>`` option."""

    def register(fn: CheckFunction) -> CheckFunction:
        CHECKS[name] = (project, fn)
        return fn

    return register


def compare(
    what: str, got: Any, want: Any, *, rtol: float, atol: float, note: str = ""
) -> Comparison:
    import mlx.core as mx

    got = got.astype(mx.float32)
    want = want.astype(mx.float32)
    if got.shape != want.shape:
        return Comparison(what, float("inf"), False, f"shape {got.shape} != {want.shape}")
    err = mx.abs(got - want).max().item() if got.size else 0.0
    ok = bool(mx.allclose(got, want, rtol=rtol, atol=atol).item())
    return Comparison(what, float(err), ok, note)


TOLERANCE = {  # (rtol, atol) per dtype name: float32 ~1e-5 ulp noise, half/bf16 rounding
    "float32": (1e-4, 1e-4),
    "float16": (1e-2, 1e-2),
    "bfloat16": (5e-2, 5e-2),
}
