"""Exercise 5: broadcast. A column plus a row makes a matrix."""

# ruff: noqa: I001  (the spec section imports MLX where the page shows it)
from metal_guide.exercises.exercise import Exercise, round_up, sample

# --8<-- [start:spec]
import mlx.core as mx


def spec(a: mx.array, b: mx.array) -> mx.array:
    return a[:, None] + b[None, :]  # (rows,) and (cols,) -> (rows, cols)
# --8<-- [end:spec]


# --8<-- [start:launch]
def launch(a, b):
    return {
        "grid": (round_up(b.size, 16), round_up(a.size, 16), 1),
        "threadgroup": (16, 16, 1),
    }
# --8<-- [end:launch]


# --8<-- [start:stub]
STUB = """
    // not implemented yet
    // out[r, c] = a[r] + b[c]; out has a_shape[0] rows and b_shape[0] columns
"""
# --8<-- [end:stub]

EXERCISE = Exercise(
    number=5,
    slug="broadcast",
    title="Broadcast: a column plus a row",
    make_inputs=lambda rc: {"a": sample(rc[0], seed=6), "b": sample(rc[1], seed=7)},
    spec=spec,
    launch=launch,
    sizes=((1, 1), (31, 33), (17, 1), (40, 70)),
    stub=STUB,
)
