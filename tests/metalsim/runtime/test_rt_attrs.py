"""Attribute values per MSL: clamping, edge threadgroups, SIMD/quad indices, the 1024 limit."""

from __future__ import annotations

import math

import numpy as np
import pytest

from metalsim.errors import KernelRuntimeError

from .conftest import Runner


def expected_attrs(grid: tuple[int, int, int], tg: tuple[int, int, int]) -> np.ndarray:
    gx, gy, gz = grid
    t = [min(a, b) for a, b in zip(tg, grid, strict=True)]  # MLX clamps per dimension
    ng = [math.ceil(g / s) for g, s in zip(grid, t, strict=True)]
    nd = t[0] * t[1] * t[2]
    out = np.zeros((gz, gy, gx, 38), np.uint32)
    for z in range(gz):
        for y in range(gy):
            for x in range(gx):
                pos = (x, y, z)
                gp = [p // s for p, s in zip(pos, t, strict=True)]
                lp = [p % s for p, s in zip(pos, t, strict=True)]
                act = [min(s, g - q * s) for s, g, q in zip(t, grid, gp, strict=True)]
                n = act[0] * act[1] * act[2]
                i = lp[0] + act[0] * (lp[1] + act[1] * lp[2])
                vecs = [pos, lp, gp, act, t, ng, grid, (0, 0, 0), grid]
                scal = [i, i % 32, i // 32, -(-n // 32), -(-nd // 32), 32, 32, i % 4, i // 4,
                        -(-n // 4), -(-nd // 4)]  # fmt: skip
                out[z, y, x] = [c for v in vecs for c in v] + scal
    return out.reshape(-1, 38)


@pytest.mark.parametrize(
    "grid,tg",
    [
        ((37, 5, 3), (8, 4, 2)),  # edge groups in every dimension
        ((24, 1, 1), (256, 1, 1)),  # clamped to one group of 24
        ((2, 1, 1), (2, 1, 1)),  # MLX's test_custom_kernel_attributes
        ((70, 1, 1), (64, 1, 1)),  # partial SIMD group and partial quad in the edge group
        ((5, 7, 1), (16, 16, 4)),  # clamped in x, y and z
    ],
)
@pytest.mark.parametrize("fibers", [False, True])
def test_attributes(run: Runner, grid: tuple[int, int, int], tg: tuple[int, int, int],
                    fibers: bool) -> None:  # fmt: skip
    n = grid[0] * grid[1] * grid[2]
    out = np.full((n, 38), 0xAAAAAAAA, np.uint32)
    run("k_attrs", [out], grid, tg, uses_sync=False, force_fibers=fibers, workers=2)
    exp = expected_attrs(grid, tg)
    bad = np.argwhere(out != exp)
    assert bad.size == 0, f"first mismatch (thread, field): {bad[:5].tolist()}"


def test_thread_limit_uses_mlx_message_on_unclamped_size(run: Runner) -> None:
    out = np.zeros(38 * 4, np.uint32)
    with pytest.raises(KernelRuntimeError) as e:
        # Clamped it would be 4 threads; MLX checks the requested 32*33 = 1056.
        run("k_attrs", [out], (4, 1, 1), (32, 33, 1))
    assert str(e.value) == (
        "Thread group size (1056) is greater than  the maximum allowed threads per "
        "threadgroup (1024)."
    )


def test_zero_threadgroup_and_empty_grid(run: Runner) -> None:
    out = np.zeros(38, np.uint32)
    with pytest.raises(KernelRuntimeError, match="must be positive"):
        run("k_attrs", [out], (1, 1, 1), (0, 1, 1))
    run("k_attrs", [out], (0, 1, 1), (1, 1, 1))  # no thread runs
    assert not out.any()
