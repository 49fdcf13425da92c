"""Feature probes: tiny kernels that show whether this device really has a Metal feature.

A probe counts as supported only if its kernel compiles, runs and returns the exact expected
numbers: Metal.jl saw custom kernels on the paravirtual device return zeros (JuliaGPU/Metal.jl#309),
so "it compiled" is not enough. Feature families per the Metal Feature Set Tables: simdgroup
matrices and float atomics need Apple7, ``bfloat`` needs Apple6/Metal3 and MSL 3.1.
Probes look ``mx.fast.metal_kernel`` up at call time, so under metalsim they report what the
emulator supports.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np


@dataclass(frozen=True)
class ProbeResult:
    feature: str
    supported: bool
    detail: str

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _probe_simdgroup_matrix() -> str | None:
    import mlx.core as mx

    # Built on each call on purpose: the probe must see whichever metal_kernel is current
    # (Metal or metalsim), and it runs once per session.
    # metalsim-lint: disable=kernel-built-per-call -- looks up the current back-end
    kernel = mx.fast.metal_kernel(
        name="probe_simdgroup_matrix",
        input_names=["a"],
        output_names=["c"],
        header="#include <metal_simdgroup_matrix>\n",
        source="""
            simdgroup_float8x8 ma;
            simdgroup_load(ma, a, 8);
            simdgroup_float8x8 ones = make_filled_simdgroup_matrix<float, 8, 8>(1.0f);
            simdgroup_float8x8 mc;
            simdgroup_multiply(mc, ma, ones);
            simdgroup_store(mc, c, 8);
        """,
    )
    a = np.arange(64, dtype=np.float32).reshape(8, 8)
    (c,) = kernel(
        inputs=[mx.array(a)],
        grid=(32, 1, 1),
        threadgroup=(32, 1, 1),
        output_shapes=[(8, 8)],
        output_dtypes=[mx.float32],
    )
    return _mismatch(np.array(c), a @ np.ones((8, 8), np.float32))


def _probe_float_atomics() -> str | None:
    import mlx.core as mx

    # Built on each call on purpose: the probe must see whichever metal_kernel is current
    # (Metal or metalsim), and it runs once per session.
    # metalsim-lint: disable=kernel-built-per-call -- looks up the current back-end
    kernel = mx.fast.metal_kernel(
        name="probe_float_atomics",
        input_names=["x"],
        output_names=["total"],
        source="""
            atomic_fetch_add_explicit(&total[0], x[thread_position_in_grid.x],
                                      memory_order_relaxed);
        """,
        atomic_outputs=True,
    )
    (total,) = kernel(
        inputs=[mx.ones((64,), dtype=mx.float32)],
        grid=(64, 1, 1),
        threadgroup=(32, 1, 1),
        output_shapes=[(1,)],
        output_dtypes=[mx.float32],
        init_value=0,
    )
    return _mismatch(np.array(total), np.array([64.0], np.float32))


def _probe_bfloat() -> str | None:
    import mlx.core as mx

    # Built on each call on purpose: the probe must see whichever metal_kernel is current
    # (Metal or metalsim), and it runs once per session.
    # metalsim-lint: disable=kernel-built-per-call -- looks up the current back-end
    kernel = mx.fast.metal_kernel(
        name="probe_bfloat",
        input_names=["x"],
        output_names=["y"],
        # The native MSL `bfloat` type, not MLX's bfloat16_t (which MLX emulates before MSL 3.1).
        source="""
            uint i = thread_position_in_grid.x;
            bfloat b = static_cast<bfloat>(x[i]);
            y[i] = float(b) * 2.0f;
        """,
    )
    x = np.array([1.0, -2.5, 0.375, 3.0], np.float32)  # exactly representable in bfloat
    # metalsim-lint: disable=threadgroup-size -- four exact values; it tests a type, not speed
    (y,) = kernel(
        inputs=[mx.array(x)],
        grid=(4, 1, 1),
        threadgroup=(4, 1, 1),
        output_shapes=[(4,)],
        output_dtypes=[mx.float32],
    )
    return _mismatch(np.array(y), x * 2)


def _mismatch(got: np.ndarray, want: np.ndarray) -> str | None:
    if got.shape == want.shape and np.array_equal(got, want):
        return None
    return (
        f"wrong result: got {got.ravel()[:4].tolist()}..., expected {want.ravel()[:4].tolist()}..."
    )


# Feature name (as used in @pytest.mark.metal_feature) -> probe returning None or what went wrong.
PROBES: dict[str, Callable[[], str | None]] = {
    "simdgroup_matrix": _probe_simdgroup_matrix,
    "float_atomics": _probe_float_atomics,
    "bfloat": _probe_bfloat,
}


def run_probe(feature: str, probes: dict[str, Callable[[], str | None]] = PROBES) -> ProbeResult:
    """Run one probe; any exception (compile error, launch failure) means unsupported."""
    try:
        problem = probes[feature]()
    except KeyError:
        raise ValueError(f"unknown Metal feature {feature!r}; known: {sorted(probes)}") from None
    except Exception as e:  # noqa: BLE001 - the error text is the reason a test is skipped
        first = str(e).strip().splitlines()[0] if str(e).strip() else ""
        return ProbeResult(feature, False, f"{type(e).__name__}: {first}"[:300])
    if problem is None:
        return ProbeResult(feature, True, "kernel compiled and returned the exact expected values")
    return ProbeResult(feature, False, problem)


class ProbeCache:
    """Runs each probe at most once per session (probes compile kernels: not free)."""

    def __init__(self, probes: dict[str, Callable[[], str | None]] = PROBES) -> None:
        self._probes = probes
        self.results: dict[str, ProbeResult] = {}

    def get(self, feature: str) -> ProbeResult:
        if feature not in self.results:
            self.results[feature] = run_probe(feature, self._probes)
        return self.results[feature]

    def all(self) -> dict[str, ProbeResult]:
        for feature in self._probes:
            self.get(feature)
        return dict(self.results)


def skip_reason(features: list[str], cache: ProbeCache, device_label: str) -> str | None:
    """Why a test needing ``features`` must be skipped on this device, or None to run it."""
    missing = [cache.get(f) for f in features]
    missing = [r for r in missing if not r.supported]
    if not missing:
        return None
    parts = "; ".join(f"{r.feature}: {r.detail}" for r in missing)
    return f"Metal feature missing on {device_label}: {parts}"
