"""The page's claims that are not a PyTorch/MLX pair, and its shape."""

from __future__ import annotations

from pathlib import Path

import mlx.core as mx
import mlx.nn as nn
import pytest
from conftest import REPO_ROOT
from tests.quick_start.page_checks import too_long_shown_lines

from metal_guide.pytorch_to_mlx import boolean_masks

PAGE = REPO_ROOT / "docs" / "guides" / "pytorch-to-mlx.md"


def test_mx_save_writes_one_array_not_a_tree(tmp_path: Path) -> None:
    with pytest.raises(TypeError):
        mx.save(str(tmp_path / "tree.npy"), {"a": mx.zeros(2)})  # type: ignore[arg-type]
    mx.savez(str(tmp_path / "tree.npz"), a=mx.zeros(2))
    assert set(mx.load(str(tmp_path / "tree.npz"))) == {"a"}


def test_module_state_is_a_property() -> None:
    state = nn.Linear(2, 2).state
    assert not callable(state) or isinstance(state, nn.Module)
    assert "weight" in state


def test_no_in_place_method_family() -> None:
    assert not hasattr(mx.zeros(2), "add_")


def test_the_page_is_complete_and_uses_tabs() -> None:
    text = PAGE.read_text()
    assert "Status: planned" not in text
    assert text.count("/// tab | PyTorch") == text.count("/// tab | MLX") >= 10


def test_shown_code_fits_without_sideways_scrolling() -> None:
    assert not too_long_shown_lines("pytorch_to_mlx")


def test_mlx_cannot_read_with_a_boolean_mask() -> None:
    x = mx.array(boolean_masks.VALUES)
    with pytest.raises(ValueError, match="boolean"):
        x[x > 0]
