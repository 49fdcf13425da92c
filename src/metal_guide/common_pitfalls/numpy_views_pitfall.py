"""Pitfall: NumPy views of MLX arrays, and what really copies."""

# --8<-- [start:broken]
import copy

import mlx.core as mx
import numpy as np


def broken(x: mx.array) -> mx.array:
    alias = copy.copy(x)  # a new handle on the same buffer, not a copy
    view = np.array(alias, copy=False)  # a writable NumPy view of that buffer
    view[0] = -1.0  # changes `x` too: MLX assumes arrays never change
    return x
# --8<-- [end:broken]


# --8<-- [start:fixed]
def fixed(x: mx.array) -> mx.array:
    values = np.array(x)  # a NumPy copy: edit it freely
    values[0] = -1.0
    return mx.array(values)  # a new MLX array; `x` is untouched
# --8<-- [end:fixed]


if __name__ == "__main__":
    x = mx.arange(4, dtype=mx.float32)
    y = fixed(x)
    print(f"fixed: x = {x.tolist()}, result = {y.tolist()}")
    broken(x)
    print(f"broken: x = {x.tolist()}")
