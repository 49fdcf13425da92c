"""End-to-end feature probes: MLX's exact generated text -> compile_kernel -> launch.

Each probe is a construct that real MLX kernels use and that a naive MSL->C++ port gets wrong
(see the emulator design notes, section 4.3 and section 5).
"""

from __future__ import annotations

import mlx.core as mx
import numpy as np
from metalsim_lang_helpers import from_bf16, run, to_bf16


def test_half_rounds_after_every_operation() -> None:
    # a*b + c in half: with float excess precision the product would not be rounded first.
    a = np.array([1.0009765625], np.float16)  # 1 + 2^-10
    out = run(
        """
        uint i = thread_position_in_grid.x;
        half p = a[i] * a[i];
        out[i] = a[i] * a[i] - p;   // exactly 0 only if each product is rounded to half
        out2[i] = float(a[i] * a[i]);
        """,
        {"a": (a, mx.float16)},
        {"out": ((1,), mx.float16), "out2": ((1,), mx.float32)},
        (1, 1, 1), (1, 1, 1),
    )  # fmt: skip
    assert out["out"][0] == 0
    assert out["out2"][0] == np.float32(np.float16(a[0] * a[0]))


def test_bfloat_arithmetic_and_preamble_type() -> None:
    x = to_bf16(np.array([1.5, -2.25, 3.0, 1e-3], np.float32))
    out = run(
        """
        uint i = thread_position_in_grid.x;
        bfloat16_t v = x[i];
        bfloat16_t w = v * v + bfloat16_t(1.0f);
        y[i] = w;
        z[i] = float(v) * 2.0f;
        """,
        {"x": (x, mx.bfloat16)},
        {"y": ((4,), mx.bfloat16), "z": ((4,), mx.float32)},
        (4, 1, 1), (4, 1, 1),
    )  # fmt: skip
    xv = from_bf16(x)
    expect = from_bf16(to_bf16(from_bf16(to_bf16(xv * xv)) + 1.0))
    np.testing.assert_array_equal(from_bf16(out["y"]), expect)
    np.testing.assert_array_equal(out["z"], xv * 2)


def test_template_int_bool_dtype_with_header_struct() -> None:
    header = """
struct Scale {
  float k;
  float apply(float v) const { return v * k; }
};
template <typename T> T twice(T v) { return v + v; }
"""
    x = np.arange(6, dtype=np.float32)
    out = run(
        """
        uint i = thread_position_in_grid.x;
        Scale s{float(N)};
        T v = T(x[i]);
        out[i] = flip ? -s.apply(float(twice(v))) : s.apply(float(v));
        """,
        {"x": (x, mx.float32)},
        {"out": ((6,), mx.float32)},
        (6, 1, 1), (2, 1, 1),
        header=header,
        template=[("N", 3), ("flip", True), ("T", mx.float16)],
    )  # fmt: skip
    np.testing.assert_array_equal(out["out"], -(x * 2) * 3)


def test_tile_transpose_multiple_threadgroup_declarators() -> None:
    n = 8
    a = np.arange(n * n, dtype=np.float32).reshape(n, n)
    out = run(
        """
        threadgroup float tile[4][5], scratch[4], flag;
        uint2 g = thread_position_in_grid.xy;
        uint2 l = thread_position_in_threadgroup.xy;
        tile[l.y][l.x] = a[g.y * 8 + g.x];
        if (l.x == 0 && l.y == 0) { flag = 1.0f; }
        scratch[l.x] = 0.0f;
        threadgroup_barrier(mem_flags::mem_threadgroup);
        uint2 base = threadgroup_position_in_grid.xy * 4;
        out[(base.x + l.y) * 8 + base.y + l.x] = tile[l.x][l.y] * flag + scratch[l.y];
        sz[0] = float(sizeof(tile));
        """,
        {"a": (a, mx.float32)},
        {"out": ((n, n), mx.float32), "sz": ((1,), mx.float32)},
        (n, n, 1), (4, 4, 1),
    )  # fmt: skip
    np.testing.assert_array_equal(out["out"], a.T)
    assert out["sz"][0] == 4 * 5 * 4  # sizeof a threadgroup array is the array's size


