"""Using correctly rounded, reproducible sums.

Each assert checks a claim of the guide page.
"""

# --8<-- [start:usage]
import mlx.core as mx

from metal_guide.kernels.exact_sum import exact_dot, exact_sum

# Huge terms that cancel, and tiny ones that float32 arithmetic would lose next to them.
big = 3.0e38
x = mx.array([big, 1.0, -big, 2.0**-20, 1.0], dtype=mx.float32)
assert exact_sum(x).item() == 2.0 + 2.0**-20
# Any threadgroup size gives the same bits; only the speed changes.
assert exact_sum(x, threadgroup=32).item() == exact_sum(x, threadgroup=1024).item()
assert exact_dot(x, mx.ones_like(x)).item() == exact_sum(x).item()
# --8<-- [end:usage]

if __name__ == "__main__":
    print("exact_usage: every assert held")
