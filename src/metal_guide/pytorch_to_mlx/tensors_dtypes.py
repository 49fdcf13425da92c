"""Tensors and dtypes: creating arrays, casting, and MLX's float32 default for Python floats."""

# --8<-- [start:setup]
import numpy as np

# --8<-- [end:setup]


# --8<-- [start:torch_side]
def torch_side() -> np.ndarray:
    import torch

    x = torch.tensor([[1.0, 2.0], [3.0, 4.0]])  # float32
    y = x.to(torch.bfloat16).to(torch.float32) * 2
    return y.numpy()


# --8<-- [end:torch_side]


# --8<-- [start:mlx_side]
def mlx_side() -> np.ndarray:
    import mlx.core as mx

    x = mx.array([[1.0, 2.0], [3.0, 4.0]])  # float32
    y = x.astype(mx.bfloat16).astype(mx.float32) * 2
    return np.array(y)  # NumPy has no bfloat16: convert to float32 first


# --8<-- [end:mlx_side]


if __name__ == "__main__":
    print(mlx_side())
