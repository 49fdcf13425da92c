"""Exercise 4: a 2-D grid over a matrix, with guards in both directions."""

# ruff: noqa: I001  (the spec section imports MLX where the page shows it)
from metal_guide.exercises.exercise import Exercise, round_up, sample

# --8<-- [start:spec]
import mlx.core as mx


def spec(x: mx.array) -> mx.array:
    return x + 10
# --8<-- [end:spec]


# --8<-- [start:launch]
def launch(x):
    rows, cols = x.shape
    # grid.x runs along a row (columns), grid.y down the rows; 16 x 16 groups
    return {"grid": (round_up(cols, 16), round_up(rows, 16), 1), "threadgroup": (16, 16, 1)}
# --8<-- [end:launch]


# --8<-- [start:stub]
STUB = """
    // not implemented yet
    // thread (c, r) of the grid handles x[r, c], stored row-major;
    // the matrix is x_shape[0] rows by x_shape[1] columns
"""
# --8<-- [end:stub]

EXERCISE = Exercise(
    number=4,
    slug="map_2d",
    title="2-D grids: one thread per matrix element",
    make_inputs=lambda shape: {"x": sample(shape, seed=5)},
    spec=spec,
    launch=launch,
    sizes=((1, 1), (31, 33), (33, 31), (70, 100)),
    stub=STUB,
)