def test_vector_builtins() -> None:
    v = np.array([0.5, 1.5, 2.5, 3.5], np.float32)
    out = run(
        """
        float4 x = float4(v[0], v[1], v[2], v[3]);
        float4 c = clamp(x, 1.0f, 3.0f);
        bool4 m = x > 2.0f;
        float4 s = select(float4(0.0f), c, m);
        half4 h = half4(x);
        uint4 bits = as_type<uint4>(x);
        out[0] = s.x; out[1] = s.y; out[2] = s.z; out[3] = s.w;
        out[4] = float(h.w);
        out[5] = all(c >= 1.0f) ? 1.0f : 0.0f;
        out[6] = any(m) && !all(m) ? 1.0f : 0.0f;
        ubits[0] = bits.x;
        """,
        {"v": (v, mx.float32)},
        {"out": ((7,), mx.float32), "ubits": ((1,), mx.uint32)},
        (1, 1, 1), (1, 1, 1),
    )  # fmt: skip
    np.testing.assert_array_equal(out["out"], [0, 0, 2.5, 3.0, 3.5, 1, 1])
    assert out["ubits"][0] == np.float32(0.5).view(np.uint32)


def test_swizzles_and_component_constructors() -> None:
    r = np.array([1, 2, 3, 4], np.float32)
    out = run(
        """
        float4 q = float4(r[0], r[1], r[2], r[3]);
        float4 w = float4(q.xy, q.z, 1);          // components left to right
        w.zw = q.xy;                               // swizzle write
        w.x = q.w;
        float4 back = w.wzyx;                      // swizzle read
        float3 t = float3(q.xy, 7.0f);
        out[0] = w.x; out[1] = w.y; out[2] = w.z; out[3] = w.w;
        out[4] = back.x; out[5] = t.z; out[6] = float(sizeof(float3));
        """,
        {"r": (r, mx.float32)},
        {"out": ((7,), mx.float32)},
        (1, 1, 1), (1, 1, 1),
    )  # fmt: skip
    np.testing.assert_array_equal(out["out"], [4, 2, 1, 2, 2, 7, 16])


def test_vector_casts_convert_values_never_bits() -> None:
    i = np.array([1, -2, 3, 40], np.int32)
    out = run(
        """
        int4 a = int4(i[0], i[1], i[2], i[3]);
        float4 f1 = float4(a);
        float4 f2 = static_cast<float4>(a);
        float4 f3 = (float4)a * 2.0f;
        vec4 f4 = vec4(a);                         // alias declared in the header
        vec<float, 4> f5 = vec<float, 4>(a);
        int4 back = int4(float4(2.7f, -2.7f, 0.5f, 9.9f));
        out[0] = f1.y; out[1] = f2.w; out[2] = f3.z; out[3] = f4.x; out[4] = f5.w;
        out[5] = float(back.x); out[6] = float(back.y); out[7] = float(back.w);
        """,
        {"i": (i, mx.int32)},
        {"out": ((8,), mx.float32)},
        (1, 1, 1), (1, 1, 1),
        header="typedef float4 vec4;\n",
    )  # fmt: skip
    np.testing.assert_array_equal(out["out"], [-2, 40, 6, 1, 40, 2, -2, 9])


def test_bool_vector_from_comparison() -> None:
    v = np.array([1.0, 3.0], np.float32)
    out = run(
        """
        float2 x = float2(v[0], v[1]);
        bool2 m = x > 2.0f;
        int2 k = int2(m);                 // 0 / 1, not 0 / -1
        out[0] = k.x; out[1] = k.y;
        out[2] = m.y ? 1 : 0;
        out[3] = all(m == bool2(false, true)) ? 1 : 0;
        out[4] = int(sizeof(bool2));
        float2 f = float2(x > 2.0f);      // straight from a comparison: 1.0, not -1.0
        out[5] = int(f.y);
        out[6] = ((int2)(x < 2.0f)).x;
        """,
        {"v": (v, mx.float32)},
        {"out": ((7,), mx.int32)},
        (1, 1, 1), (1, 1, 1),
    )  # fmt: skip
    np.testing.assert_array_equal(out["out"], [0, 1, 1, 1, 2, 1, 1])


