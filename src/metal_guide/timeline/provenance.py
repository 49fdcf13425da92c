"""Where a measurement ran, stated in words that go on the figure and into the data file."""

from __future__ import annotations

import os
import platform
from dataclasses import asdict, dataclass

import mlx.core as mx


def gpu_or_cpu() -> mx.DeviceType:
    """`mx.gpu` where this MLX has a GPU back-end (a Mac), `mx.cpu` otherwise (Linux wheels)."""
    return mx.gpu if mx.is_available(mx.gpu) else mx.cpu


@dataclass(frozen=True)
class Provenance:
    """The facts a reader needs to judge a timing: back-end, machine, MLX version."""

    backend: str
    machine: str
    cpus: int
    mlx: str

    def line(self) -> str:
        return f"{self.backend} | {self.machine}, {self.cpus} CPUs | MLX {self.mlx}"

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def where_it_ran(device: mx.DeviceType) -> Provenance:
    """Describe the back-end whose streams ran the work: never call CPU streams a GPU."""
    if device == mx.DeviceType.gpu:  # not mx.gpu, which tests may map to the CPU
        backend = "GPU streams (Metal)"
    else:
        backend = "CPU back-end, CPU streams (no GPU used)"
    info = mx.device_info()
    name = str(info.get("device_name", platform.processor() or "unknown"))
    machine = f"{platform.system()} {platform.machine()}, {name}"
    return Provenance(backend, machine, os.cpu_count() or 1, mx.__version__)
