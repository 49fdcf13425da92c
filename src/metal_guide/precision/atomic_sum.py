"""A naive float sum with one atomic add per element: its result depends on the order.

Float addition is not associative, so the order in which threads reach the atomic decides how
the sum rounds. `exact_sum` adds integers instead, and gives the same bits in every order.
"""

# --8<-- [start:kernel]
import functools
from collections.abc import Callable

import mlx.core as mx

ATOMIC_SUM_SOURCE = """
    uint i = thread_position_in_grid.x;
    if (i < length) {
        atomic_fetch_add_explicit(&total[0], x[i], memory_order_relaxed);
    }
"""


@functools.cache
def atomic_sum_kernel() -> Callable[..., list[mx.array]]:
    """Each thread adds its element to one float atomically, in arrival order."""
    return mx.fast.metal_kernel(
        name="precision_atomic_sum",
        input_names=["x", "length"],
        output_names=["total"],
        source=ATOMIC_SUM_SOURCE,
        atomic_outputs=True,
    )


def atomic_sum(x: mx.array) -> mx.array:
    """Sum of a 1-D float32 array by float atomics; thread order sets the last bits."""
    (total,) = atomic_sum_kernel()(
        inputs=[x, mx.array(x.size, dtype=mx.uint32)],
        grid=(x.size, 1, 1),
        threadgroup=(min(x.size, 256), 1, 1),
        output_shapes=[(1,)],
        output_dtypes=[mx.float32],
        init_value=0,
    )
    return total[0]
# --8<-- [end:kernel]


# --8<-- [start:schedules]
def schedule_results(x: mx.array) -> dict[str, tuple[float, float]]:
    """(atomic_sum, exact_sum) under metalsim's forward, reverse, random schedules."""
    import metalsim
    from metal_guide.kernels.exact_sum import exact_sum

    results = {}
    schedules = (("forward", 0), ("reverse", 0), ("random", 1), ("random", 2))
    for schedule, seed in schedules:
        with metalsim.settings(schedule=schedule, seed=seed, workers=1):
            naive, exact = atomic_sum(x), exact_sum(x)
            mx.eval(naive, exact)
        label = schedule if schedule != "random" else f"random:{seed}"
        results[label] = (naive.item(), exact.item())
    return results
# --8<-- [end:schedules]


if __name__ == "__main__":
    # --8<-- [start:demo]
    import numpy as np

    rng = np.random.default_rng(0)
    values = rng.standard_normal(256) * 2.0 ** rng.integers(-20, 20, 256)
    x = mx.array(values.astype(np.float32))
    for schedule, (naive, exact) in schedule_results(x).items():
        print(f"{schedule:9} atomic float sum {naive!r:>22}   exact_sum {exact!r}")
    # --8<-- [end:demo]
