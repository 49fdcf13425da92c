"""Quick reference card: one small kernel from source string to checked result.

Run it with `python -m metal_guide.reference_card.card` on a Mac with Metal. On Linux it runs
under the metalsim emulator (the test suite installs it); plain MLX raises
`[metal_kernel] No Metal back-end.` when the kernel is called.
"""

from __future__ import annotations

# --8<-- [start:imports]
import functools
from collections.abc import Callable

import mlx.core as mx

# --8<-- [end:imports]

# --8<-- [start:source]
# header: pasted verbatim BEFORE the generated signature -- helper functions, #define, structs.
# MLX already includes <metal_stdlib> and its own helpers, so no #include is needed here.
AXPY_HEADER = """
template <typename T>
inline T axpy_one(float alpha, T x, T y) {
    return T(fma(alpha, float(x), float(y)));  // compute in float, round once to T
}
"""

# source: only the BODY of the kernel. MLX writes `[[kernel]] void ...(...)` itself, declaring
# every input and output by name and every attribute (thread_position_in_grid, ...) the body uses.
AXPY_SOURCE = """
    uint i = thread_position_in_grid.x;
    out[i] = axpy_one<T>(alpha, x[i], y[i]);
"""
# --8<-- [end:source]


# --8<-- [start:build]
# Build once, reuse everywhere. MLX compiles at the first *evaluation* of each distinct
# generated source: one per dtype and input kind (device, constant, 0-d).
@functools.cache
def axpy_kernel() -> Callable[..., list[mx.array]]:
    return mx.fast.metal_kernel(
        name="axpy",  # must be a valid C++ identifier fragment
        input_names=["alpha", "x", "y"],
        output_names=["out"],
        source=AXPY_SOURCE,
        header=AXPY_HEADER,
        # ensure_row_contiguous=True is the default: strided inputs are copied first.
    )
# --8<-- [end:build]


# --8<-- [start:call]
def axpy(alpha: float, x: mx.array, y: mx.array) -> mx.array:
    """alpha * x + y for two arrays of the same shape and float dtype (size >= 1)."""
    if x.shape != y.shape or x.dtype != y.dtype:
        raise ValueError("x and y must have the same shape and dtype")
    (out,) = axpy_kernel()(  # every call argument is keyword-only
        inputs=[alpha, x, y],  # a Python float becomes `const constant float& alpha`
        template=[("T", x.dtype)],  # compile-time parameter: `template <typename T>`
        output_shapes=[x.shape],
        output_dtypes=[x.dtype],
        grid=(x.size, 1, 1),  # counts THREADS: one per element
        threadgroup=(min(256, x.size), 1, 1),
        # verbose=True prints the generated Metal source, signature included.
    )
    return out  # lazy, like any MLX result
# --8<-- [end:call]


def axpy_reference(alpha: float, x: mx.array, y: mx.array) -> mx.array:
    """Pure-MLX reference: the same math with ordinary array operations."""
    return (alpha * x.astype(mx.float32) + y.astype(mx.float32)).astype(x.dtype)


def main() -> None:
    # --8<-- [start:check]
    x = mx.random.normal((1000,))
    y = mx.random.normal((1000,))
    out = axpy(2.0, x, y)
    mx.eval(out)  # the kernel runs here, not at the call above
    assert mx.allclose(out, 2.0 * x + y, rtol=1e-5, atol=1e-6).item()
    # --8<-- [end:check]
    print("axpy matches 2*x + y for", out.size, "elements")


if __name__ == "__main__":
    main()
