"""Autograd: .backward() fills .grad; mx.grad and mx.value_and_grad return new functions."""

# --8<-- [start:setup]
import numpy as np

# --8<-- [end:setup]


# --8<-- [start:torch_side]
def torch_side() -> tuple[float, np.ndarray]:
    import torch

    w = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
    x = torch.tensor([0.5, 1.5, -1.0])
    loss = ((w * x).sum() - 1.0) ** 2
    loss.backward()  # accumulates into w.grad
    return loss.item(), w.grad.numpy()


# --8<-- [end:torch_side]


# --8<-- [start:mlx_side]
def mlx_side() -> tuple[float, np.ndarray]:
    import mlx.core as mx

    def loss_fn(w: mx.array, x: mx.array) -> mx.array:
        return ((w * x).sum() - 1.0) ** 2

    w = mx.array([1.0, -2.0, 3.0])
    x = mx.array([0.5, 1.5, -1.0])
    # Differentiates with respect to the first argument by default (argnums=0).
    loss, grad_w = mx.value_and_grad(loss_fn)(w, x)
    assert mx.allclose(grad_w, mx.grad(loss_fn)(w, x))
    return loss.item(), np.array(grad_w)


# --8<-- [end:mlx_side]
