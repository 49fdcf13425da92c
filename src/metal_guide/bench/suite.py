"""What the harness runs: every before/after pair, pure MLX and mx.compile of each reference,
MLX's built-ins (softmax, rms_norm, layer_norm, matmul), and the library kernels that describe
their benchmark inputs (a ``bench_inputs(size, dtype)`` function in their module)."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import mlx.core as mx


@dataclass(frozen=True)
class Case:
    case: str
    variant: str
    fn: Callable[..., mx.array]
    inputs: tuple[mx.array, ...]
    flops: float


def _nbytes(*arrays: mx.array) -> int:
    return sum(a.nbytes for a in arrays)


def bytes_moved(case: Case, out: mx.array) -> int:
    """Bytes read plus bytes written, each once: the least traffic the operation needs."""
    return _nbytes(*case.inputs) + _nbytes(out)


def pair_cases(size: int, dtype: mx.Dtype, only: set[str] | None = None) -> Iterator[Case]:
    from metal_guide.wwdc16_optimization.pairs import PAIRS

    for p in PAIRS:
        if only and p.name not in only:
            continue
        inputs = p.make_inputs(size, dtype)
        flops = p.flops_per_element * inputs[0].size
        yield Case(p.name, "before", p.before, inputs, flops)
        yield Case(p.name, "after", p.after, inputs, flops)
        yield Case(p.name, "mlx", p.reference, inputs, flops)
        yield Case(p.name, "mx.compile", mx.compile(p.reference), inputs, flops)


def builtin_cases(size: int, dtype: mx.Dtype) -> Iterator[Case]:
    cols = 1024
    rows = max(1, size // cols)
    x = mx.random.normal((rows, cols)).astype(dtype)
    w = mx.ones((cols,), dtype=dtype)
    b = mx.zeros((cols,), dtype=dtype)
    n = x.size
    yield Case("softmax", "built-in", lambda a: mx.softmax(a, axis=-1), (x,), 5 * n)
    yield Case("rms_norm", "built-in", lambda a, g: mx.fast.rms_norm(a, g, 1e-5), (x, w),
               4 * n)
    yield Case("layer_norm", "built-in", lambda a, g, c: mx.fast.layer_norm(a, g, c, 1e-5),
               (x, w, b), 7 * n)
    m = max(16, int(size ** (1 / 3) * 4) // 16 * 16)
    a = mx.random.normal((m, m)).astype(dtype)
    yield Case("matmul", "built-in", lambda p, q: p @ q, (a, a), 2 * m**3)


def library_cases(size: int, dtype: mx.Dtype) -> Iterator[Case]:
    import metal_guide.kernels as lib

    for info in pkgutil.iter_modules(lib.__path__):
        if info.name == "testing":
            continue
        mod = importlib.import_module(f"metal_guide.kernels.{info.name}")
        make = getattr(mod, "bench_inputs", None)
        op = getattr(mod, info.name, None)
        ref = getattr(mod, f"{info.name}_reference", None)
        if make is None or op is None or ref is None:
            continue
        inputs, flops = make(size, dtype)
        yield Case(f"kernels.{info.name}", "kernel", op, tuple(inputs), flops)
        yield Case(f"kernels.{info.name}", "mlx", ref, tuple(inputs), flops)
