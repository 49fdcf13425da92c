"""Pitfall: timing MLX code without `mx.eval`."""

# --8<-- [start:broken]
import time

import mlx.core as mx


def broken(a: mx.array, b: mx.array) -> float:
    start = time.perf_counter()
    c = a @ b  # builds a graph node; nothing is computed yet
    elapsed = time.perf_counter() - start
    mx.eval(c)  # the work happens here, outside the timed region
    return elapsed
# --8<-- [end:broken]


# --8<-- [start:fixed]
def fixed(a: mx.array, b: mx.array) -> float:
    mx.eval(a, b)  # inputs ready before the clock starts
    start = time.perf_counter()
    mx.eval(a @ b)  # evaluate inside the timed region
    return time.perf_counter() - start
# --8<-- [end:fixed]


if __name__ == "__main__":
    a = mx.random.normal((512, 512), key=mx.random.key(0))
    fixed(a, a)  # warm-up
    print(f"broken: {broken(a, a) * 1e3:.3f} ms, fixed: {fixed(a, a) * 1e3:.3f} ms")
