"""Real kernels through the whole emulator (compiler + runtime), against pure-MLX references.

The kernels follow the examples of MLX's custom-kernel guide (element-wise exp, strided access
with ``elem_to_loc``, bilinear grid sampling and its VJP with atomics and ``simd_sum``), written
here independently.
"""

from __future__ import annotations

import math
from typing import Any

import mlx.core as mx
import pytest

import metalsim
from metalsim import diagnostics

FLOATS = [mx.float32, mx.float16, mx.bfloat16]
SIZES = [1, 31, 33, 1000]
TOL = {mx.float32: 1e-5, mx.float16: 2e-3, mx.bfloat16: 1.6e-2}


def _close(got: mx.array, want: mx.array, dtype: mx.Dtype) -> bool:
    tol = TOL[dtype]
    return mx.allclose(
        got.astype(mx.float32), want.astype(mx.float32), rtol=tol, atol=tol
    ).item()


# --- element-wise exp -------------------------------------------------------------------------

EXP_SOURCE = """
    uint i = thread_position_in_grid.x;
    if (i < n) {
        T v = inp[i];
        out[i] = metal::exp(v);
    }
"""


@pytest.fixture(scope="module")
def exp_kernel() -> metalsim.MetalKernel:
    return metalsim.metal_kernel("ms_exp", ["inp", "n"], ["out"], EXP_SOURCE)


