"""Why fast math breaks float-float arithmetic, and how a pragma protects a helper.

The kernel computes 2Sum's error term t = (a + b) - s exactly as float arithmetic allows. In
real-number algebra that term is 0, so a compiler allowed to reassociate (fast or relaxed math)
may fold it to 0; the rounding error it was meant to capture is lost.
"""

# --8<-- [start:kernels]
import functools
from collections.abc import Callable

import mlx.core as mx

TWO_SUM_BODY = """
    uint i = thread_position_in_grid.x;
    float a = x[i];
    float b = y[i];
    float s = a + b;
    float a1 = s - b;
    float b1 = s - a1;
    float t = (a - a1) + (b - b1);
    err[i] = t;
"""

# The same body, with the pragma that keeps this compound statement in safe mode.
PROTECTED_BODY = """
    {
        #pragma METAL fp math_mode(safe)
""" + TWO_SUM_BODY + """
    }
"""


@functools.cache
def two_sum_error_kernel(
    protected: bool, math_mode: str
) -> Callable[..., list[mx.array]]:
    """2Sum's error term, compiled in `math_mode`, with or without the pragma."""
    return mx.fast.metal_kernel(
        name=f"precision_two_sum_{'pragma' if protected else 'plain'}_{math_mode}",
        input_names=["x", "y"],
        output_names=["err"],
        source=PROTECTED_BODY if protected else TWO_SUM_BODY,
        compile_options={"math_mode": math_mode},
    )


def two_sum_error(
    x: mx.array, y: mx.array, *, protected: bool, math_mode: str
) -> mx.array:
    """The error term of x + y, elementwise, for 1-D float32 arrays of one size."""
    (err,) = two_sum_error_kernel(protected, math_mode)(
        inputs=[x, y],
        grid=(x.size, 1, 1),
        threadgroup=(min(x.size, 256), 1, 1),
        output_shapes=[x.shape],
        output_dtypes=[mx.float32],
    )
    return err
# --8<-- [end:kernels]


if __name__ == "__main__":
    # --8<-- [start:demo]
    x = mx.array([1.0, 3.0e7, 0.1], dtype=mx.float32)
    y = mx.array([2.0**-30, 1.0, 1.0e-9], dtype=mx.float32)
    for protected, mode in [(False, "safe"), (False, "fast"), (True, "fast")]:
        err = two_sum_error(x, y, protected=protected, math_mode=mode)
        label = f"{mode}{' + pragma' if protected else ''}"
        print(f"{label:12} error terms: {err.tolist()}")
    # --8<-- [end:demo]
