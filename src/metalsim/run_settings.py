"""Process-wide run settings of emulated kernels: thread schedule, barriers, sanitizer, workers.

``metalsim.settings(...)`` changes them for a block, ``metalsim.configure(...)`` for the rest of
the process; the defaults come from the environment (``config.ENVIRONMENT``). Diagnostics, the
pytest plugin and the command line all go through this module.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

from metalsim import config
from metalsim.config import MATH_MODES, SCHEDULES


@dataclass(frozen=True)
class Settings:
    """How emulated kernels are run; see [`settings`][metalsim.settings] and
    [`configure`][metalsim.configure]."""

    schedule: str = "forward"  # order threads of a threadgroup run in: forward|reverse|random
    seed: int = 0  # for schedule="random"
    strict_barriers: bool = False  # fail on barriers in divergent code (Apple silicon: lenient)
    sanitize: bool = False  # compile with AddressSanitizer (needs the ASan runtime preloaded)
    workers: int = 0  # OS threads; 0 = one per core
    stack_size: int = 0  # bytes of stack per emulated thread (fiber); 0 = the runtime's default
    watchdog_seconds: float | None = None  # None = the runtime's default, 0 = off
    math_mode: str | None = None  # override the kernel's compile_options math_mode
    dry_run: bool = False  # generate (and report) the source but neither compile nor launch

    def __post_init__(self) -> None:
        if self.schedule not in SCHEDULES:
            raise ValueError(f"[metalsim] schedule must be one of {SCHEDULES}: {self.schedule!r}")
        if self.math_mode is not None and self.math_mode not in MATH_MODES:
            raise ValueError(f"[metalsim] math_mode must be one of {MATH_MODES}")


def parse_schedule(text: str) -> tuple[str, int]:
    """``"forward"``, ``"reverse"``, ``"random"`` or ``"random:SEED"`` -> (schedule, seed)."""
    name, _, seed = text.partition(":")
    if name not in SCHEDULES or (seed and name != "random"):
        raise ValueError(
            f"[metalsim] bad schedule {text!r}: use forward, reverse, random or random:SEED"
        )
    return name, int(seed) if seed else 0


def settings_from_env() -> Settings:
    """The settings the environment asks for (``METALSIM_SCHEDULE``, ``..._WORKERS``, ...)."""
    kw: dict[str, Any] = {}
    schedule = config.env(config.SCHEDULE)
    if schedule:
        kw["schedule"], kw["seed"] = parse_schedule(schedule)
    if config.env_flag(config.STRICT_BARRIERS):
        kw["strict_barriers"] = True
    if config.env_flag(config.SANITIZE):
        kw["sanitize"] = True
    workers = config.env(config.WORKERS)
    if workers:
        kw["workers"] = int(workers)
    return Settings(**kw)


_settings = settings_from_env()
_settings_lock = threading.Lock()


def current_settings() -> Settings:
    """The settings emulated kernel calls use right now."""
    return _settings


def configure(**changes: Any) -> Settings:
    """Change the settings for the rest of the process; returns the previous settings."""
    global _settings
    with _settings_lock:
        previous = _settings
        _settings = replace(_settings, **changes)
    return previous


@contextmanager
def settings(**changes: Any) -> Iterator[Settings]:
    """Temporarily change the settings, e.g. ``with metalsim.settings(schedule="reverse"):``."""
    global _settings
    previous = configure(**changes)
    try:
        yield _settings
    finally:
        with _settings_lock:
            _settings = previous
