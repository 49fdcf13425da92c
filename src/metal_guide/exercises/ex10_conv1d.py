"""Exercise 10: 1-D convolution with a 4-tap filter, tiles of 64 with a halo."""

# ruff: noqa: I001  (the spec section imports MLX where the page shows it)
from metal_guide.exercises.exercise import Exercise, round_up, sample

# --8<-- [start:spec]
import mlx.core as mx


def spec(x: mx.array, w: mx.array) -> mx.array:
    # out[i] = x[i] w[0] + x[i+1] w[1] + x[i+2] w[2] + x[i+3] w[3], past-the-end terms left out
    padded = mx.concatenate([x, mx.zeros((3,), x.dtype)])
    return sum(padded[k : k + x.size] * w[k] for k in range(4))
# --8<-- [end:spec]


# --8<-- [start:launch]
def launch(x, w):
    return {"grid": (round_up(x.size, 64), 1, 1), "threadgroup": (64, 1, 1)}
# --8<-- [end:launch]


# --8<-- [start:stub]
STUB = """
    // not implemented yet
    // Load the group's 64 elements of x plus the 3 after them into threadgroup memory
    // (zeros past the end), wait, then each thread computes its 4-tap sum.
    // w has 4 elements (w_shape[0] == 4).
"""
# --8<-- [end:stub]

EXERCISE = Exercise(
    number=10,
    slug="conv1d",
    title="1-D convolution across tile boundaries",
    make_inputs=lambda n: {"x": sample(n, seed=13), "w": sample(4, seed=14)},
    spec=spec,
    launch=launch,
    sizes=(1, 63, 64, 65, 1000),
    stub=STUB,
)
