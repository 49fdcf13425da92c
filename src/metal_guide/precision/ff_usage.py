"""Using float-float sums and dot products.

Each assert checks a claim of the guide page.
"""

# --8<-- [start:usage]
from fractions import Fraction

import mlx.core as mx

from metal_guide.kernels.float_float import ff_dot, ff_sum

# 1 followed by 4096 copies of 2^-30: each term is below half an ulp of 1 in float32,
# so a running float32 sum never leaves 1. The float-float pair keeps all of them.
x = mx.array([1.0] + [2.0**-30] * 4096, dtype=mx.float32)
hi, lo = ff_sum(x)
assert Fraction(hi.item()) + Fraction(lo.item()) == 1 + Fraction(4096, 2**30)

# A dot product over the last axis, batched: one (hi, lo) pair per row.
a = mx.random.normal((3, 1000))
b = mx.random.normal((3, 1000))
hi, lo = ff_dot(a, b)
assert hi.shape == lo.shape == (3,) and hi.dtype == mx.float32
# --8<-- [end:usage]

if __name__ == "__main__":
    print("ff_usage: every assert held")
