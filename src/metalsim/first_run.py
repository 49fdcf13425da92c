"""Progress messages for metalsim's one-time builds (runtime library, MLX preamble, PCH).

On a fresh machine the first kernel waits for builds that later runs find in the cache. Without
a word this looks like a hang, so each one-time build says what it does, how long it usually
takes and, when it is done, how long it took. ``METALSIM_QUIET=1`` silences the messages.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator

from metalsim import config


def _quiet() -> bool:
    return config.env_flag(config.QUIET)


@contextlib.contextmanager
def announce(what: str, typical: str) -> Iterator[None]:
    """Print ``metalsim: <what> (one time; usually <typical>)...`` and the time taken."""
    if _quiet():
        yield
        return
    print(
        f"metalsim: {what}, once per cache directory (usually {typical})...",
        file=sys.stderr,
        flush=True,
    )
    start = time.perf_counter()
    yield
    print(
        f"metalsim: {what}: done in {time.perf_counter() - start:.1f} s",
        file=sys.stderr,
        flush=True,
    )
