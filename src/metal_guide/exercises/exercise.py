"""The exercise record, and the registry of exercise modules.

An `Exercise` says what a reader's kernel must compute (a pure-MLX ``spec``), with what inputs
(``make_inputs`` at several sizes) and how it is launched (``launch``). The grader needs nothing
else, so a new exercise is one module with one `Exercise` named ``EXERCISE``.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import mlx.core as mx

# The marker a stub body carries until the reader replaces it.
NOT_IMPLEMENTED = "not implemented yet"


@dataclass(frozen=True)
class Exercise:
    number: int
    slug: str
    title: str
    # size -> the kernel's inputs, in order, by name (arrays or Python scalars)
    make_inputs: Callable[[Any], dict[str, Any]]
    # the inputs -> the expected output (pure MLX)
    spec: Callable[..., mx.array]
    # the inputs -> {"grid": (x, y, z), "threadgroup": (x, y, z)}
    launch: Callable[..., dict[str, tuple[int, int, int]]]
    # sizes to grade at; at least one leaves a threadgroup partly empty
    sizes: Sequence[Any]
    stub: str
    header_stub: str = ""
    rtol: float = 1e-5
    atol: float = 1e-5
    # False when threads cooperate on outputs (reductions, scans, matrix fragments): the
    # dispatch figure then shows every launched thread as taking part
    one_thread_per_element: bool = True
    # features a device must have (e.g. "simdgroup_matrix"); informational for the pages
    needs: tuple[str, ...] = field(default=())

    @property
    def kernel_name(self) -> str:
        return f"mg_ex{self.number:02d}_{self.slug}"


def _exercise_modules() -> list[str]:
    import metal_guide.exercises as package

    return sorted(
        f"{package.__name__}.{m.name}"
        for m in pkgutil.iter_modules(package.__path__)
        if m.name.startswith("ex") and m.name[2:4].isdigit()
    )


@cache
def all_exercises() -> tuple[Exercise, ...]:
    """Every exercise, in order of its number."""
    found = [importlib.import_module(name).EXERCISE for name in _exercise_modules()]
    found.sort(key=lambda e: e.number)
    numbers = [e.number for e in found]
    if numbers != list(range(1, len(found) + 1)):
        raise RuntimeError(f"exercise numbers must run 1..{len(found)}, got {numbers}")
    return tuple(found)


def get_exercise(number: int) -> Exercise:
    """The exercise with this number; ValueError names the valid range."""
    exercises = all_exercises()
    if not 1 <= number <= len(exercises):
        raise ValueError(f"no exercise {number}: choose 1 to {len(exercises)}")
    return exercises[number - 1]


def sample(shape: int | tuple[int, ...], seed: int) -> mx.array:
    """Small integers stored as float32, so sums and products are exact in any order."""
    shape = (shape,) if isinstance(shape, int) else shape
    return mx.random.randint(-8, 9, shape, key=mx.random.key(seed)).astype(mx.float32)


def round_up(n: int, multiple: int) -> int:
    """The smallest multiple of `multiple` that is >= n."""
    return -(-n // multiple) * multiple
