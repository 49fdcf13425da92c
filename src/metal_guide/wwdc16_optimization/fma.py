"""Built-ins and fma: a cubic in Horner form, written three ways (PC-1).

The polynomial is exp's Taylor series to x**3: 1 + x + x**2/2 + x**3/6.
"""

# --8<-- [start:kernels]
import functools
from collections.abc import Callable

import mlx.core as mx

from metal_guide.wwdc16_optimization.elementwise import launch_elementwise

# Before: multiply-adds written out. In MLX's default "safe" math mode the
# compiler may still fuse `a * b + c` within one statement, or may not.
HORNER_PLAIN = """
    uint i = thread_position_in_grid.x;
    float v = float(x[i]);
    out[i] = T(((v * (1.0f / 6.0f) + 0.5f) * v + 1.0f) * v + 1.0f);
"""

# After: fma() guarantees one rounding per step, in every math mode.
HORNER_FMA = """
    uint i = thread_position_in_grid.x;
    float v = float(x[i]);
    float p = metal::fma(v, 1.0f / 6.0f, 0.5f);
    p = metal::fma(p, v, 1.0f);
    out[i] = T(metal::fma(p, v, 1.0f));
"""

# For a bit-reproducible reference instead: forbid fusion in this block.
HORNER_NO_CONTRACTION = """
    #pragma METAL fp contract(off)
    uint i = thread_position_in_grid.x;
    float v = float(x[i]);
    out[i] = T(((v * (1.0f / 6.0f) + 0.5f) * v + 1.0f) * v + 1.0f);
"""


@functools.cache
def horner_kernel(variant: str) -> Callable[..., list[mx.array]]:
    source = {"plain": HORNER_PLAIN, "fma": HORNER_FMA,
              "no_contraction": HORNER_NO_CONTRACTION}[variant]
    return mx.fast.metal_kernel(
        name=f"wwdc16_horner_{variant}", input_names=["x"], output_names=["out"],
        source=source,
    )


def horner(x: mx.array, variant: str = "fma") -> mx.array:
    return launch_elementwise(f"horner ({variant})", horner_kernel(variant), x)
# --8<-- [end:kernels]


# --8<-- [start:reference]
def horner_reference(x: mx.array) -> mx.array:
    v = x.astype(mx.float32)
    return (((v * (1.0 / 6.0) + 0.5) * v + 1.0) * v + 1.0).astype(x.dtype)
# --8<-- [end:reference]
