"""Exercise 1: map. One thread per element, each adding ten."""

# ruff: noqa: I001  (the spec section imports MLX where the page shows it)
from metal_guide.exercises.exercise import Exercise, sample

# --8<-- [start:spec]
import mlx.core as mx


def spec(x: mx.array) -> mx.array:
    return x + 10
# --8<-- [end:spec]


# --8<-- [start:launch]
def launch(x):
    # grid counts threads: exactly one per element
    return {"grid": (x.size, 1, 1), "threadgroup": (256, 1, 1)}
# --8<-- [end:launch]


# --8<-- [start:stub]
STUB = """
    // not implemented yet
    // out[i] = x[i] + 10, where i is this thread's position in the grid
"""
# --8<-- [end:stub]

EXERCISE = Exercise(
    number=1,
    slug="map",
    title="Map: add ten to every element",
    make_inputs=lambda n: {"x": sample(n, seed=1)},
    spec=spec,
    launch=launch,
    sizes=(1, 31, 33, 1000),
    stub=STUB,
)
