"""In-place ops vs functional updates: x[i] = v works in MLX but never aliases a view."""

# --8<-- [start:setup]
import numpy as np

# --8<-- [end:setup]


# --8<-- [start:torch_side]
def torch_side() -> tuple[np.ndarray, np.ndarray]:
    import torch

    x = torch.zeros(4)
    view = x[1:3]
    view.add_(5.0)  # in place: writes through the view into x
    x[0] = 1.0
    return x.numpy(), view.numpy()


# --8<-- [end:torch_side]


# --8<-- [start:mlx_side]
def mlx_side() -> tuple[np.ndarray, np.ndarray]:
    import mlx.core as mx

    x = mx.zeros(4)
    part = x[1:3] + 5.0  # a new array: x is unchanged
    x[1:3] = part  # assignment builds a new array and rebinds x
    x[0] = 1.0
    return np.array(x), np.array(part)


# --8<-- [end:mlx_side]
