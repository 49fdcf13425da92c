"""Eager vs lazy evaluation: MLX records a graph and computes it at mx.eval or on use."""

# --8<-- [start:setup]
import numpy as np

# --8<-- [end:setup]


# --8<-- [start:torch_side]
def torch_side() -> np.ndarray:
    import torch

    a = torch.arange(6, dtype=torch.float32)
    b = torch.exp(a) - 1  # computed here, eagerly
    return b.numpy()


# --8<-- [end:torch_side]


# --8<-- [start:mlx_side]
def mlx_side() -> np.ndarray:
    import mlx.core as mx

    a = mx.arange(6, dtype=mx.float32)
    b = mx.exp(a) - 1  # only recorded: nothing is computed yet
    mx.eval(b)  # computes b; printing or np.array(b) would also force it
    return np.array(b)


# --8<-- [end:mlx_side]
