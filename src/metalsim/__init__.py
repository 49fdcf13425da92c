"""metalsim: run MLX custom Metal kernels (``mx.fast.metal_kernel``) on a CPU.

Typical use::

    import metalsim
    metalsim.install()          # mx.fast.metal_kernel now emulates when Metal is unavailable
    # or: with metalsim.installed(): ...
    # or: kernel = metalsim.metal_kernel(...)  (same arguments as mx.fast.metal_kernel)

See ARCHITECTURE.md for the layers; the command line is ``python -m metalsim --help``.
"""

from __future__ import annotations

from metalsim.errors import KernelRuntimeError, MetalCompileError, MetalsimError, ToolchainError
from metalsim.install import install, installed, is_installed, metal_available, uninstall
from metalsim.kernel import (
    MetalKernel,
    Settings,
    configure,
    current_settings,
    metal_kernel,
    settings,
)


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("mlx-metal-guide")
    except Exception:  # not installed as a distribution (e.g. run from a source tree)
        return "0+unknown"


__version__ = _version()

__all__ = [
    "KernelRuntimeError",
    "MetalCompileError",
    "MetalKernel",
    "MetalsimError",
    "Settings",
    "ToolchainError",
    "__version__",
    "configure",
    "current_settings",
    "install",
    "installed",
    "is_installed",
    "metal_available",
    "metal_kernel",
    "settings",
    "uninstall",
]
