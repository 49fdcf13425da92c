"""torch.compile vs mx.compile: both trace a function once and reuse it for later calls."""

# --8<-- [start:setup]
import numpy as np

VALUES = [-2.0, -0.5, 0.0, 0.5, 2.0]
# --8<-- [end:setup]


# --8<-- [start:torch_side]
def torch_side() -> np.ndarray:
    import torch

    def gelu_tanh(x: torch.Tensor) -> torch.Tensor:
        return 0.5 * x * (1 + torch.tanh(0.7978845608 * (x + 0.044715 * x**3)))

    # "eager" skips code generation: a C++ compiler is not needed for this test.
    compiled = torch.compile(gelu_tanh, backend="eager")
    return compiled(torch.tensor(VALUES)).numpy()


# --8<-- [end:torch_side]


# --8<-- [start:mlx_side]
def mlx_side() -> np.ndarray:
    import mlx.core as mx

    def gelu_tanh(x: mx.array) -> mx.array:
        return 0.5 * x * (1 + mx.tanh(0.7978845608 * (x + 0.044715 * x**3)))

    compiled = mx.compile(gelu_tanh)  # fuses the element-wise chain
    return np.array(compiled(mx.array(VALUES)))


# --8<-- [end:mlx_side]
