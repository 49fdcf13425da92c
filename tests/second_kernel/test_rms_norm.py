"""RMSNorm, one threadgroup per row: forward and VJP against pure MLX, schedules, bad input."""

from __future__ import annotations

from collections.abc import Callable

import mlx.core as mx
import pytest

from metal_guide.kernels.testing import AWKWARD_LENGTHS, FLOAT_DTYPES, assert_matches_reference
from metal_guide.second_kernel import rms_norm as fwd
from metal_guide.second_kernel import rms_norm_vjp as bwd

BATCH = 3


def _inputs(n: int, dtype: mx.Dtype, batch: int = BATCH) -> tuple[mx.array, mx.array]:
    x = mx.random.normal((batch, n), key=mx.random.key(n)).astype(dtype)
    w = mx.random.uniform(0.5, 1.5, (n,), key=mx.random.key(n + 1)).astype(dtype)
    return x, w


@pytest.mark.metal
@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=str)
@pytest.mark.parametrize("n", AWKWARD_LENGTHS)
def test_forward_matches_reference(dtype: mx.Dtype, n: int) -> None:
    x, w = _inputs(n, dtype)
    assert_matches_reference(fwd.rms_norm_forward(x, w), fwd.rms_norm_reference(x, w))


@pytest.mark.metal
def test_forward_agrees_with_mlx_fast_rms_norm_on_a_3d_input() -> None:
    x = mx.random.normal((2, 5, 300), key=mx.random.key(9))
    w = mx.random.normal((300,), key=mx.random.key(10))
    assert_matches_reference(bwd.rms_norm(x, w, 1e-6), mx.fast.rms_norm(x, w, 1e-6))


# float32 and float16 at every length; bfloat16 where the arrays are device buffers (n >= 8;
# below 8 elements MLX passes `constant` arrays, a separately compiled variant).
VJP_CASES = [(d, n) for d in (mx.float32, mx.float16) for n in AWKWARD_LENGTHS] + [
    (mx.bfloat16, n) for n in AWKWARD_LENGTHS if n >= 8
]


@pytest.mark.metal
@pytest.mark.parametrize(("dtype", "n"), VJP_CASES, ids=str)
def test_vjp_matches_mx_vjp_of_the_reference(dtype: mx.Dtype, n: int) -> None:
    x, w = _inputs(n, dtype)
    g = mx.random.normal(x.shape, key=mx.random.key(n + 2)).astype(dtype)
    out, (dx, dw) = mx.vjp(lambda a, b: bwd.rms_norm(a, b), [x, w], [g])
    ref_out, (dx_ref, dw_ref) = mx.vjp(lambda a, b: fwd.rms_norm_reference(a, b), [x, w], [g])
    assert_matches_reference(out[0], ref_out[0], what="y")
    # dx subtracts two terms of similar size: allow for the cancellation in atol.
    atol = {mx.float32: 1e-5, mx.float16: 4e-3, mx.bfloat16: 3e-2}[dtype]
    assert_matches_reference(dx, dx_ref, atol=atol, what="dx")
    assert_matches_reference(dw, dw_ref, atol=atol, what="dw")


@pytest.mark.metal
def test_grad_flows_through_a_loss() -> None:
    x, w = _inputs(33, mx.float32, batch=4)

    def loss(f: Callable[..., mx.array], x: mx.array, w: mx.array) -> mx.array:
        return (f(x, w) ** 2).sum()

    got = mx.grad(lambda x, w: loss(bwd.rms_norm, x, w), argnums=(0, 1))(x, w)
    want = mx.grad(lambda x, w: loss(fwd.rms_norm_reference, x, w), argnums=(0, 1))(x, w)
    for a, b in zip(got, want, strict=True):
        assert_matches_reference(a, b, rtol=1e-4, atol=1e-4)


@pytest.mark.metal
def test_weight_gradient_accumulates_across_many_rows() -> None:
    # 64 threadgroups add into the same dw[i]: a lost atomic update would show here.
    x, w = _inputs(31, mx.float32, batch=64)
    g = mx.ones(x.shape)
    _, dw = bwd.rms_norm_backward(x, w, g, 1e-5)
    r = mx.rsqrt(mx.mean(x * x, axis=-1, keepdims=True) + 1e-5)
    assert_matches_reference(dw, (x * r).sum(axis=0), rtol=1e-5, atol=1e-5)


@pytest.mark.metal
def test_kernels_are_built_once() -> None:
    assert fwd.rms_norm_kernel() is fwd.rms_norm_kernel()
    assert bwd.rms_norm_vjp_kernel() is bwd.rms_norm_vjp_kernel()


# --- bad input: clear errors before anything reaches the GPU -----------------------------


@pytest.mark.parametrize("dtype", [mx.int32, mx.bool_, mx.complex64], ids=str)
def test_rejects_non_float_dtypes(dtype: mx.Dtype) -> None:
    x = mx.zeros((2, 8), dtype=dtype)
    with pytest.raises(TypeError, match=r"`x` has dtype .*; expected float32, float16"):
        bwd.rms_norm(x, mx.zeros((8,), dtype=dtype))


def test_rejects_mixed_dtypes() -> None:
    with pytest.raises(TypeError, match="dtypes differ: x is mlx.core.float32, weight is"):
        bwd.rms_norm(mx.zeros((2, 8)), mx.zeros((8,), dtype=mx.float16))


@pytest.mark.parametrize(
    ("x_shape", "w_shape"), [((2, 8), (9,)), ((2, 8), (2, 8)), ((), (1,)), ((8,), ())]
)
def test_rejects_shapes_that_do_not_fit(x_shape: tuple[int, ...], w_shape: tuple[int, ...]) -> None:
    with pytest.raises(ValueError, match=r"expected x of shape \(\.\.\., n\) and weight"):
        bwd.rms_norm(mx.zeros(x_shape), mx.zeros(w_shape))


def test_rejects_empty_input_and_bad_eps() -> None:
    with pytest.raises(ValueError, match="`x` has no elements"):
        bwd.rms_norm(mx.zeros((0, 8)), mx.zeros((8,)))
    with pytest.raises(ValueError, match="`eps` must be positive"):
        bwd.rms_norm(mx.zeros((2, 8)), mx.zeros((8,)), eps=0.0)


def test_rejects_non_arrays() -> None:
    with pytest.raises(TypeError, match="`weight` must be an mx.array, got list"):
        bwd.rms_norm(mx.zeros((1, 2)), [1.0, 2.0])  # type: ignore[arg-type]


def test_rejects_more_rows_than_the_grid_can_hold() -> None:
    rows = (2**31 - 1) // fwd.THREADS_PER_ROW + 1
    huge = mx.broadcast_to(mx.array([[1.0]]), (rows, 1))  # lazy: nothing allocated
    with pytest.raises(ValueError, match="too many rows"):
        fwd.rms_norm_forward(huge, mx.ones((1,)))
