"""Exercise 13: matrix multiplication with 16 x 16 tiles in threadgroup memory."""

# ruff: noqa: I001  (the spec section imports MLX where the page shows it)
from metal_guide.exercises.exercise import Exercise, round_up, sample

# --8<-- [start:spec]
import mlx.core as mx


def spec(a: mx.array, b: mx.array) -> mx.array:
    return a @ b  # (M, K) @ (K, N) -> (M, N)
# --8<-- [end:spec]


# --8<-- [start:launch]
def launch(a, b):
    m, n = a.shape[0], b.shape[1]
    # one thread per output element, rounded up to whole 16 x 16 tiles
    return {"grid": (round_up(n, 16), round_up(m, 16), 1), "threadgroup": (16, 16, 1)}
# --8<-- [end:launch]


# --8<-- [start:stub]
STUB = """
    // not implemented yet
    // For each 16-wide step along K: every thread loads one element of the A tile and
    // one of the B tile (0 outside the matrices), wait, accumulate 16 products, wait.
    // Then the threads inside the output write their element.
"""
# --8<-- [end:stub]

EXERCISE = Exercise(
    number=13,
    slug="tiled_matmul",
    title="Tiled matrix multiplication",
    make_inputs=lambda mkn: {
        "a": sample(mkn[:2], seed=17),
        "b": sample(mkn[1:], seed=18),
    },
    spec=spec,
    launch=launch,
    sizes=((1, 1, 1), (7, 13, 5), (33, 65, 31), (40, 17, 50)),
    stub=STUB,
)
