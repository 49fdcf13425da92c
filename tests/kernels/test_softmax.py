"""softmax (three-pass and online) and its VJP against the reference."""

from __future__ import annotations

import mlx.core as mx
import pytest

from metal_guide.kernels.softmax import softmax, softmax_reference
from metal_guide.kernels.testing import assert_matches_reference

from .conftest import (
    AWKWARD_LENGTHS,
    FLOAT_DTYPES,
    SCHEDULE_LENGTHS,
    SCHEDULES,
    dtype_id,
    rows,
    schedule,
)

VARIANTS = [pytest.param(False, id="three-pass"), pytest.param(True, id="online")]


@pytest.mark.metal
@pytest.mark.parametrize("online", VARIANTS)
@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=dtype_id)
@pytest.mark.parametrize("n", AWKWARD_LENGTHS)
def test_matches_reference(online: bool, dtype: mx.Dtype, n: int) -> None:
    x = rows(n, dtype, scale=4.0)
    assert_matches_reference(softmax(x, online=online), softmax_reference(x), what=f"n={n}")


@pytest.mark.metal
@pytest.mark.parametrize("online", VARIANTS)
def test_large_and_masked_logits(online: bool) -> None:
    # exp(1000) overflows float32: only a max-subtracting softmax survives. -inf entries
    # (a causal mask) must give exactly 0 without NaNs, also for the online rescaling.
    x = rows(1000, mx.float32, scale=300.0)
    x = mx.where(mx.arange(1000) % 3 == 0, mx.array(-mx.inf), x)
    y = softmax(x, online=online)
    assert not mx.isnan(y).any()
    assert_matches_reference(y, softmax_reference(x))


@pytest.mark.metal
def test_default_picks_the_online_kernel_for_long_rows() -> None:
    x = rows(4097, mx.float32)
    assert mx.array_equal(softmax(x), softmax(x, online=True))
    assert not mx.array_equal(softmax(x), softmax(x, online=False))


@pytest.mark.metal
@pytest.mark.parametrize("online", VARIANTS)
@pytest.mark.parametrize("name", SCHEDULES)
@pytest.mark.parametrize("n", SCHEDULE_LENGTHS)
def test_same_bits_under_every_schedule(online: bool, name: str, n: int) -> None:
    x = rows(n, mx.float32)
    g = rows(n, mx.float32, seed=1)
    forward = softmax(x, online=online)
    forward_grad = mx.vjp(lambda a: softmax(a, online=online), [x], [g])[1][0]
    with schedule(name):
        assert mx.array_equal(softmax(x, online=online), forward)
        grad = mx.vjp(lambda a: softmax(a, online=online), [x], [g])[1][0]
        assert mx.array_equal(grad, forward_grad)


@pytest.mark.metal
@pytest.mark.parametrize(
    ("dtype", "n"),
    [*((mx.float32, n) for n in AWKWARD_LENGTHS), (mx.float16, 33), (mx.bfloat16, 1000)],
    ids=str,
)
def test_gradient_matches_vjp_of_reference(dtype: mx.Dtype, n: int) -> None:
    x = rows(n, dtype, scale=2.0)
    g = rows(n, dtype, seed=1)
    (out,), (dx,) = mx.vjp(softmax, [x], [g])
    _, (expected,) = mx.vjp(softmax_reference, [x], [g])
    assert_matches_reference(out, softmax_reference(x))
    assert_matches_reference(dx, expected, what=f"dx, n={n}")


@pytest.mark.metal
def test_grad_calls_the_vjp_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    # unsloth-zoo#754: a custom VJP that is never called still gives *a* gradient
    # (MLX's own, through the ops) - so check that ours runs.
    from metal_guide.kernels import softmax as module

    calls: list[int] = []
    real = module._launch_rows

    def counting(kernel, arrays, like):  # type: ignore[no-untyped-def]
        calls.append(len(arrays))
        return real(kernel, arrays, like)

    monkeypatch.setattr(module, "_launch_rows", counting)
    x = rows(33, mx.float32)
    mx.eval(mx.grad(lambda a: (softmax(a) * a).sum())(x))
    assert calls == [1, 2]  # forward kernel (x), then the VJP kernel (y, g)


def test_rejects_bad_input() -> None:
    with pytest.raises(TypeError, match="`x` has dtype int32"):
        softmax(mx.zeros((4,), dtype=mx.int32))
    with pytest.raises(ValueError, match=r"`x` has 0 dimension\(s\); expected at least 1"):
        softmax(mx.array(1.0))
    with pytest.raises(ValueError, match="`x` is empty"):
        softmax(mx.zeros((0, 8)))
