"""Which device ran the kernels, named honestly.

GitHub's hosted macOS arm64 runners are virtual machines whose GPU MLX reports as
"Apple Paravirtual device" (rajveer43/VeloxQuant-MLX#395); it is not Apple-silicon hardware.
Results are labelled from ``mx.device_info()`` and the runner environment, never assumed.
"""

from __future__ import annotations

import os
import platform
from dataclasses import asdict, dataclass
from typing import Any

PARAVIRTUAL_HOSTED = "Apple paravirtual GPU (GitHub-hosted runner)"
PARAVIRTUAL_OTHER = "Apple paravirtual GPU (virtual machine)"
EMULATED = "emulated (metalsim)"


@dataclass(frozen=True)
class DeviceRecord:
    """What a test run executed Metal kernels on; written into reports as a dict."""

    label: str
    backend: str  # "metal", "metalsim" or "none"
    device_info: dict[str, Any]
    mlx_version: str
    platform: str
    runner_environment: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def label_for(
    device_info: dict[str, Any],
    *,
    metal: bool,
    emulated: bool,
    runner_environment: str | None,
) -> str:
    """The label for results of this run.

    ``runner_environment`` is GitHub's ``RUNNER_ENVIRONMENT`` ("github-hosted" or
    "self-hosted"); it only decides whether a paravirtual device is called GitHub-hosted.
    """
    if emulated:
        return f"{EMULATED} on {platform.system() or 'unknown OS'}"
    if not metal:
        return "no Metal device (kernel tests skipped)"
    name = str(device_info.get("device_name", ""))
    if "paravirtual" in name.lower():
        return PARAVIRTUAL_HOSTED if runner_environment == "github-hosted" else PARAVIRTUAL_OTHER
    return f"Apple hardware {name or 'unknown chip'}"


def current_device() -> DeviceRecord:
    """Describe this process's device: MLX version, ``mx.device_info()``, platform, label."""
    import mlx.core as mx

    from metalsim import swap

    metal = swap.metal_available()
    emulated = swap.is_installed()
    try:
        info = {k: _jsonable(v) for k, v in mx.device_info().items()}
    except Exception as e:  # noqa: BLE001 - recorded instead of failing the run's header
        info = {"error": f"{type(e).__name__}: {e}"}
    runner = os.environ.get("RUNNER_ENVIRONMENT")
    return DeviceRecord(
        label=label_for(info, metal=metal, emulated=emulated, runner_environment=runner),
        backend="metalsim" if emulated else ("metal" if metal else "none"),
        device_info=info,
        mlx_version=mx.__version__,
        platform=platform.platform(),
        runner_environment=runner,
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)
