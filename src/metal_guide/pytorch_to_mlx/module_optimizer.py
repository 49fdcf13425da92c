"""nn.Module and optimizers: one SGD step on the same linear layer in both frameworks."""

# --8<-- [start:setup]
import numpy as np

WEIGHT = [[0.5, -1.0], [2.0, 0.25]]  # (out, in) in both frameworks
BIAS = [0.1, -0.2]
INPUT = [[1.0, 2.0], [-1.0, 0.5], [3.0, -2.0]]
TARGET = [[1.0, 0.0], [0.0, 1.0], [2.0, -1.0]]
# --8<-- [end:setup]


# --8<-- [start:torch_side]
def torch_side() -> np.ndarray:
    import torch

    model = torch.nn.Linear(2, 2)
    with torch.no_grad():
        model.weight.copy_(torch.tensor(WEIGHT))
        model.bias.copy_(torch.tensor(BIAS))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    x, y = torch.tensor(INPUT), torch.tensor(TARGET)
    opt.zero_grad()
    loss = torch.nn.functional.mse_loss(model(x), y)
    loss.backward()
    opt.step()
    return model.weight.detach().numpy()


# --8<-- [end:torch_side]


# --8<-- [start:mlx_side]
def mlx_side() -> np.ndarray:
    import mlx.core as mx
    import mlx.nn as nn
    import mlx.optimizers as optim

    model = nn.Linear(2, 2)
    model.update({"weight": mx.array(WEIGHT), "bias": mx.array(BIAS)})
    opt = optim.SGD(learning_rate=0.1)
    x, y = mx.array(INPUT), mx.array(TARGET)

    def loss_fn(model: nn.Module, x: mx.array, y: mx.array) -> mx.array:
        return nn.losses.mse_loss(model(x), y)

    # Gradients with respect to model.trainable_parameters(), as a nested dict.
    loss, grads = nn.value_and_grad(model, loss_fn)(model, x, y)
    opt.update(model, grads)  # updates model in place, returns None
    mx.eval(model.parameters(), opt.state)
    return np.array(model.weight)


# --8<-- [end:mlx_side]