def test_half_literal_into_bfloat_template() -> None:
    out = run(
        """
        T h = T(0.5h);
        T b = static_cast<T>(half(1.25h));
        y[0] = h + b;
        """,
        {},
        {"y": ((1,), mx.bfloat16)},
        (1, 1, 1), (1, 1, 1),
        template=[("T", mx.bfloat16)],
    )  # fmt: skip
    assert from_bf16(out["y"])[0] == 1.75


def test_mlx_preamble_helpers() -> None:
    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    at = a.T  # non-contiguous view: strides describe the transpose
    out = run(
        """
        uint e = thread_position_in_grid.x;
        auto loc = elem_to_loc(e, a_shape, a_strides, a_ndim);
        complex64_t z = complex64_t(a[loc], 1.0f) * complex64_t(0.0f, 1.0f);
        bfloat16_t b = static_cast<bfloat16_t>(a[loc]);
        out[e] = z.real + z.imag + float(b) - a[loc];
        out2[e] = a[loc];
        """,
        {"a": (at, mx.float32)},
        {"out": ((12,), mx.float32), "out2": ((12,), mx.float32)},
        (12, 1, 1), (4, 1, 1),
    )  # fmt: skip
    flat = at.reshape(-1)
    np.testing.assert_array_equal(out["out2"], flat)
    np.testing.assert_array_equal(out["out"], -1.0 + flat)


def test_macro_generated_threadgroup_declaration() -> None:
    header = "#define SMEM(n) threadgroup float n[32]\n"
    x = np.arange(32, dtype=np.float32)
    out = run(
        """
        SMEM(buf);
        uint t = thread_position_in_threadgroup.x;
        buf[t] = x[t];
        threadgroup_barrier(mem_flags::mem_threadgroup);
        out[t] = buf[31 - t];
        """,
        {"x": (x, mx.float32)},
        {"out": ((32,), mx.float32)},
        (32, 1, 1), (32, 1, 1),
        header=header,
    )  # fmt: skip
    np.testing.assert_array_equal(out["out"], x[::-1])


def test_integer_functions() -> None:
    out = run(
        """
        out[0] = clz(1u);
        out[1] = ctz(8u);
        out[2] = popcount(0xF0F0u);
        out[3] = mulhi(0x80000000u, 4u);
        out[4] = rotate(0x80000001u, 1u);
        out[5] = extract_bits(0xABCDu, 4u, 8u);
        out[6] = reverse_bits(1u);
        out[7] = addsat(0xFFFFFFF0u, 0x100u);
        out[8] = uint(abs(-5));
        out[9] = uint(max(3, 7) + min(3u, 7u));
        """,
        {},
        {"out": ((10,), mx.uint32)},
        (1, 1, 1), (1, 1, 1),
    )  # fmt: skip
    np.testing.assert_array_equal(
        out["out"], [31, 3, 8, 2, 3, 0xBC, 0x80000000, 0xFFFFFFFF, 5, 10]
    )


def test_math_float_half_vectors_and_constants() -> None:
    x = np.array([0.25, 1.0, 2.0, 4.0], np.float32)
    out = run(
        """
        float4 v = float4(x[0], x[1], x[2], x[3]);
        float4 s = metal::sqrt(v);
        half4 hs = metal::precise::sqrt(half4(v));
        out[0] = s.x; out[1] = float(hs.w);
        out[2] = metal::fast::exp(0.0f);
        out[3] = length(float2(3.0f, 4.0f));
        out[4] = dot(v, float4(1.0f));
        out[5] = fract(-0.25f);
        out[6] = M_PI_F;
        out[7] = isnan(NAN) && isinf(INFINITY) ? 1.0f : 0.0f;
        out[8] = float(numeric_limits<half>::max());
        out[9] = float(HALF_MAX);
        out[10] = mix(1.0f, 3.0f, 0.5f);
        out[11] = float(metal::exp(bfloat(0.0f)));
        """,
        {"x": (x, mx.float32)},
        {"out": ((12,), mx.float32)},
        (1, 1, 1), (1, 1, 1),
    )  # fmt: skip
    expect = [0.5, 2.0, 1.0, 5.0, 7.25, 0.75, np.float32(np.pi), 1, 65504, 65504, 2, 1]
    np.testing.assert_allclose(out["out"], expect, rtol=1e-6)


