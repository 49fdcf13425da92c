"""Indexing and boolean masks: select with mx.where; MLX cannot read x[mask]."""

# --8<-- [start:setup]
import numpy as np

VALUES = [3.0, -1.0, 4.0, -1.5, 5.0, -9.0]
# --8<-- [end:setup]


# --8<-- [start:torch_side]
def torch_side() -> tuple[float, np.ndarray]:
    import torch

    x = torch.tensor(VALUES)
    mask = x > 0
    total = x[mask].sum()  # reading with a mask: a data-dependent shape
    clipped = x.clone()
    clipped[~mask] = 0.0
    return total.item(), clipped.numpy()


# --8<-- [end:torch_side]


# --8<-- [start:mlx_side]
def mlx_side() -> tuple[float, np.ndarray]:
    import mlx.core as mx

    x = mx.array(VALUES)
    mask = x > 0
    # x[mask] would have a shape known only after computing: keep the shape instead.
    total = mx.where(mask, x, 0.0).sum()
    clipped = mx.where(mask, x, 0.0)
    return total.item(), np.array(clipped)


# --8<-- [end:mlx_side]
