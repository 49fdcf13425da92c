"""Swap the compiler and runtime behind ``metalsim.execution`` for a test double."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TypeVar

import pytest

from metalsim import execution as K

B = TypeVar("B")


def swap_backend(monkeypatch: pytest.MonkeyPatch, backend: B) -> Iterator[B]:
    """Route compiles and launches to ``backend`` (``.compile``/``.launch``) for one test.

    The in-memory kernel cache is cleared on both sides, so no test sees a kernel compiled
    by the real back-end or by another test's double.
    """
    fake: Any = backend
    monkeypatch.setattr(K, "_backend_compile", fake.compile)
    monkeypatch.setattr(K, "_backend_launch", fake.launch)
    K.clear_cache()
    yield backend
    K.clear_cache()
