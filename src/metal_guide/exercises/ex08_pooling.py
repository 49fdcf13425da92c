"""Exercise 8: pooling. Each output sums a window of three inputs, across block edges."""

# ruff: noqa: I001  (the spec section imports MLX where the page shows it)
from metal_guide.exercises.exercise import Exercise, round_up, sample

# --8<-- [start:spec]
import mlx.core as mx


def spec(x: mx.array) -> mx.array:
    # out[i] = x[i - 2] + x[i - 1] + x[i], leaving out the terms before the start
    padded = mx.concatenate([mx.zeros((2,), x.dtype), x])
    return padded[:-2] + padded[1:-1] + padded[2:]
# --8<-- [end:spec]


# --8<-- [start:launch]
def launch(x):
    return {"grid": (round_up(x.size, 64), 1, 1), "threadgroup": (64, 1, 1)}
# --8<-- [end:launch]


# --8<-- [start:stub]
STUB = """
    // not implemented yet
    // Stage the group's 64 elements and the 2 before them in threadgroup memory,
    // wait, then sum each window of three from there.
"""
# --8<-- [end:stub]

EXERCISE = Exercise(
    number=8,
    slug="pooling",
    title="Pooling: a sliding window across blocks",
    make_inputs=lambda n: {"x": sample(n, seed=10)},
    spec=spec,
    launch=launch,
    sizes=(1, 2, 65, 1000),
    stub=STUB,
)
