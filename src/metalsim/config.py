"""What every metalsim layer agrees on, defined once: environment variables, the cache root,
thread schedules and math modes.

This module is the bottom of the package: it imports nothing from metalsim, so any layer (the
MLX layer, the language layer, the runtime's Python side, the pytest plugin) can import it.
Each ``METALSIM_*`` variable is read here and nowhere else; ``ENVIRONMENT`` lists them with
what they do (the "Testing on Linux" page's table is checked against it).
"""

from __future__ import annotations

import os
from pathlib import Path

# ---------------------------------------------------------------------------------------------
# Environment variables. The Python side reads them only through env()/env_flag() below; the
# runtime (C++) reads METALSIM_NO_SIGNAL_HANDLER itself, and metalsim_startup.pth names
# METALSIM_INSTALL literally (importing this module there would slow every interpreter start).
# METALSIM_RT_VARIANT is for metalsim's own tests; INTERNAL lists such variables.

CACHE_DIR = "METALSIM_CACHE_DIR"
CXX = "METALSIM_CXX"
GUIDE_URL = "METALSIM_GUIDE_URL"
INSTALL = "METALSIM_INSTALL"
NO_SIGNAL_HANDLER = "METALSIM_NO_SIGNAL_HANDLER"  # read by runtime/faults.cpp, not here
QUIET = "METALSIM_QUIET"
RT_VARIANT = "METALSIM_RT_VARIANT"
SANITIZE = "METALSIM_SANITIZE"
SCHEDULE = "METALSIM_SCHEDULE"
STRICT_BARRIERS = "METALSIM_STRICT_BARRIERS"
WORKERS = "METALSIM_WORKERS"

ENVIRONMENT: dict[str, str] = {
    CACHE_DIR: "root of the on-disk cache (default $XDG_CACHE_HOME/metalsim, ~/.cache/metalsim)",
    CXX: "the C++ compiler command line to use instead of searching for clang or zig",
    GUIDE_URL: "base address of the published mlx-metal-guide site, for the lint's links",
    INSTALL: "1: install metalsim at interpreter start (force: also with Metal)",
    NO_SIGNAL_HANDLER: "any value: crashes in kernel code are not turned into errors",
    QUIET: "1: no first-run progress messages",
    RT_VARIANT: "ucontext: build the runtime's portable fiber switch (used by the tests)",
    SANITIZE: "1: compile and run kernels under AddressSanitizer",
    SCHEDULE: "default thread schedule: forward, reverse, random or random:SEED",
    STRICT_BARRIERS: "1: fail kernels that reach a barrier in divergent code",
    WORKERS: "OS threads that run threadgroups (0: one per core)",
}
# Not user settings: the user documentation leaves them out.
INTERNAL = frozenset({RT_VARIANT})


def env(name: str) -> str | None:
    """The value of one of metalsim's variables (``None`` when unset or empty)."""
    if name not in ENVIRONMENT:
        raise KeyError(f"{name} is not one of metalsim's environment variables")
    return os.environ.get(name) or None


def env_flag(name: str) -> bool:
    """Is a yes/no variable set to something other than ``""`` or ``"0"``?"""
    return env(name) not in (None, "0")


# ---------------------------------------------------------------------------------------------
# The on-disk cache: one root for the runtime library, compiled kernels, precompiled headers,
# the preamble, zig's cache and the lint. Decided here only, so no two of them can disagree.


def cache_root() -> Path:
    """``$METALSIM_CACHE_DIR``, else ``$XDG_CACHE_HOME/metalsim``, else ``~/.cache/metalsim``.

    Read on every call: tests point it at a temporary directory.
    """
    explicit = env(CACHE_DIR)
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg:
        return Path(xdg) / "metalsim"
    return Path.home() / ".cache" / "metalsim"


# ---------------------------------------------------------------------------------------------
# Names the MLX layer and the runtime share.

# Orders in which the threads of a threadgroup run; the position is the runtime's enum value.
SCHEDULES = ("forward", "reverse", "random")
# The values MLX accepts for compile_options={"math_mode": ...}; the compiler maps each to flags.
MATH_MODES = ("safe", "relaxed", "fast")
