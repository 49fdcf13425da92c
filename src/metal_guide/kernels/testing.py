"""One tolerance table and one set of awkward sizes for every kernel in the library.

Tests compare a kernel with its pure-MLX reference through `assert_matches_reference`, so a
tolerance is chosen once per dtype and explained here rather than in each test.
"""

from __future__ import annotations

import mlx.core as mx

# (rtol, atol) per output dtype, for kernels that accumulate in float32 and round once at the
# end. The reference may round at different points, so the two differ by about one unit in the
# last place of the output type: 2**-10 for float16 and 2**-7 for bfloat16, with headroom for a
# few float32 rounding differences in long reductions.
TOLERANCES: dict[mx.Dtype, tuple[float, float]] = {
    mx.float32: (1e-5, 1e-5),
    mx.float16: (2e-3, 2e-3),
    mx.bfloat16: (1.6e-2, 1.6e-2),
}

FLOAT_DTYPES: tuple[mx.Dtype, ...] = tuple(TOLERANCES)

# Lengths that hit the awkward cases: one element; either side of a SIMD group (32); a size that
# is no multiple of anything; one past 4096 (crosses a 1024-thread threadgroup doing 4 each).
AWKWARD_LENGTHS: tuple[int, ...] = (1, 31, 33, 1000, 4097)


def assert_matches_reference(
    result: mx.array,
    expected: mx.array,
    *,
    rtol: float | None = None,
    atol: float | None = None,
    what: str = "",
) -> None:
    """Raise AssertionError unless `result` has `expected`'s shape and dtype and is close to it.

    Tolerances default to `TOLERANCES[expected.dtype]`; the message names the worst element.
    """
    label = f"{what}: " if what else ""
    if result.shape != expected.shape or result.dtype != expected.dtype:
        raise AssertionError(
            f"{label}got {result.dtype} {result.shape}, "
            f"expected {expected.dtype} {expected.shape}"
        )
    default_rtol, default_atol = TOLERANCES.get(expected.dtype, (0.0, 0.0))
    rtol = default_rtol if rtol is None else rtol
    atol = default_atol if atol is None else atol
    if result.size and not mx.allclose(result, expected, rtol=rtol, atol=atol, equal_nan=True):
        diff = mx.abs(result.astype(mx.float32) - expected.astype(mx.float32))
        worst = int(mx.argmax(diff.reshape(-1)).item())
        raise AssertionError(
            f"{label}max abs error {diff.max().item():g} at flat index {worst} "
            f"(rtol={rtol:g}, atol={atol:g}, dtype {expected.dtype})"
        )
