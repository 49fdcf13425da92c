"""Exercise 7: threadgroup memory and a barrier. Reverse every block of 64 elements."""

# ruff: noqa: I001  (the spec section imports MLX where the page shows it)
from metal_guide.exercises.exercise import Exercise, round_up, sample

# --8<-- [start:spec]
import mlx.core as mx


def spec(x: mx.array) -> mx.array:
    n, block = x.size, 64
    out = []
    for start in range(0, n, block):
        out.append(x[start:min(start + block, n)][::-1])  # the last block may be short
    return mx.concatenate(out)
# --8<-- [end:spec]


# --8<-- [start:launch]
def launch(x):
    return {"grid": (round_up(x.size, 64), 1, 1), "threadgroup": (64, 1, 1)}
# --8<-- [end:launch]


# --8<-- [start:stub]
STUB = """
    // not implemented yet
    // 1. each thread copies its element into a threadgroup array of 64 floats;
    // 2. every thread waits until all copies are done;
    // 3. each thread writes the element mirrored inside its block (mind the last block).
"""
# --8<-- [end:stub]

EXERCISE = Exercise(
    number=7,
    slug="reverse_blocks",
    title="Threadgroup memory: reverse each block",
    make_inputs=lambda n: {"x": sample(n, seed=9)},
    spec=spec,
    launch=launch,
    sizes=(1, 64, 100, 1000),
    stub=STUB,
)
