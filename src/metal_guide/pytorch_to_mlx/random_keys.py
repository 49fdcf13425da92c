"""Random numbers: a global seed in both; MLX also takes explicit keys, split like JAX's."""

# --8<-- [start:setup]
import numpy as np

# --8<-- [end:setup]


# --8<-- [start:torch_side]
def torch_side() -> tuple[np.ndarray, np.ndarray]:
    import torch

    gen = torch.Generator().manual_seed(42)
    a = torch.rand(3, generator=gen)
    gen.manual_seed(42)
    b = torch.rand(3, generator=gen)  # same seed, same numbers
    return a.numpy(), b.numpy()


# --8<-- [end:torch_side]


# --8<-- [start:mlx_side]
def mlx_side() -> tuple[np.ndarray, np.ndarray]:
    import mlx.core as mx

    key = mx.random.key(42)
    a = mx.random.uniform(shape=(3,), key=key)
    b = mx.random.uniform(shape=(3,), key=key)  # same key, same numbers
    first, second = mx.random.split(key)  # new keys for independent draws
    assert not mx.array_equal(
        mx.random.uniform(shape=(3,), key=first),
        mx.random.uniform(shape=(3,), key=second),
    )
    return np.array(a), np.array(b)


# --8<-- [end:mlx_side]