def test_threadgroup_atomic_and_simd() -> None:
    x = np.ones(64, np.float32)
    out = run(
        """
        threadgroup atomic_uint count;
        uint t = thread_index_in_threadgroup;
        if (t == 0) atomic_store_explicit(&count, 0u, memory_order_relaxed);
        threadgroup_barrier(mem_flags::mem_threadgroup);
        atomic_fetch_add_explicit(&count, 1u, memory_order_relaxed);
        float s = simd_sum(x[thread_position_in_grid.x]);
        threadgroup_barrier(mem_flags::mem_threadgroup);
        if (t == 0) { n[threadgroup_position_in_grid.x] = atomic_load_explicit(&count,
                      memory_order_relaxed); }
        if (thread_index_in_simdgroup == 0) sums[thread_position_in_grid.x / 32] = s;
        """,
        {"x": (x, mx.float32)},
        {"n": ((2,), mx.uint32), "sums": ((2,), mx.float32)},
        (64, 1, 1), (32, 1, 1),
    )  # fmt: skip
    np.testing.assert_array_equal(out["n"], [32, 32])
    np.testing.assert_array_equal(out["sums"], [32, 32])


TWO_SUM = """
    uint i = thread_position_in_grid.x;
    float a = x[i];
    float b = y[i];
    float s = a + b;
    float bb = s - a;
    float err = (a - (s - bb)) + (b - bb);
    out[i] = err;
"""


def test_two_sum_error_term_survives_safe_but_not_fast() -> None:
    # 2Sum: s + err == a + b exactly. Reassociation (fast/relaxed) simplifies err to 0.
    x = np.array([1.0, 1e8], np.float32)
    y = np.array([1e-8, 1.0], np.float32)
    ins = {"x": (x, mx.float32), "y": (y, mx.float32)}
    outs = {"out": ((2,), mx.float32)}
    safe = run(TWO_SUM, ins, outs, (2, 1, 1), (2, 1, 1), math_mode="safe", name="twosum")
    fast = run(TWO_SUM, ins, outs, (2, 1, 1), (2, 1, 1), math_mode="fast", name="twosum")
    exact = (x.astype(np.float64) + y) - (x + y).astype(np.float64)
    np.testing.assert_array_equal(safe["out"], exact.astype(np.float32))
    assert np.all(safe["out"] != 0)
    np.testing.assert_array_equal(fast["out"], [0.0, 0.0])


def test_fast_math_macro_defined_only_in_fast_modes() -> None:
    src = """
    #ifdef __FAST_MATH__
    out[0] = 1;
    #else
    out[0] = 0;
    #endif
    out[1] = isinf(x[0]) ? 1 : 0;
    """
    ins = {"x": (np.array([np.inf], np.float32), mx.float32)}
    outs = {"out": ((2,), mx.int32)}
    safe = run(src, ins, outs, (1, 1, 1), (1, 1, 1), math_mode="safe", name="fm")
    relaxed = run(src, ins, outs, (1, 1, 1), (1, 1, 1), math_mode="relaxed", name="fm")
    fast = run(src, ins, outs, (1, 1, 1), (1, 1, 1), math_mode="fast", name="fm")
    assert list(safe["out"]) == [0, 1]
    assert list(relaxed["out"]) == [1, 1]  # relaxed honours Inf/NaN
    assert fast["out"][0] == 1


def test_atomic_outputs_and_scalar_inputs() -> None:
    x = np.arange(64, dtype=np.float32)
    out = run(
        """
        uint i = thread_position_in_grid.x;
        atomic_fetch_add_explicit(&acc[0], x[i] * scale, memory_order_relaxed);
        atomic_fetch_add_explicit(&cnt[0], 1, memory_order_relaxed);
        """,
        {"x": (x, mx.float32), "scale": (np.array(2.0, np.float32), mx.float32)},
        {"acc": ((1,), mx.float32), "cnt": ((1,), mx.int32)},
        (64, 1, 1), (32, 1, 1),
        atomic_outputs=True,
    )  # fmt: skip
    assert out["acc"][0] == 2 * x.sum()
    assert out["cnt"][0] == 64


