"""Exercise 6: threadgroups. Find your element from the group's position and your place in it."""

# ruff: noqa: I001  (the spec section imports MLX where the page shows it)
from metal_guide.exercises.exercise import Exercise, round_up, sample

# --8<-- [start:spec]
import mlx.core as mx


def spec(x: mx.array) -> mx.array:
    group = mx.arange(x.size) // 64  # which threadgroup of 64 owns element i
    return x + group.astype(x.dtype)
# --8<-- [end:spec]


# --8<-- [start:launch]
def launch(x):
    return {"grid": (round_up(x.size, 64), 1, 1), "threadgroup": (64, 1, 1)}
# --8<-- [end:launch]


# --8<-- [start:stub]
STUB = """
    // not implemented yet
    // Without thread_position_in_grid: i is the group's index times the group size,
    // plus this thread's index in its group. out[i] = x[i] + the group's index.
"""
# --8<-- [end:stub]

EXERCISE = Exercise(
    number=6,
    slug="threadgroups",
    title="Threadgroups: positions inside a group",
    make_inputs=lambda n: {"x": sample(n, seed=8)},
    spec=spec,
    launch=launch,
    sizes=(1, 63, 65, 1000),
    stub=STUB,
)
