"""Each translation runs both sides on CPU: a wrong MLX side fails against PyTorch's result."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from metal_guide.pytorch_to_mlx import (
    autograd,
    boolean_masks,
    compile_functions,
    conv_layout,
    devices_streams,
    functional_updates,
    lazy_evaluation,
    module_optimizer,
    random_keys,
    save_load,
    tensors_dtypes,
)

torch = pytest.importorskip("torch", reason="PyTorch not installed: pip install torch==2.13.0")


def _assert_same(torch_result: object, mlx_result: object) -> None:
    if isinstance(torch_result, tuple):
        assert isinstance(mlx_result, tuple) and len(mlx_result) == len(torch_result)
        for t, m in zip(torch_result, mlx_result, strict=True):
            _assert_same(t, m)
        return
    np.testing.assert_allclose(
        np.asarray(mlx_result), np.asarray(torch_result), rtol=1e-5, atol=1e-5
    )


@pytest.mark.parametrize(
    "module",
    [
        tensors_dtypes,
        lazy_evaluation,
        autograd,
        module_optimizer,
        functional_updates,
        boolean_masks,
        conv_layout,
        devices_streams,
        compile_functions,
    ],
    ids=lambda m: m.__name__.rsplit(".", 1)[-1],
)
def test_both_sides_agree(module) -> None:  # noqa: ANN001
    _assert_same(module.torch_side(), module.mlx_side())


def test_saved_weights_round_trip(tmp_path: Path) -> None:
    (tmp_path / "torch").mkdir()
    (tmp_path / "mlx").mkdir()
    torch_w = save_load.torch_side(tmp_path / "torch")
    mlx_w = save_load.mlx_side(tmp_path / "mlx")
    np.testing.assert_array_equal(mlx_w, torch_w)
    np.testing.assert_array_equal(mlx_w, np.array(save_load.WEIGHT, dtype=np.float32))


def test_same_key_same_numbers_in_both() -> None:
    # The generators differ, so the numbers differ between frameworks; each repeats itself.
    (ta, tb), (ma, mb) = random_keys.torch_side(), random_keys.mlx_side()
    np.testing.assert_array_equal(ta, tb)
    np.testing.assert_array_equal(ma, mb)
    assert ((ma >= 0) & (ma < 1)).all() and ma.shape == ta.shape


def test_the_optimizer_step_changed_the_weights() -> None:
    # Guards against a comparison that passes because neither side updated anything.
    assert not np.allclose(module_optimizer.mlx_side(), module_optimizer.WEIGHT)


def test_mlx_mask_assignment_works() -> None:
    import mlx.core as mx

    x = mx.array(boolean_masks.VALUES)
    x[x < 0] = 0.0
    np.testing.assert_array_equal(np.array(x), boolean_masks.torch_side()[1])
