"""Exercise 15: neighbour differences with simd_shuffle_up instead of a second load."""

# ruff: noqa: I001  (the spec section imports MLX where the page shows it)
from metal_guide.exercises.exercise import Exercise, round_up, sample

# --8<-- [start:spec]
import mlx.core as mx


def spec(x: mx.array) -> mx.array:
    # out[0] = x[0]; out[i] = x[i] - x[i - 1]
    previous = mx.concatenate([mx.zeros((1,), x.dtype), x[:-1]])
    return x - previous
# --8<-- [end:spec]


# --8<-- [start:launch]
def launch(x):
    return {"grid": (round_up(x.size, 32), 1, 1), "threadgroup": (128, 1, 1)}
# --8<-- [end:launch]


# --8<-- [start:stub]
STUB = """
    // not implemented yet
    // Every lane loads its own element (0 past the end), then takes its left
    // neighbour's value with simd_shuffle_up(v, 1). Lane 0 of each SIMD group has no
    // left neighbour in its group: it reads x[i - 1] from memory instead (if i > 0).
"""
# --8<-- [end:stub]

EXERCISE = Exercise(
    number=15,
    slug="simd_shuffle",
    title="SIMD-group shuffles: neighbour differences",
    make_inputs=lambda n: {"x": sample(n, seed=20)},
    spec=spec,
    launch=launch,
    sizes=(1, 31, 33, 1000),
    stub=STUB,
)
