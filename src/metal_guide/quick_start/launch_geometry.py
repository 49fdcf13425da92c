"""Quick start: what `grid` and `threadgroup` mean, measured by the kernel itself.

Every thread adds 1 to ``counts[0]``; the first thread of each threadgroup adds 1 to
``counts[1]``. The result is the number of threads and of threadgroups that really ran.
"""

# --8<-- [start:count]
import functools
from collections.abc import Callable

import mlx.core as mx

COUNT_SOURCE = """
    atomic_fetch_add_explicit(&counts[0], 1, memory_order_relaxed);
    if (thread_index_in_threadgroup == 0) {
        atomic_fetch_add_explicit(&counts[1], 1, memory_order_relaxed);
    }
"""


@functools.cache
def count_kernel() -> Callable[..., list[mx.array]]:
    return mx.fast.metal_kernel(
        name="quick_start_count_threads",
        input_names=[],
        output_names=["counts"],
        source=COUNT_SOURCE,
        atomic_outputs=True,  # counts is declared `device atomic<int32_t>*`
    )


def count_launch(
    grid: tuple[int, int, int], threadgroup: tuple[int, int, int]
) -> tuple[int, int]:
    """Launch the counting kernel; return (threads that ran, threadgroups that ran)."""
    (counts,) = count_kernel()(
        inputs=[],
        grid=grid,
        threadgroup=threadgroup,
        output_shapes=[(2,)],
        output_dtypes=[mx.int32],
        init_value=0,  # without it the counters would start from whatever was in memory
    )
    threads, groups = counts.tolist()
    return threads, groups


# --8<-- [end:count]


if __name__ == "__main__":
    # --8<-- [start:demo]
    for grid, threadgroup in [
        ((1000, 1, 1), (256, 1, 1)),
        ((24, 1, 1), (256, 1, 1)),
        ((100, 3, 1), (32, 4, 1)),
    ]:
        threads, groups = count_launch(grid, threadgroup)
        print(f"grid={grid}, threadgroup={threadgroup}: ", end="")
        print(f"{threads} threads, threadgroups: {groups}")
    # --8<-- [end:demo]
