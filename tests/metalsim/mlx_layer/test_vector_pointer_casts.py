"""Wide loads and stores through vector pointers (WWDC16's "vector loads" advice).

A `float4` read through `reinterpret_cast<const device float4*>(x)` compiles to an aligned
vector load; these tests check that every buffer and threadgroup array a kernel can cast is
aligned like its Metal counterpart, for four element types, three address spaces and three
spellings of the cast (`reinterpret_cast`, a C-style cast, `as_type`).
"""

from __future__ import annotations

import functools

import mlx.core as mx
import numpy as np
import pytest

import metalsim

pytestmark = pytest.mark.metal

# vector type -> (element dtype, same-size vector type for as_type, its NumPy dtype)
VECTORS = {
    "float4": (mx.float32, "uint4", np.uint32),
    "half4": (mx.float16, "ushort4", np.uint16),
    "int4": (mx.int32, "float4", np.float32),
    "uchar4": (mx.uint8, "uint", np.uint32),
}
VECTOR_COUNTS = [1, 31, 33, 1000]  # vectors, i.e. threads; the threadgroup is 32

# The minimal kernel, extended: device memory through reinterpret_cast, threadgroup
# memory through a C-style cast, and a bit-cast of the loaded vector with as_type.
CAST_SOURCE = """
    uint i = thread_position_in_grid.x;
    uint l = thread_position_in_threadgroup.x;
    threadgroup uchar flag[1];  // declared first, so `buf` does not start the arena
    (void)flag;
    threadgroup E buf[4 * 32];
    const device V* xv = reinterpret_cast<const device V*>(x);
    device V* ov = reinterpret_cast<device V*>(doubled);
    V v = xv[i];
    ov[i] = v + v;
    threadgroup V* tv = (threadgroup V*)buf;
    tv[l] = v;
    threadgroup_barrier(mem_flags::mem_threadgroup);
    for (uint k = 0; k < 4; k++) {
        via_tg[4 * i + k] = buf[4 * l + k];
    }
    ((device U*)bits)[i] = as_type<U>(v);
"""


@functools.cache
def cast_kernel(vector: str) -> metalsim.MetalKernel:
    elem, bits_type, _ = VECTORS[vector]
    header = f"typedef {vector} V;\ntypedef {bits_type} U;\ntypedef decltype(V().x) E;\n"
    del elem
    return metalsim.metal_kernel(
        name=f"cast_{vector}",
        input_names=["x"],
        output_names=["doubled", "via_tg", "bits"],
        header=header,
        source=CAST_SOURCE,
    )


def _input(dtype: mx.Dtype, n: int) -> np.ndarray:
    rng = np.random.default_rng(n)
    if dtype in (mx.float32, mx.float16):
        return rng.uniform(-4, 4, n).astype(np.float16 if dtype == mx.float16 else np.float32)
    if dtype == mx.int32:
        return rng.integers(-1000, 1000, n, dtype=np.int32)
    return rng.integers(0, 100, n, dtype=np.uint8)  # 2*v stays below 256


@pytest.mark.parametrize("vector", list(VECTORS))
@pytest.mark.parametrize("count", VECTOR_COUNTS)
def test_vector_casts_of_device_and_threadgroup_pointers(vector: str, count: int) -> None:
    dtype, _, bits_np = VECTORS[vector]
    width = 4
    x = _input(dtype, width * count)
    # An MLX array straight from the CPU allocator is 8 bytes past a 16-byte boundary; the
    # slice moves it further, so alignment has to come from metalsim, not from luck.
    xa = mx.array(np.concatenate([x[:1], x]))[1:]
    doubled, via_tg, bits = cast_kernel(vector)(
        inputs=[xa],
        grid=(count, 1, 1),
        threadgroup=(32, 1, 1),
        output_shapes=[(x.size,), (x.size,), (x.nbytes // np.dtype(bits_np).itemsize,)],
        output_dtypes=[dtype, dtype, {np.uint32: mx.uint32, np.uint16: mx.uint16,
                                      np.float32: mx.float32}[bits_np]],
    )  # fmt: skip
    np.testing.assert_array_equal(np.array(doubled), x + x)
    np.testing.assert_array_equal(np.array(via_tg), x)
    np.testing.assert_array_equal(np.array(bits).view(np.uint8), x.view(np.uint8))


# Program-scope `constant` data read as vectors: a table of 8 floats seen as two float4.
CONSTANT_HEADER = """
constant float TABLE[8] = {1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f, 7.0f, 8.0f};
"""
CONSTANT_SOURCE = """
    uint i = thread_position_in_grid.x;
    constant float4* t4 = reinterpret_cast<constant float4*>(TABLE);
    constant float4* t4c = (constant float4*)TABLE;
    const device float4* xv = reinterpret_cast<const device float4*>(x);
    ((device float4*)out)[i] = xv[i] * t4[i % 2] + t4c[(i + 1) % 2];
"""


def test_vector_cast_of_constant_pointer() -> None:
    kernel = metalsim.metal_kernel(
        name="cast_constant",
        input_names=["x"],
        output_names=["out"],
        header=CONSTANT_HEADER,
        source=CONSTANT_SOURCE,
    )
    x = np.arange(4 * 33, dtype=np.float32)
    (out,) = kernel(
        inputs=[mx.array(x)],
        grid=(33, 1, 1),
        threadgroup=(32, 1, 1),
        output_shapes=[x.shape],
        output_dtypes=[mx.float32],
    )
    table = np.arange(1, 9, dtype=np.float32).reshape(2, 4)
    rows = np.arange(33)
    want = x.reshape(33, 4) * table[rows % 2] + table[(rows + 1) % 2]
    np.testing.assert_array_equal(np.array(out).reshape(33, 4), want)
