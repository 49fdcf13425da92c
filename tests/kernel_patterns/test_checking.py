"""The checker must catch a wrong kernel, not only pass a right one."""

from __future__ import annotations

import mlx.core as mx
import pytest

from metal_guide.kernel_patterns import checking
from metal_guide.kernel_patterns.swiglu import swiglu_reference


def _silu_times_up_via_nn(gate: mx.array, up: mx.array) -> mx.array:
    import mlx.nn as nn

    g, u = gate.astype(mx.float32), up.astype(mx.float32)
    return (nn.silu(g) * u).astype(gate.dtype)


@pytest.mark.parametrize("dtype", list(checking.TOLERANCES), ids=str)
def test_an_independent_correct_implementation_passes(
    monkeypatch: pytest.MonkeyPatch, dtype: mx.Dtype
) -> None:
    monkeypatch.setattr(checking, "swiglu", _silu_times_up_via_nn)
    for shape in checking.AWKWARD_SHAPES:
        checking.check_swiglu(dtype, shape)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda g, u: g * mx.sigmoid(g),  # forgot `* up`
        lambda g, u: swiglu_reference(g, u) * 1.03,  # 3% off
        lambda g, u: swiglu_reference(g, u).reshape(-1),  # wrong shape
        lambda g, u: swiglu_reference(g, u).astype(  # wrong dtype
            mx.float16 if g.dtype == mx.float32 else mx.float32
        ),
        lambda g, u: mx.concatenate([swiglu_reference(g, u).reshape(-1)[:-1], mx.zeros((1,))]),
    ],
    ids=["missing-up", "scaled", "flattened", "other-dtype-out", "tail-not-written"],
)
@pytest.mark.parametrize("dtype", list(checking.TOLERANCES), ids=str)
def test_wrong_implementations_fail(
    monkeypatch: pytest.MonkeyPatch, wrong: object, dtype: mx.Dtype
) -> None:
    monkeypatch.setattr(checking, "swiglu", wrong)
    mx.random.seed(3)
    with pytest.raises(AssertionError):
        for shape in checking.AWKWARD_SHAPES[1:]:
            checking.check_swiglu(dtype, shape)


def test_tolerances_cover_the_three_float_dtypes() -> None:
    assert set(checking.TOLERANCES) == {mx.float32, mx.float16, mx.bfloat16}
