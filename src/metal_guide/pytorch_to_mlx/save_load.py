"""Saving and loading: state_dict + torch.save vs save_weights/load_weights (safetensors)."""

# --8<-- [start:setup]
import tempfile
from pathlib import Path

import numpy as np

WEIGHT = [[1.0, 2.0], [3.0, 4.0]]
# --8<-- [end:setup]


# --8<-- [start:torch_side]
def torch_side(folder: Path) -> np.ndarray:
    import torch

    model = torch.nn.Linear(2, 2)
    with torch.no_grad():
        model.weight.copy_(torch.tensor(WEIGHT))
    torch.save(model.state_dict(), folder / "model.pt")
    restored = torch.nn.Linear(2, 2)
    restored.load_state_dict(torch.load(folder / "model.pt"))
    return restored.weight.detach().numpy()


# --8<-- [end:torch_side]


# --8<-- [start:mlx_side]
def mlx_side(folder: Path) -> np.ndarray:
    import mlx.core as mx
    import mlx.nn as nn

    model = nn.Linear(2, 2)
    model.update({"weight": mx.array(WEIGHT)})
    model.save_weights(str(folder / "model.safetensors"))
    restored = nn.Linear(2, 2)
    restored.load_weights(str(folder / "model.safetensors"))
    return np.array(restored.weight)


# --8<-- [end:mlx_side]


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        print(mlx_side(Path(tmp)))
