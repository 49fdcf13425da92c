"""Launch-size helpers of the reference card (pure Python, run everywhere)."""

from __future__ import annotations

import pytest

from metal_guide.reference_card.launch import ceil_div, launch_1d, launch_tiles


@pytest.mark.parametrize("n", [1, 31, 32, 33, 255, 256, 257, 1000])
def test_launch_1d_has_one_thread_per_element(n: int) -> None:
    grid, group = launch_1d(n)
    assert grid == (n, 1, 1)
    assert 1 <= group[0] <= min(n, 256) and group[1:] == (1, 1)


@pytest.mark.parametrize("rows", [1, 15, 16, 17, 31, 33, 1000])
@pytest.mark.parametrize("cols", [1, 16, 31, 33, 70])
@pytest.mark.parametrize("tile", [8, 16, 32])
def test_launch_tiles_covers_every_element(rows: int, cols: int, tile: int) -> None:
    (gx, gy, gz), group = launch_tiles(rows, cols, tile)
    assert group == (tile, tile, 1)
    assert gz == 1
    # Counted in threads, whole tiles only, and no tile entirely outside the matrix.
    assert gx % tile == 0 and gy % tile == 0
    assert cols <= gx < cols + tile and rows <= gy < rows + tile
    assert tile * tile % 32 == 0  # whole SIMD-groups per threadgroup


def test_ceil_div() -> None:
    assert [ceil_div(n, 16) for n in (1, 15, 16, 17, 32, 33)] == [1, 1, 1, 2, 2, 3]