def _exp(k: Any, x: mx.array, tg: int = 32) -> mx.array:
    grid = ((x.size + tg - 1) // tg) * tg  # rounded up: the bounds check matters
    return k(
        inputs=[x, x.size],
        template=[("T", x.dtype)],
        grid=(grid, 1, 1),
        threadgroup=(tg, 1, 1),
        output_shapes=[x.shape],
        output_dtypes=[x.dtype],
    )[0]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("dtype", FLOATS, ids=str)
def test_exp(exp_kernel: Any, dtype: mx.Dtype, size: int) -> None:
    x = (mx.random.normal((size,), key=mx.random.key(size)) * 2).astype(dtype)
    y = _exp(exp_kernel, x)
    assert y.dtype == dtype and y.shape == x.shape
    assert _close(y, mx.exp(x), dtype)


def test_exp_through_mx_fast(exp_kernel: Any) -> None:
    with metalsim.installed(force=True):
        k = mx.fast.metal_kernel(name="ms_exp", input_names=["inp", "n"], output_names=["out"],
                                 source=EXP_SOURCE)  # fmt: skip
        x = mx.linspace(-3, 3, 100)
        assert _close(_exp(k, x), mx.exp(x), mx.float32)


def test_exp_writes_everything_and_is_schedule_independent(exp_kernel: Any) -> None:
    x = mx.linspace(-1, 1, 77)
    kw = dict(
        inputs=[x, x.size],
        template=[("T", mx.float32)],
        grid=(96, 1, 1),
        threadgroup=(32, 1, 1),
        output_shapes=[(77,)],
        output_dtypes=[mx.float32],
    )
    assert not diagnostics.unwritten_outputs(exp_kernel, **kw)
    assert not diagnostics.compare_schedules(exp_kernel, **kw)
    short = dict(kw, grid=(64, 1, 1))  # forgets the last 13 elements
    report = diagnostics.unwritten_outputs(exp_kernel, **short)
    assert report and report.outputs[0].count == 13 and report.outputs[0].first[0] == (64,)


def test_kernel_object_compiles_once(exp_kernel: Any) -> None:
    from metalsim import execution as K

    x = mx.ones(40)
    _exp(exp_kernel, x)
    before = K.compile_count
    for _ in range(3):
        _exp(exp_kernel, x)
    assert K.compile_count == before


# --- strided input with elem_to_loc ----------------------------------------------------------

STRIDED_SOURCE = """
    uint elem = thread_position_in_grid.x;
    if (elem >= out_size) return;
    // 64-bit signed index: views may have negative strides (a uint index would wrap).
    int64_t loc = elem_to_loc(int64_t(elem), inp_shape, inp_strides, inp_ndim);
    T v = inp[loc];
    // Explicit conversion: Metal has no implicit float -> bfloat conversion.
    out[elem] = static_cast<U>(metal::exp(v));
"""


def _views(dtype: mx.Dtype) -> dict[str, mx.array]:
    a = mx.random.normal((6, 10), key=mx.random.key(1)).astype(dtype)
    return {
        "every_other_row": a[::2],
        "transposed": a.T,
        "reversed": a[::-1, ::-1],
        "broadcast": mx.broadcast_to(a[1], (5, 10)),
        "column_slice": a[:, 3:7],
    }


@pytest.mark.parametrize("view", ["every_other_row", "transposed", "reversed", "broadcast",
                                  "column_slice"])  # fmt: skip
@pytest.mark.parametrize("dtype", FLOATS, ids=str)
def test_strided_elem_to_loc(dtype: mx.Dtype, view: str) -> None:
    k = metalsim.metal_kernel("ms_exp_strided", ["inp", "out_size"], ["out"], STRIDED_SOURCE,
                              ensure_row_contiguous=False)  # fmt: skip
    x = _views(dtype)[view]
    y = k(inputs=[x, x.size], template=[("T", mx.float32), ("U", dtype)], grid=(x.size, 1, 1),
          threadgroup=(64, 1, 1), output_shapes=[x.shape], output_dtypes=[dtype])[0]  # fmt: skip
    assert _close(y, mx.exp(x.astype(mx.float32)).astype(dtype), dtype)


# --- bilinear grid sampling, forward and VJP -------------------------------------------------


def grid_sample_ref(x: mx.array, g: mx.array) -> mx.array:
    """Bilinear sampling with zero padding, align_corners=False, in plain MLX (differentiable)."""
    b, h, w, _ = x.shape
    px = ((g[..., 0] + 1) * w - 1) / 2
    py = ((g[..., 1] + 1) * h - 1) / 2
    x0 = mx.floor(px)
    y0 = mx.floor(py)
    out = 0
    for dy in (0, 1):
        for dx in (0, 1):
            xi = x0 + dx
            yi = y0 + dy
            wx = 1 - mx.abs(px - xi)
            wy = 1 - mx.abs(py - yi)
            valid = (xi >= 0) & (xi <= w - 1) & (yi >= 0) & (yi <= h - 1)
            # Indices carry no gradient (the weights do).
            xc = mx.stop_gradient(mx.clip(xi, 0, w - 1).astype(mx.int32))
            yc = mx.stop_gradient(mx.clip(yi, 0, h - 1).astype(mx.int32))
            vals = x[mx.arange(b)[:, None, None], yc, xc, :]
            out = out + (wx * wy * valid)[..., None] * vals
    return out


SAMPLE_FWD = """
    uint idx = thread_position_in_grid.x;
    int C = x_shape[3], H = x_shape[1], W = x_shape[2];
    int GH = g_shape[1], GW = g_shape[2];
    if (idx >= uint(g_shape[0] * GH * GW * C)) return;
    int c = idx % C;
    int point = idx / C;                 // (b, i, j) flattened
    int b = point / (GH * GW);
    float px = ((float(g[2 * point]) + 1.0f) * W - 1.0f) * 0.5f;
    float py = ((float(g[2 * point + 1]) + 1.0f) * H - 1.0f) * 0.5f;
    int x0 = int(metal::floor(px)), y0 = int(metal::floor(py));
    float acc = 0.0f;
    for (int dy = 0; dy < 2; ++dy) {
        for (int dx = 0; dx < 2; ++dx) {
            int xi = x0 + dx, yi = y0 + dy;
            if (xi < 0 || xi >= W || yi < 0 || yi >= H) continue;
            float wgt = (1.0f - metal::abs(px - xi)) * (1.0f - metal::abs(py - yi));
            acc += wgt * float(x[((b * H + yi) * W + xi) * C + c]);
        }
    }
    out[idx] = T(acc);
"""

# One SIMD-group per (sample point, 32-channel slab): x's gradient goes out with one atomic per
# thread, the grid's gradient is reduced over the slab with simd_sum and added once per group.
SAMPLE_VJP = """
    uint idx = thread_position_in_grid.x;
    int C = x_shape[3], H = x_shape[1], W = x_shape[2];
    int GH = g_shape[1], GW = g_shape[2];
    int CP = ceildiv(C, int(threads_per_simdgroup)) * int(threads_per_simdgroup);
    int point = idx / CP;
    int c = idx % CP;
    if (point >= g_shape[0] * GH * GW) return;
    int b = point / (GH * GW);
    float px = ((float(g[2 * point]) + 1.0f) * W - 1.0f) * 0.5f;
    float py = ((float(g[2 * point + 1]) + 1.0f) * H - 1.0f) * 0.5f;
    int x0 = int(metal::floor(px)), y0 = int(metal::floor(py));
    float dgx = 0.0f, dgy = 0.0f;
    if (c < C) {
        float ct = float(cot[point * C + c]);
        for (int dy = 0; dy < 2; ++dy) {
            for (int dx = 0; dx < 2; ++dx) {
                int xi = x0 + dx, yi = y0 + dy;
                if (xi < 0 || xi >= W || yi < 0 || yi >= H) continue;
                float ax = 1.0f - metal::abs(px - xi), ay = 1.0f - metal::abs(py - yi);
                int off = ((b * H + yi) * W + xi) * C + c;
                atomic_fetch_add_explicit(&dx_out[off], ax * ay * ct, memory_order_relaxed);
                float v = float(x[off]) * ct;
                float sx = xi > px ? 1.0f : -1.0f;   // d(ax)/d(px)
                float sy = yi > py ? 1.0f : -1.0f;
                dgx += v * ay * sx;
                dgy += v * ax * sy;
            }
        }
    }
    dgx = simd_sum(dgx) * 0.5f * W;   // d(px)/d(g.x) = W / 2
    dgy = simd_sum(dgy) * 0.5f * H;
    if (thread_index_in_simdgroup == 0) {
        atomic_fetch_add_explicit(&dg_out[2 * point], dgx, memory_order_relaxed);
        atomic_fetch_add_explicit(&dg_out[2 * point + 1], dgy, memory_order_relaxed);
    }
"""


@pytest.fixture(scope="module")
def sampler() -> Any:
    fwd = metalsim.metal_kernel("ms_sample", ["x", "g"], ["out"], SAMPLE_FWD)
    bwd = metalsim.metal_kernel("ms_sample_vjp", ["x", "g", "cot"], ["dx_out", "dg_out"],
                                SAMPLE_VJP, atomic_outputs=True)  # fmt: skip

    @mx.custom_function
    def sample(x: mx.array, g: mx.array) -> mx.array:
        b, _, _, c = x.shape
        _, gh, gw, _ = g.shape
        shape = (b, gh, gw, c)
        n = b * gh * gw * c
        return fwd(inputs=[x, g], template=[("T", x.dtype)], output_shapes=[shape],
                   output_dtypes=[x.dtype], grid=(n, 1, 1), threadgroup=(256, 1, 1))[0]  # fmt: skip

    @sample.vjp
    def sample_vjp(primals: Any, cotangent: mx.array, output: mx.array) -> Any:
        x, g = primals
        b, _, _, c = x.shape
        _, gh, gw, _ = g.shape
        cp = (c + 31) // 32 * 32
        n = b * gh * gw * cp
        dx, dg = bwd(inputs=[x, g, cotangent], output_shapes=[x.shape, g.shape],
                     output_dtypes=[mx.float32, mx.float32], grid=(n, 1, 1),
                     threadgroup=(256, 1, 1), init_value=0)  # fmt: skip
        return dx.astype(x.dtype), dg.astype(g.dtype)

    return sample


def _sample_inputs(dtype: mx.Dtype, c: int, points: int) -> tuple[mx.array, mx.array]:
    key = mx.random.key(c * 1000 + points)
    k1, k2 = mx.random.split(key)
    x = mx.random.normal((2, 5, 6, c), key=k1).astype(dtype)
    # Points also fall outside [-1, 1] so the zero padding is exercised.
    g = mx.random.uniform(-1.2, 1.2, (2, points, 1, 2), key=k2).astype(dtype)
    return x, g


@pytest.mark.parametrize("c, points", [(1, 3), (31, 4), (33, 5), (1000, 2)])
@pytest.mark.parametrize("dtype", FLOATS, ids=str)
def test_grid_sample_forward(sampler: Any, dtype: mx.Dtype, c: int, points: int) -> None:
    x, g = _sample_inputs(dtype, c, points)
    got = sampler(x, g)
    want = grid_sample_ref(x.astype(mx.float32), g.astype(mx.float32))
    assert _close(got, want.astype(dtype), dtype)


@pytest.mark.parametrize("c, points", [(1, 3), (31, 4), (33, 5), (1000, 2)])
@pytest.mark.parametrize("dtype", FLOATS, ids=str)
def test_grid_sample_vjp(sampler: Any, dtype: mx.Dtype, c: int, points: int) -> None:
    x, g = _sample_inputs(dtype, c, points)
    cot = mx.random.normal((2, points, 1, c), key=mx.random.key(7)).astype(dtype)
    _, (dx, dg) = mx.vjp(lambda a, b: sampler(a, b), [x, g], [cot])
    xf, gf, cf = (t.astype(mx.float32) for t in (x, g, cot))
    _, (rdx, rdg) = mx.vjp(grid_sample_ref, [xf, gf], [cf])
    assert dx.dtype == dtype and dg.dtype == dtype
    assert _close(dx, rdx.astype(dtype), dtype)
    # The grid gradient sums over channels: compare relative to its scale.
    scale = max(1.0, mx.abs(rdg).max().item())
    tol = TOL[dtype] * (8 if dtype != mx.float32 else 50)
    assert mx.allclose(dg.astype(mx.float32) / scale, rdg / scale, atol=tol).item()


def test_grad_without_custom_vjp_raises() -> None:
    k = metalsim.metal_kernel("ms_exp", ["inp", "n"], ["out"], EXP_SOURCE)
    with pytest.raises(ValueError, match="Not implemented for CustomKernel"):
        mx.grad(lambda x: _exp(k, x).sum())(mx.ones(8))


def test_compile_error_points_at_the_body() -> None:
    k = metalsim.metal_kernel("ms_broken", ["a"], ["o"], "uint i = thread_position_in_grid.x;\n"
                              "o[i] = a[i] +* ;")  # fmt: skip
    with pytest.raises(RuntimeError) as e:  # MetalCompileError is a RuntimeError, as on a Mac
        k(inputs=[mx.ones(4)], output_shapes=[(4,)], output_dtypes=[mx.float32],
          grid=(4, 1, 1), threadgroup=(4, 1, 1))  # fmt: skip
    assert isinstance(e.value, metalsim.MetalCompileError)
    assert "<source>:2:" in str(e.value)


def test_compile_and_vmap_fail_clearly(exp_kernel: Any) -> None:
    with pytest.raises(ValueError, match="cannot run inside mx.compile or mx.vmap"):
        mx.compile(lambda x: _exp(exp_kernel, x))(mx.ones(8))
    with pytest.raises(ValueError, match="cannot run inside mx.compile or mx.vmap"):
        mx.vmap(lambda x: _exp(exp_kernel, x))(mx.ones((2, 8)))


# --- what the kernel sees: shape/strides/ndim and the first element, for many views -----------

BINDING = """
    // thread_position_in_grid (mentioned so MLX declares an attribute: see the quirk test)
    for (int d = 0; d < x_ndim; ++d) {
        sh[d] = x_shape[d];
        st[d] = x_strides[d];
    }
    nd[0] = x_ndim;
    first[0] = float(x[0]);
"""


def _binding_views(dtype: mx.Dtype) -> dict[str, mx.array]:
    a = (mx.arange(2 * 3 * 8, dtype=mx.float32).reshape(2, 3, 8) + 1).astype(dtype)
    return {
        "contiguous": a,
        "offset": a[1:],
        "transposed": a.transpose(2, 0, 1),
        "reversed": a[::-1, :, ::-3],
        "broadcast": mx.broadcast_to(a[:, :1, :], (2, 5, 8)),
        "middle": a[:, 1, 2:7],
    }


@pytest.mark.parametrize("erc", [True, False])
@pytest.mark.parametrize("dtype", [mx.float32, mx.bfloat16], ids=str)
@pytest.mark.parametrize("view", sorted(_binding_views(mx.float32)))
def test_kernel_sees_mlx_binding(view: str, dtype: mx.Dtype, erc: bool) -> None:
    x = _binding_views(dtype)[view]
    k = metalsim.metal_kernel("ms_binding", ["x"], ["sh", "st", "nd", "first"], BINDING,
                              ensure_row_contiguous=erc)  # fmt: skip
    sh, st, nd, first = k(
        inputs=[x], output_shapes=[(8,), (8,), (1,), (1,)],
        output_dtypes=[mx.int32, mx.int64, mx.int32, mx.float32],
        grid=(1, 1, 1), threadgroup=(1, 1, 1), init_value=0,
    )  # fmt: skip
    view_strides = [s // x.itemsize for s in memoryview(x).strides]
    row_major = [int(math.prod(x.shape[i + 1 :])) for i in range(x.ndim)]
    contiguous = memoryview(x).c_contiguous
    want_strides = row_major if (erc and not contiguous) else view_strides
    assert nd.item() == x.ndim
    assert sh[: x.ndim].tolist() == list(x.shape)
    assert st[: x.ndim].tolist() == want_strides
    assert first.item() == x.reshape(-1)[0].astype(mx.float32).item()


def test_mlx_misplaced_brace_quirk_fails_to_compile_like_metal() -> None:
    # Two outputs + a shape parameter + no attribute: MLX writes ") {" after the first output.
    k = metalsim.metal_kernel("ms_quirk", ["x"], ["a", "b"], "a[0] = x_shape[0]; b[0] = 1;")
    with pytest.raises(metalsim.MetalCompileError):
        k(inputs=[mx.ones(4)], output_shapes=[(1,), (1,)], output_dtypes=[mx.int32, mx.int32],
          grid=(1, 1, 1), threadgroup=(1, 1, 1))  # fmt: skip
