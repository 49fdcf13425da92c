"""Devices vs streams: PyTorch moves tensors between devices; MLX arrays have no device."""

# --8<-- [start:setup]
import numpy as np

# --8<-- [end:setup]


# --8<-- [start:torch_side]
def torch_side() -> np.ndarray:
    import torch

    device = "cuda" if torch.cuda.is_available() else "cpu"
    x = torch.arange(4, dtype=torch.float32, device=device)  # lives on `device`
    y = x * 2 + 1
    return y.cpu().numpy()  # copy back to host memory


# --8<-- [end:torch_side]


# --8<-- [start:mlx_side]
def mlx_side() -> np.ndarray:
    import mlx.core as mx

    x = mx.arange(4, dtype=mx.float32)  # one buffer, visible to CPU and GPU
    # Choose where an operation runs, not where data lives.
    with mx.stream(mx.cpu):
        y = x * 2
    y = mx.add(y, 1, stream=mx.cpu)  # or per operation
    return np.array(y)  # no .cpu() and no device copy


# --8<-- [end:mlx_side]
