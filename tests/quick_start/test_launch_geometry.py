"""`grid` counts threads; the threadgroup is clamped to the grid; the tail is exact."""

from __future__ import annotations

import mlx.core as mx
import pytest

from metal_guide.quick_start.launch_geometry import count_launch


@pytest.mark.metal
@pytest.mark.parametrize(
    ("grid", "threadgroup", "expected"),
    [
        ((1000, 1, 1), (256, 1, 1), (1000, 4)),  # partial last group, no extra threads
        ((1024, 1, 1), (256, 1, 1), (1024, 4)),
        ((24, 1, 1), (256, 1, 1), (24, 1)),  # threadgroup clamped to the grid
        ((4, 1, 1), (1, 1, 1), (4, 4)),  # 4 threads, not 4 threadgroups
        ((100, 3, 1), (32, 4, 1), (300, 4)),  # clamped per dimension: y group is 3
        ((1, 1, 1), (256, 1, 1), (1, 1)),
    ],
    ids=str,
)
def test_counts(
    grid: tuple[int, int, int],
    threadgroup: tuple[int, int, int],
    expected: tuple[int, int],
) -> None:
    assert count_launch(grid, threadgroup) == expected


@pytest.mark.metal
def test_threadgroup_over_the_limit_is_an_error() -> None:
    # MLX checks x*y*z of the *requested* threadgroup against the pipeline's limit (at most
    # 1024) when the kernel is evaluated, before clamping to the grid.
    with pytest.raises(ValueError, match=r"Thread group size \(2048\) is greater than"):
        count_launch((4096, 1, 1), (1024, 2, 1))


def test_grid_dimensions_are_c_ints() -> None:
    # MLX's binding takes grid as three C ints: 2**31 is refused before anything runs.
    with pytest.raises(TypeError, match="incompatible function arguments"):
        count_launch((2**31, 1, 1), (256, 1, 1))
    assert mx.fast.metal_kernel  # the module imported without Metal
