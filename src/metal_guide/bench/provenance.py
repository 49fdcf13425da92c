"""Where a benchmark ran: chip, device, OS, MLX version, backend, date.

Only results from bare Apple-silicon hardware are speed results. A run through metalsim (the
CPU emulator) or on a virtual machine's paravirtual GPU is marked ``speed_meaningful: false``.
"""

from __future__ import annotations

import datetime
import platform
import sys
from typing import Any

import mlx.core as mx


def backend() -> str:
    """"metal" (a real Metal device), "metalsim" (the emulator is installed) or "none"."""
    if mx.metal.is_available():
        return "metal"
    try:
        import metalsim
    except ImportError:
        return "none"
    return "metalsim" if metalsim.is_installed() else "none"


def collect() -> dict[str, Any]:
    info: dict[str, Any] = {}
    be = backend()
    device_name = ""
    if be == "metal":
        info = dict(mx.device_info())
        device_name = str(info.get("device_name", ""))
    paravirtual = "paravirtual" in device_name.lower()
    meaningful = be == "metal" and not paravirtual and platform.machine() == "arm64"
    mac = platform.mac_ver()[0]
    reason = ""
    if be == "metalsim":
        reason = "metalsim runs kernels on the CPU: not meaningful for speed"
    elif paravirtual:
        reason = "paravirtual GPU of a virtual machine: not meaningful for speed"
    elif not meaningful:
        reason = "no bare Apple-silicon Metal device: not meaningful for speed"
    return {
        "chip": device_name or platform.processor() or platform.machine(),
        "device_name": device_name,
        "architecture": str(info.get("architecture", "")),
        "macos": mac or None,
        "os": platform.platform(),
        "machine": platform.machine(),
        "mlx_version": mx.__version__,
        "python": sys.version.split()[0],
        "backend": be,
        "speed_meaningful": meaningful,
        "not_meaningful_reason": reason,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
