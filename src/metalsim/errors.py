"""Exceptions shared by metalsim's layers."""

from __future__ import annotations


class MetalsimError(RuntimeError):
    """Base class of every metalsim-specific error."""


class ToolchainError(MetalsimError):
    """No usable C++ compiler (clang >= 17) was found, or it failed to run."""


class MetalCompileError(MetalsimError):
    """The kernel's Metal source did not compile; the message points at the user's source."""


class KernelRuntimeError(MetalsimError):
    """The kernel failed while running: divergent barrier, resource limit, watchdog, ..."""
