"""Convolution layout: PyTorch is NCHW with weights (O, I, KH, KW); MLX is NHWC, (O, KH, KW, I)."""

# --8<-- [start:setup]
import numpy as np

RNG = np.random.default_rng(0)
IMAGE_NCHW = RNG.standard_normal((2, 3, 8, 8)).astype(np.float32)
WEIGHT_OIHW = RNG.standard_normal((4, 3, 3, 3)).astype(np.float32)
# --8<-- [end:setup]


# --8<-- [start:torch_side]
def torch_side() -> np.ndarray:
    import torch

    out = torch.nn.functional.conv2d(
        torch.from_numpy(IMAGE_NCHW), torch.from_numpy(WEIGHT_OIHW), padding=1
    )
    return out.numpy()  # (N, C_out, H, W)


# --8<-- [end:torch_side]


# --8<-- [start:mlx_side]
def mlx_side() -> np.ndarray:
    import mlx.core as mx

    image = mx.array(IMAGE_NCHW).transpose(0, 2, 3, 1)  # NCHW -> NHWC
    weight = mx.array(WEIGHT_OIHW).transpose(0, 2, 3, 1)  # OIHW -> OHWI
    out = mx.conv2d(image, weight, padding=1)  # (N, H, W, C_out)
    return np.array(out.transpose(0, 3, 1, 2))  # back to NCHW to compare


# --8<-- [end:mlx_side]