def test_all_uint_attributes_reach_the_kernel() -> None:
    out = run(
        """
        uint g = thread_position_in_grid.x;
        o[g * 4 + 0] = thread_index_in_simdgroup;
        o[g * 4 + 1] = simdgroup_index_in_threadgroup;
        o[g * 4 + 2] = threads_per_threadgroup.x;
        o[g * 4 + 3] = threadgroups_per_grid.x;
        """,
        {},
        {"o": ((64 * 4,), mx.uint32)},
        (64, 1, 1), (64, 1, 1),
    )  # fmt: skip
    o = out["o"].reshape(64, 4)
    np.testing.assert_array_equal(o[:, 0], np.arange(64) % 32)
    np.testing.assert_array_equal(o[:, 1], np.arange(64) // 32)
    assert set(o[:, 2]) == {64} and set(o[:, 3]) == {1}


def test_direct_initialised_vectors_and_mixed_scalar_math() -> None:
    out = run(
        """
        float4 v(1.0f, 2.0f, 3.0f, 4.0f);
        int4 i(v);
        half2 h(0.5h);
        float m = metal::max(v.x, 3) + metal::min(2, v.w) + metal::pow(v.y, 2);
        o[0] = v.w; o[1] = float(i.z); o[2] = float(h.y); o[3] = m;
        """,
        {},
        {"o": ((4,), mx.float32)},
        (1, 1, 1), (1, 1, 1),
    )  # fmt: skip
    np.testing.assert_array_equal(out["o"], [4, 3, 0.5, 9])


def test_header_including_metal_headers_and_helper_with_threadgroup_pointer() -> None:
    header = """#include <metal_stdlib>
#include <metal_simdgroup>
using namespace metal;

template <typename T>
inline T block_sum(threadgroup T* buf, uint t, uint n) {
  threadgroup_barrier(mem_flags::mem_threadgroup);
  T s = 0;
  for (uint i = 0; i < n; ++i) s += buf[i];
  return s;
}
"""
    x = np.arange(16, dtype=np.float32)
    out = run(
        """
        threadgroup float buf[16];
        uint t = thread_position_in_threadgroup.x;
        buf[t] = x[t];
        out[t] = block_sum(buf, t, 16u);
        """,
        {"x": (x, mx.float32)},
        {"out": ((16,), mx.float32)},
        (16, 1, 1), (16, 1, 1),
        header=header,
    )  # fmt: skip
    np.testing.assert_array_equal(out["out"], np.full(16, x.sum()))


def test_unsuffixed_float_literals_are_float_not_double() -> None:
    x = np.array([9.0], np.float32)  # 9 * 0.1: float 0.90000004, via double 0.9
    out = run(
        """
        float a = x[0] * 0.1;             // float * float in Metal (no double)
        half h = half(1.0h) + 1e-4;       // float operation, then rounded to half
        o[0] = a; o[1] = float(h);
        """,
        {"x": (x, mx.float32)},
        {"o": ((2,), mx.float32)},
        (1, 1, 1), (1, 1, 1),
    )  # fmt: skip
    assert out["o"][0] == np.float32(9.0) * np.float32(0.1)
    assert out["o"][0] != np.float32(9.0 * 0.1)
    assert out["o"][1] == np.float32(np.float16(np.float32(1) + np.float32(1e-4)))


def test_packed_vector_types() -> None:
    pts = np.arange(9, dtype=np.float32)  # three packed_float3, 12 bytes each
    out = run(
        """
        uint i = thread_position_in_grid.x;
        const device packed_float3* p = (const device packed_float3*)pts;
        float3 v = float3(p[i]);             // packed -> aligned
        packed_float3 q = packed_float3(v * 2.0f);
        q += float3(1.0f);
        packed_float4 w = packed_float4(1.0f, 2.0f, 3.0f, 4.0f);
        o[i * 4 + 0] = q.x; o[i * 4 + 1] = q[2]; o[i * 4 + 2] = (q + v).y;
        o[i * 4 + 3] = float(sizeof(packed_float3) + sizeof(packed_half2)) + w.w;
        """,
        {"pts": (pts, mx.float32)},
        {"o": ((12,), mx.float32)},
        (3, 1, 1), (3, 1, 1),
    )  # fmt: skip
    p = pts.reshape(3, 3)
    o = out["o"].reshape(3, 4)
    np.testing.assert_array_equal(o[:, 0], p[:, 0] * 2 + 1)
    np.testing.assert_array_equal(o[:, 1], p[:, 2] * 2 + 1)
    np.testing.assert_array_equal(o[:, 2], p[:, 1] * 3 + 1)
    np.testing.assert_array_equal(o[:, 3], [20, 20, 20])


def test_nan_converts_to_integer_zero_in_explicit_vector_and_half_casts() -> None:
    x = np.array([np.nan, 1.5, -2.5, np.nan], np.float32)  # from memory: no constant folding
    out = run(
        """
        float4 f = float4(x[0], x[1], x[2], x[3]);
        int4 i = int4(f);
        o[0] = i.x; o[1] = i.y; o[2] = i.z; o[3] = i.w;
        o[4] = int(uint2(f.xw).x);
        """,
        {"x": (x, mx.float32)},
        {"o": ((5,), mx.int32)},
        (1, 1, 1), (1, 1, 1),
    )  # fmt: skip
    np.testing.assert_array_equal(out["o"], [0, 1, -2, 0, 0])


def test_spin_wait_on_device_atomic_within_a_threadgroup_terminates() -> None:
    # Thread 0 waits for a flag that thread 31 sets: needs fibers (uses_sync), else it hangs.
    out = run(
        """
        uint t = thread_position_in_grid.x;
        if (t == 0) {
          while (atomic_load_explicit(&flag[0], memory_order_relaxed) == 0) {}
          atomic_store_explicit(&flag[1], 7, memory_order_relaxed);
        }
        if (t == 31) { atomic_store_explicit(&flag[0], 1, memory_order_relaxed); }
        """,
        {},
        {"flag": ((2,), mx.int32)},
        (32, 1, 1), (32, 1, 1),
        atomic_outputs=True,
    )  # fmt: skip
    assert list(out["flag"]) == [1, 7]


def test_matrices() -> None:
    out = run(
        """
        float2x2 a = float2x2(float2(1, 2), float2(3, 4));   // columns
        float2x2 b = float2x2(2.0f);                          // diagonal
        float2 v = a * float2(1, 1);                          // sum of columns
        float2 w = float2(1, 1) * a;                          // dot with each column
        float2x2 c = a * b + transpose(a);
        float3x3 i3 = float3x3(1.0f);
        float4x4 m(1, 0, 0, 0,  0, 2, 0, 0,  0, 0, 3, 0,  0, 0, 0, 4);
        o[0] = v.x; o[1] = v.y; o[2] = w.x; o[3] = w.y;
        o[4] = c[0][0]; o[5] = c[1][0]; o[6] = determinant(a); o[7] = determinant(m);
        o[8] = float(sizeof(float3x3)); o[9] = i3[2][2] + float(half2x2(a)[1][1]);
        """,
        {},
        {"o": ((10,), mx.float32)},
        (1, 1, 1), (1, 1, 1),
    )  # fmt: skip
    # a = [[1, 3], [2, 4]] (rows); c = 2a + a^T
    np.testing.assert_array_equal(out["o"], [4, 6, 3, 7, 3, 8, -2, 24, 48, 5])


def test_metal_fp_pragma_keeps_two_sum_exact_under_fast_math() -> None:
    # The recipe for double-word arithmetic: `#pragma METAL fp math_mode(safe)` at the start of
    # the body protects the 2Sum error term even when the kernel is compiled in fast mode.
    x = np.array([1.0, 1e8], np.float32)
    y = np.array([1e-8, 1.0], np.float32)
    src = "\n    #pragma METAL fp math_mode(safe)" + TWO_SUM
    for mode in ("fast", "relaxed"):
        out = run(src, {"x": (x, mx.float32), "y": (y, mx.float32)}, {"out": ((2,), mx.float32)},
                  (2, 1, 1), (2, 1, 1), math_mode=mode, name="twosum_pragma")
        assert np.all(out["out"] != 0), mode
