"""Exercise 2: zip. Two inputs, one output, element by element."""

# ruff: noqa: I001  (the spec section imports MLX where the page shows it)
from metal_guide.exercises.exercise import Exercise, sample

# --8<-- [start:spec]
import mlx.core as mx


def spec(a: mx.array, b: mx.array) -> mx.array:
    return a + b
# --8<-- [end:spec]


# --8<-- [start:launch]
def launch(a, b):
    return {"grid": (a.size, 1, 1), "threadgroup": (256, 1, 1)}
# --8<-- [end:launch]


# --8<-- [start:stub]
STUB = """
    // not implemented yet
    // out[i] = a[i] + b[i]
"""
# --8<-- [end:stub]

EXERCISE = Exercise(
    number=2,
    slug="zip",
    title="Zip: add two arrays",
    make_inputs=lambda n: {"a": sample(n, seed=2), "b": sample(n, seed=3)},
    spec=spec,
    launch=launch,
    sizes=(1, 31, 33, 1000),
    stub=STUB,
)
