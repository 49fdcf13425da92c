"""Exercise 16: matrix multiplication with 8 x 8 simdgroup_matrix fragments."""

# ruff: noqa: I001  (the spec section imports MLX where the page shows it)
from metal_guide.exercises.exercise import Exercise, sample

# --8<-- [start:spec]
import mlx.core as mx


def spec(a: mx.array, b: mx.array) -> mx.array:
    return a @ b  # every dimension is a multiple of 8 here
# --8<-- [end:spec]


# --8<-- [start:launch]
def launch(a, b):
    m, n = a.shape[0], b.shape[1]
    # one SIMD group (32 threads) per 8 x 8 block of the output
    return {"grid": (32 * (n // 8), m // 8, 1), "threadgroup": (32, 1, 1)}
# --8<-- [end:launch]


# --8<-- [start:stub]
STUB = """
    // not implemented yet
    // Block (row0, col0) = 8 * (threadgroup_position_in_grid.y, .x). Start from a
    // zero simdgroup_float8x8; for k = 0, 8, 16, ...: simdgroup_load the A and B blocks,
    // simdgroup_multiply_accumulate; finally simdgroup_store the result into out.
"""
# --8<-- [end:stub]

EXERCISE = Exercise(
    number=16,
    slug="simdgroup_matmul",
    title="simdgroup_matrix multiplication",
    make_inputs=lambda mkn: {
        "a": sample(mkn[:2], seed=21),
        "b": sample(mkn[1:], seed=22),
    },
    spec=spec,
    launch=launch,
    sizes=((8, 8, 8), (16, 8, 24), (32, 64, 16)),
    stub=STUB,
    one_thread_per_element=False,
    needs=("simdgroup_matrix",),
)
