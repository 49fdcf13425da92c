"""Metal kernel patterns: three ways to pass parameters to a kernel.

- a Python scalar or 0-d array: a ``const constant T&`` the body reads by name;
- a small array (fewer than 8 elements): a ``const constant T*`` in constant memory;
- ``template=``: a compile-time value (dtype, int, bool) baked into the compiled kernel.
"""

# --8<-- [start:kernel]
import functools
from collections.abc import Callable

import mlx.core as mx

# out = poly(x) = c[0] + c[1] x + c[2] x^2 + ..., then clamped to [-limit, limit]
# when CLAMP is true. DEGREE and CLAMP are compile-time; c and limit are not.
POLY_SOURCE = """
    uint i = thread_position_in_grid.x;
    float v = float(x[i]);
    float acc = 0.0f;
    for (int k = DEGREE; k >= 0; --k) {  // Horner's rule, fixed trip count
        acc = acc * v + float(c[k]);
    }
    if (CLAMP) {
        acc = metal::clamp(acc, -limit, limit);
    }
    out[i] = T(acc);
"""


@functools.cache
def poly_kernel() -> Callable[..., list[mx.array]]:
    return mx.fast.metal_kernel(
        name="patterns_poly",
        input_names=["x", "c", "limit"],
        output_names=["out"],
        source=POLY_SOURCE,
    )


def poly(x: mx.array, coeffs: mx.array, limit: float | None = None) -> mx.array:
    """Evaluate the polynomial with coefficients `coeffs` (lowest first) at every x."""
    if (
        not isinstance(coeffs, mx.array)
        or coeffs.ndim != 1
        or not 1 <= coeffs.size <= 8
    ):
        raise ValueError("poly: `coeffs` must be a 1-d mx.array of 1 to 8 coefficients")
    # At most 8 degrees by the check above, so at most 8 instantiations per dtype.
    # metalsim-lint: disable=template-churn -- DEGREE takes at most 8 values
    (out,) = poly_kernel()(
        inputs=[x, coeffs.astype(mx.float32), 0.0 if limit is None else limit],
        template=[
            ("T", x.dtype),
            ("DEGREE", coeffs.size - 1),
            ("CLAMP", limit is not None),
        ],
        grid=(x.size, 1, 1),
        threadgroup=(256, 1, 1),
        output_shapes=[x.shape],
        output_dtypes=[x.dtype],
    )
    return out


def poly_reference(
    x: mx.array, coeffs: mx.array, limit: float | None = None
) -> mx.array:
    """The same polynomial in plain MLX, in float32, rounded once at the end."""
    acc = mx.zeros(x.shape, dtype=mx.float32)
    for c in reversed(coeffs.astype(mx.float32).tolist()):
        acc = acc * x.astype(mx.float32) + c
    if limit is not None:
        acc = mx.clip(acc, -limit, limit)
    return acc.astype(x.dtype)


# --8<-- [end:kernel]

if __name__ == "__main__":
    # --8<-- [start:demo]
    x = mx.linspace(-2, 2, 1000)
    c = mx.array([1.0, -0.5, 0.25])
    print(mx.allclose(poly(x, c), poly_reference(x, c)).item())
    print(mx.allclose(poly(x, c, limit=1.5), poly_reference(x, c, limit=1.5)).item())
    # --8<-- [end:demo]
