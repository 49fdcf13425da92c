"""Exercise 12: sum each row of a matrix, one threadgroup per row."""

# ruff: noqa: I001  (the spec section imports MLX where the page shows it)
from metal_guide.exercises.exercise import Exercise, sample

# --8<-- [start:spec]
import mlx.core as mx


def spec(x: mx.array) -> mx.array:
    return x.sum(axis=1)  # (rows, cols) -> (rows,)
# --8<-- [end:spec]


# --8<-- [start:launch]
def launch(x):
    rows = x.shape[0]
    # 64 threads per row; grid.y picks the row
    return {"grid": (64, rows, 1), "threadgroup": (64, 1, 1)}
# --8<-- [end:launch]


# --8<-- [start:stub]
STUB = """
    // not implemented yet
    // Row r = threadgroup_position_in_grid.y. Each of the 64 threads sums a strided
    // slice of the row, then the group reduces its 64 partial sums as in exercise 9.
"""
# --8<-- [end:stub]

EXERCISE = Exercise(
    number=12,
    slug="axis_sum",
    title="Reduction along an axis",
    make_inputs=lambda shape: {"x": sample(shape, seed=16)},
    spec=spec,
    launch=launch,
    sizes=((1, 1), (3, 31), (4, 65), (2, 1000)),
    stub=STUB,
    one_thread_per_element=False,
)
