"""Exercise 14: row sums with simd_sum, then threadgroup memory across SIMD groups."""

# ruff: noqa: I001  (the spec section imports MLX where the page shows it)
from metal_guide.exercises.exercise import Exercise, sample

# --8<-- [start:spec]
import mlx.core as mx


def spec(x: mx.array) -> mx.array:
    return x.sum(axis=1)
# --8<-- [end:spec]


# --8<-- [start:launch]
def launch(x):
    # 128 threads per row: four SIMD groups of 32
    return {"grid": (128, x.shape[0], 1), "threadgroup": (128, 1, 1)}
# --8<-- [end:launch]


# --8<-- [start:stub]
STUB = """
    // not implemented yet
    // Each thread sums a strided slice of the row; simd_sum adds the 32 lanes of a
    // SIMD group; lane 0 of each group stores its sum in threadgroup memory; wait;
    // the first SIMD group adds the 4 group sums and one thread writes the row's total.
"""
# --8<-- [end:stub]

EXERCISE = Exercise(
    number=14,
    slug="simd_sum",
    title="SIMD-group reduction with simd_sum",
    make_inputs=lambda shape: {"x": sample(shape, seed=19)},
    spec=spec,
    launch=launch,
    sizes=((1, 1), (2, 33), (3, 1000), (2, 4097)),
    stub=STUB,
    one_thread_per_element=False,
)
