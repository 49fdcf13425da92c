"""Peak memory bandwidth and FP32 throughput of Apple-silicon chips, with sources.

Bandwidths are Apple's marketing figures as reported by the press; the FP32 peaks are
measured per-cycle rates times cores and clock (philipturner/metal-benchmarks, M1/M2) or
derived by metal-flash-attention (M4). Chips whose figure depends on the GPU core count (M3
Max, M4 Max) have no single entry: the device name does not say which one ran.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Chip:
    bandwidth_gb_s: float
    fp32_gflops: float | None
    source: str


_PRESS = "Apple figures via MacRumors 2023-10-31, Ars Technica table, TechMoran 2024-10-30"
_MB = "philipturner/metal-benchmarks README (measured)"

CHIPS: dict[str, Chip] = {
    "Apple M1": Chip(68.25, 2617, f"{_PRESS}; {_MB}"),
    "Apple M1 Pro": Chip(200, 5308, f"{_PRESS}; {_MB}"),
    "Apple M1 Max": Chip(400, 10617, f"{_PRESS}; {_MB}"),
    "Apple M1 Ultra": Chip(800, 21233, f"{_PRESS}; {_MB}"),
    "Apple M2": Chip(100, 3579, f"{_PRESS}; {_MB}"),
    "Apple M2 Pro": Chip(200, 6800, f"{_PRESS}; {_MB}"),
    "Apple M2 Max": Chip(400, 13600, f"{_PRESS}; {_MB}"),
    "Apple M2 Ultra": Chip(800, None, _PRESS),
    "Apple M3": Chip(102.4, None, _PRESS),
    "Apple M3 Pro": Chip(150, None, _PRESS),
    "Apple M3 Ultra": Chip(819.2, None, _PRESS),
    "Apple M4": Chip(120, 3580, f"{_PRESS}; metal-flash-attention README (derived)"),
    "Apple M4 Pro": Chip(273, None, _PRESS),
    "Apple M5": Chip(153, None, "the-decoder 2025-10 (press)"),
    "Apple M5 Pro": Chip(307, None, "Lowyat 2026-03-04, citing Apple's press release"),
    "Apple M5 Max": Chip(614, None, "Lowyat 2026-03-04, citing Apple's press release"),
}


def lookup(device_name: str) -> Chip | None:
    """The entry for MLX's ``device_info()["device_name"]`` (e.g. "Apple M2 Max")."""
    return CHIPS.get(device_name.strip())
