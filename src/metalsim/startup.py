"""Opt-in install at interpreter start: ``METALSIM_INSTALL=1 python script.py``.

The wheel ships ``metalsim_startup.pth``, which Python's ``site`` module runs at every start-up.
Its one line checks ``$METALSIM_INSTALL`` and, only when it is set (and not ``0``), imports this
module, which installs metalsim before any user code runs. A kernel object that a module builds
at import time with ``mx.fast.metal_kernel`` (the build-once pattern) then gets the emulator,
which a later ``metalsim.install()`` cannot give it. Unset, the hook costs one environment
lookup.
"""

from __future__ import annotations

import sys

from metalsim import config

ENV_VAR = config.INSTALL
# The line of metalsim_startup.pth. `site` executes .pth lines that start with "import". It names
# the variable literally: importing config there would cost every interpreter start an import.
PTH_LINE = (
    "import os; os.environ.get('METALSIM_INSTALL', '0') not in ('', '0') "
    "and __import__('metalsim.startup').startup.install_from_environment()"
)


def install_from_environment() -> bool:
    """Install metalsim if ``$METALSIM_INSTALL`` asks for it (``force`` also on a Mac).

    Never raises: a broken environment must not stop the interpreter from starting.
    """
    value = config.env(ENV_VAR) or "0"
    if value in ("", "0"):
        return False
    try:
        import metalsim

        return metalsim.install(force=value == "force")
    except Exception as exc:  # noqa: BLE001
        print(f"metalsim: {ENV_VAR}={value} but install failed: {exc}", file=sys.stderr)
        return False
