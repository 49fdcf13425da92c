"""Program-scope `constant` variables are compile-time constants, as in MSL.

MSL requires program-scope variables in the `constant` address space to be initialised with
compile-time constants, and they are implicitly const; so kernels use them as array bounds and
template arguments (`threadgroup float buf[TILE];`). `const constant T&` parameters keep their
meaning (MLX passes scalar inputs that way).
"""

from __future__ import annotations

import functools

import mlx.core as mx
import numpy as np
import pytest

import metalsim

pytestmark = pytest.mark.metal

HEADER = """
constant uint TILE = 64;
constant float WEIGHTS[4] = {0.5f, 1.0f, 2.0f, 4.0f};
constant float4 OFFSET = float4(1.0f, 2.0f, 3.0f, 4.0f);
constant int SHIFTS[] = {3, -1};

template <uint N>
float sum_first(const constant float* w) {
  float s = 0.0f;
  for (uint k = 0; k < N; k++) {
    s += w[k];
  }
  return s;
}
"""

# Each threadgroup of TILE threads reverses its tile in threadgroup memory sized by TILE.
SOURCE = """
    uint i = thread_position_in_grid.x;
    uint l = thread_position_in_threadgroup.x;
    threadgroup float buf[TILE];
    float w[TILE / 16];
    for (uint k = 0; k < TILE / 16; k++) {
        w[k] = WEIGHTS[k];
    }
    buf[l] = x[i] * w[i % 4] + OFFSET[i % 4];
    threadgroup_barrier(mem_flags::mem_threadgroup);
    out[i] = buf[TILE - 1 - l] + sum_first<TILE / 16>(WEIGHTS) + factor + SHIFTS[i % 2];
"""


@functools.cache
def kernel() -> metalsim.MetalKernel:
    return metalsim.metal_kernel(
        name="program_scope_constants",
        input_names=["x", "factor"],
        output_names=["out"],
        header=HEADER,
        source=SOURCE,
    )


@pytest.mark.parametrize("groups", [1, 3])
def test_constants_are_bounds_template_arguments_and_tables(groups: int) -> None:
    n = 64 * groups
    x = np.random.default_rng(groups).uniform(-1, 1, n).astype(np.float32)
    (out,) = kernel()(
        inputs=[mx.array(x), 0.25],
        grid=(n, 1, 1),
        threadgroup=(64, 1, 1),
        output_shapes=[(n,)],
        output_dtypes=[mx.float32],
    )
    idx = np.arange(n)
    weights = np.array([0.5, 1.0, 2.0, 4.0], np.float32)
    offset = np.array([1.0, 2.0, 3.0, 4.0], np.float32)
    staged = x * weights[idx % 4] + offset[idx % 4]
    reversed_tiles = staged.reshape(groups, 64)[:, ::-1].reshape(-1)
    want = reversed_tiles + weights.sum() + np.float32(0.25) + np.array([3, -1])[idx % 2]
    np.testing.assert_allclose(np.array(out), want, rtol=1e-6, atol=1e-6)


def test_writing_to_a_constant_is_a_compile_error() -> None:
    bad = metalsim.metal_kernel(
        name="write_constant",
        input_names=["x"],
        output_names=["out"],
        header="constant float SCALE = 2.0f;\n",
        source="SCALE = 3.0f;\nout[0] = x[0] * SCALE;\n",
    )
    with pytest.raises(metalsim.MetalCompileError, match=r"<source>:1:"):
        bad(inputs=[mx.ones((1,))], grid=(1, 1, 1), threadgroup=(1, 1, 1),
            output_shapes=[(1,)], output_dtypes=[mx.float32])  # fmt: skip
