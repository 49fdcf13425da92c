"""metalsim: run MLX custom Metal kernels (``mx.fast.metal_kernel``) on a CPU.

``metalsim.metal_kernel`` takes the same arguments as ``mx.fast.metal_kernel`` and runs the
kernel on the CPU. ``metalsim.install()`` (or the ``metalsim.installed()`` context manager)
swaps it in as ``mx.fast.metal_kernel`` when Metal is unavailable. ``metalsim.settings(...)``
chooses the thread schedule and barrier strictness; ``metalsim.diagnostics`` finds unwritten
outputs, schedule-dependent results and out-of-bounds accesses. The command line is
``python -m metalsim --help``; the pytest plugin is ``metalsim.pytest_plugin``.
"""

from __future__ import annotations

from metalsim import diagnostics
from metalsim.errors import KernelRuntimeError, MetalCompileError, MetalsimError, ToolchainError
from metalsim.kernel import MetalKernel, metal_kernel
from metalsim.run_settings import Settings, configure, current_settings, settings
from metalsim.swap import install, installed, is_installed, metal_available, uninstall


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    # metalsim ships on its own (mlx-metalsim) and inside the guide's distribution.
    for dist in ("mlx-metalsim", "mlx-metal-guide"):
        try:
            return version(dist)
        except PackageNotFoundError:
            continue
    return "0+unknown"  # not installed as a distribution (e.g. run from a source tree)


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
    "diagnostics",
    "current_settings",
    "install",
    "installed",
    "is_installed",
    "metal_available",
    "metal_kernel",
    "settings",
    "uninstall",
]
