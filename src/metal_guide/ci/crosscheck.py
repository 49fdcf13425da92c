"""Record the outputs of ``mx.fast.metal_kernel`` calls, and compare two runs kernel by kernel.

On a Mac each kernel test runs twice, once on Metal and once through metalsim; this module
records every kernel call of each pass under (test, kernel name, call number) and compares the
passes. Each kernel object is tagged with the backend that *built* it, so a kernel cached across
passes (built on Metal, reused in the metalsim pass) is reported as not compared rather than as
a perfect match.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class KernelCall:
    test: str
    kernel: str
    call: int  # 0-based number of this kernel's call within the test and pass
    pass_name: str  # "metal" or "metalsim" on a Mac; any two names in tests
    backend: str  # who built the kernel object: "metal" or "metalsim"
    outputs: list[Any]  # mx.array outputs, converted to NumPy only when compared


def _backend_of(factory: Any) -> str:
    from metalsim.kernel import metal_kernel as emulated

    return "metalsim" if factory is emulated else "metal"


class _RecordedKernel:
    """Wraps a kernel object: calls record their outputs; attributes pass through."""

    def __init__(self, recorder: Recorder, kernel: Any, name: str, backend: str) -> None:
        self._recorder, self._kernel, self._name, self._backend = recorder, kernel, name, backend

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        outputs = self._kernel(*args, **kwargs)
        self._recorder.record(self._name, self._backend, list(outputs))
        return outputs

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._kernel, attr)


@dataclass
class Recorder:
    calls: list[KernelCall] = field(default_factory=list)
    _test: str | None = None
    _pass: str = ""
    _counts: Counter[tuple[str, str, str]] = field(default_factory=Counter)

    def record(self, kernel: str, backend: str, outputs: list[Any]) -> None:
        if self._test is None:
            return  # a kernel built during recording but called after it: not attributable
        key = (self._pass, self._test, kernel)
        n = self._counts[key]
        self._counts[key] += 1
        self.calls.append(KernelCall(self._test, kernel, n, self._pass, backend, outputs))

    @contextmanager
    def recording(self, test: str, pass_name: str) -> Iterator[None]:
        """Record kernel calls made while the block runs, under ``test``.

        Wraps whatever ``mx.fast.metal_kernel`` is at entry (Metal's or metalsim's), so enter
        this after ``metalsim.installed(force=True)`` for the emulated pass.
        """
        import mlx.core as mx

        factory = mx.fast.metal_kernel
        backend = _backend_of(factory)

        def recording_factory(*args: Any, **kwargs: Any) -> Any:
            name = kwargs.get("name", args[0] if args else "?")
            return _RecordedKernel(self, factory(*args, **kwargs), str(name), backend)

        self._test, self._pass = test, pass_name
        mx.fast.metal_kernel = recording_factory
        try:
            yield
        finally:
            mx.fast.metal_kernel = factory
            self._test = None

    def by_key(self, pass_name: str) -> dict[tuple[str, str, int], KernelCall]:
        return {(c.test, c.kernel, c.call): c for c in self.calls if c.pass_name == pass_name}


def _as_numpy(a: Any) -> np.ndarray:
    import mlx.core as mx

    if isinstance(a, mx.array):
        if a.dtype == mx.bfloat16:  # NumPy has no bfloat16; float32 holds every value exactly
            a = a.astype(mx.float32)
        return np.array(a)
    return np.asarray(a)


def compare_arrays(reference: Any, other: Any) -> dict[str, Any]:
    """Max abs error, max rel error (relative to the reference), and bit identity."""
    ref, oth = _as_numpy(reference), _as_numpy(other)
    if ref.shape != oth.shape or ref.dtype != oth.dtype:
        return {
            "status": "mismatch",
            "detail": f"{ref.dtype}{list(ref.shape)} vs {oth.dtype}{list(oth.shape)}",
            "bit_identical": False,
        }
    bit_identical = ref.tobytes() == oth.tobytes()
    if ref.size == 0:
        return {
            "status": "compared",
            "max_abs_err": 0.0,
            "max_rel_err": 0.0,
            "bit_identical": bit_identical,
            "nan_mismatch": False,
        }
    r, o = ref.astype(np.float64), oth.astype(np.float64)
    nan_mismatch = bool(np.any(np.isnan(r) != np.isnan(o)))
    both = ~(np.isnan(r) | np.isnan(o))
    same_inf = (r == o) & both  # equal infinities have no error (inf - inf would be nan)
    with np.errstate(invalid="ignore", over="ignore"):  # inf - inf and nan are masked next
        diff = np.where(same_inf | ~both, 0.0, np.abs(r - o))
        rel = np.where(diff == 0, 0.0, diff / np.maximum(np.abs(r), np.finfo(np.float64).tiny))
    return {
        "status": "compared",
        "max_abs_err": float(np.max(diff)),
        "max_rel_err": float(np.max(rel)),
        "bit_identical": bit_identical,
        "nan_mismatch": nan_mismatch,
    }


def compare(recorder: Recorder, reference: str = "metal", other: str = "metalsim") -> list[dict]:
    """One entry per (test, kernel, call, output) recorded in either pass.

    A pass named after a backend ("metal", "metalsim") must have run its kernels on that
    backend; a kernel object built in the other pass and reused is reported, not compared.
    """
    ref_calls, other_calls = recorder.by_key(reference), recorder.by_key(other)
    rows: list[dict[str, Any]] = []
    for key in sorted(set(ref_calls) | set(other_calls)):
        test, kernel, call = key
        base = {"test": test, "kernel": kernel, "call": call}
        if key not in ref_calls or key not in other_calls:
            missing = reference if key not in ref_calls else other
            rows.append(
                {
                    **base,
                    "status": "not compared",
                    "detail": f"no call recorded on {missing} (kernel cached across passes, "
                    "or the passes launched different kernels)",
                }
            )
            continue
        wrong = [
            c
            for c in (ref_calls[key], other_calls[key])
            if c.pass_name in ("metal", "metalsim") and c.backend != c.pass_name
        ]
        if wrong:
            c = wrong[0]
            rows.append(
                {
                    **base,
                    "status": "not compared",
                    "detail": f"the {c.pass_name} pass ran a kernel built by {c.backend} "
                    "(kernel object cached across passes)",
                }
            )
            continue
        a, b = ref_calls[key].outputs, other_calls[key].outputs
        if len(a) != len(b):
            rows.append({**base, "status": "mismatch", "detail": f"{len(a)} vs {len(b)} outputs"})
            continue
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            rows.append({**base, "output": i, **compare_arrays(x, y)})
    return rows


def summarize(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Per kernel name: worst errors over all its compared calls, and whether all were identical."""
    kernels: dict[str, dict[str, Any]] = {}
    for row in rows:
        k = kernels.setdefault(
            row["kernel"],
            {
                "compared": 0,
                "not_compared": 0,
                "mismatched": 0,
                "max_abs_err": 0.0,
                "max_rel_err": 0.0,
                "bit_identical": True,
            },
        )
        if row["status"] == "compared":
            k["compared"] += 1
            k["max_abs_err"] = max(k["max_abs_err"], row["max_abs_err"])
            k["max_rel_err"] = max(k["max_rel_err"], row["max_rel_err"])
            k["bit_identical"] &= row["bit_identical"] and not row["nan_mismatch"]
        elif row["status"] == "mismatch":
            k["mismatched"] += 1
            k["bit_identical"] = False
        else:
            k["not_compared"] += 1
    for k in kernels.values():
        if k["compared"] == 0:
            k["bit_identical"] = None  # nothing compared: no claim either way
    return kernels
