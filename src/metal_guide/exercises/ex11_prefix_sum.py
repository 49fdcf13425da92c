"""Exercise 11: an inclusive prefix sum (scan) inside one threadgroup."""

# ruff: noqa: I001  (the spec section imports MLX where the page shows it)
from metal_guide.exercises.exercise import Exercise, sample

# --8<-- [start:spec]
import mlx.core as mx


def spec(x: mx.array) -> mx.array:
    return mx.cumsum(x)  # out[i] = x[0] + ... + x[i]; at most 256 elements here
# --8<-- [end:spec]


# --8<-- [start:launch]
def launch(x):
    return {"grid": (256, 1, 1), "threadgroup": (256, 1, 1)}
# --8<-- [end:launch]


# --8<-- [start:stub]
STUB = """
    // not implemented yet
    // Load x (zeros past the end) into threadgroup memory. For offset = 1, 2, 4, ..., 128:
    // each thread reads the value `offset` places to its left, waits, adds it, waits.
    // Every thread takes every step, even those without an element.
"""
# --8<-- [end:stub]

EXERCISE = Exercise(
    number=11,
    slug="prefix_sum",
    title="Prefix sum inside a threadgroup",
    make_inputs=lambda n: {"x": sample(n, seed=15)},
    spec=spec,
    launch=launch,
    sizes=(1, 31, 33, 200, 256),
    stub=STUB,
    one_thread_per_element=False,
)
