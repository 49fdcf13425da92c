"""Launch-size arithmetic for `mx.fast.metal_kernel` (pure Python, runs anywhere).

`grid` counts threads, not threadgroups: MLX hands it to Metal's `dispatchThreads`, and clamps
the threadgroup to the grid in each dimension.
"""

from __future__ import annotations

# --8<-- [start:launch-helpers]
Dim3 = tuple[int, int, int]


def ceil_div(n: int, d: int) -> int:
    """Smallest integer >= n / d, for positive d."""
    return -(-n // d)
# --8<-- [end:launch-helpers]


# --8<-- [start:launch-1d]
def launch_1d(n: int, group: int = 256) -> tuple[Dim3, Dim3]:
    """One thread per element: exactly n threads, in groups of up to `group` threads."""
    return (n, 1, 1), (min(group, n), 1, 1)
# --8<-- [end:launch-1d]


# --8<-- [start:launch-tiles]
def launch_tiles(rows: int, cols: int, tile: int = 16) -> tuple[Dim3, Dim3]:
    """One thread per output element, in full tile x tile threadgroups.

    For kernels that rely on full tiles (cooperative loads into threadgroup memory with
    barriers): both grid dimensions are rounded UP to whole tiles (still counted in threads),
    so edge threads fall outside the matrix and must skip the work, not the barriers. Without
    such a need, pass the exact grid: Metal's tail threadgroups are partial.
    """
    grid = (ceil_div(cols, tile) * tile, ceil_div(rows, tile) * tile, 1)
    return grid, (tile, tile, 1)


# A 100 x 70 output: 5 x 7 tiles, so 80 x 112 threads. Passing the tile counts (5, 7, 1) as
# the grid would launch only 35 threads and leave most of the output unwritten.
grid, group = launch_tiles(rows=100, cols=70)
assert grid == (80, 112, 1) and group == (16, 16, 1)
assert (grid[0] // group[0], grid[1] // group[1]) == (5, 7)  # threadgroups per dimension
# --8<-- [end:launch-tiles]


def main() -> None:
    for n in (1, 31, 33, 1000):
        print(f"n={n:5d}: grid, threadgroup = {launch_1d(n)}")
    print("100 x 70 in 16 x 16 tiles:", launch_tiles(100, 70))


if __name__ == "__main__":
    main()
