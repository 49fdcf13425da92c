"""Exercise 3: guards. The grid is larger than the data; surplus threads must not write."""

# ruff: noqa: I001  (the spec section imports MLX where the page shows it)
from metal_guide.exercises.exercise import Exercise, round_up, sample

# --8<-- [start:spec]
import mlx.core as mx


def spec(x: mx.array) -> mx.array:
    return x + 10
# --8<-- [end:spec]


# --8<-- [start:launch]
def launch(x):
    # rounded up to whole threadgroups: up to 255 threads have no element
    return {"grid": (round_up(x.size, 256), 1, 1), "threadgroup": (256, 1, 1)}
# --8<-- [end:launch]


# --8<-- [start:stub]
STUB = """
    // not implemented yet
    // out[i] = x[i] + 10, but only for i < x_shape[0]
"""
# --8<-- [end:stub]

EXERCISE = Exercise(
    number=3,
    slug="guard",
    title="Guards: more threads than elements",
    make_inputs=lambda n: {"x": sample(n, seed=4)},
    spec=spec,
    launch=launch,
    sizes=(1, 31, 256, 1000),
    stub=STUB,
)
