"""Exercise 9: a dot product in one threadgroup, by tree reduction in threadgroup memory."""

# ruff: noqa: I001  (the spec section imports MLX where the page shows it)
from metal_guide.exercises.exercise import Exercise, sample

# --8<-- [start:spec]
import mlx.core as mx


def spec(a: mx.array, b: mx.array) -> mx.array:
    return (a * b).sum(keepdims=True)  # shape (1,)
# --8<-- [end:spec]


# --8<-- [start:launch]
def launch(a, b):
    # one group of 256 threads, whatever the length
    return {"grid": (256, 1, 1), "threadgroup": (256, 1, 1)}
# --8<-- [end:launch]


# --8<-- [start:stub]
STUB = """
    // not implemented yet
    // 1. thread t sums a[i] * b[i] for i = t, t + 256, t + 512, ...;
    // 2. put the partial sums in threadgroup memory and halve them: 256 -> 128 -> ... -> 1,
    //    with a barrier between the steps;
    // 3. thread 0 writes out[0].
"""
# --8<-- [end:stub]

EXERCISE = Exercise(
    number=9,
    slug="dot",
    title="Dot product: a tree reduction",
    make_inputs=lambda n: {"a": sample(n, seed=11), "b": sample(n, seed=12)},
    spec=spec,
    launch=launch,
    sizes=(1, 31, 257, 5000),
    stub=STUB,
    one_thread_per_element=False,
)
