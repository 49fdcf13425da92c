"""The complete-source blocks are what MLX generates now, and every one is on a page."""

from __future__ import annotations

import mlx.core as mx
import pytest
from conftest import REPO_ROOT

from metal_guide.site import compiled_source as cs


@pytest.mark.parametrize("block", cs.BLOCKS, ids=lambda b: b.name)
def test_block_matches_what_mlx_generates(block: cs.CompiledBlock) -> None:
    stored = block.path.read_text(encoding="utf-8")
    assert cs.render(block) == stored, (
        f"{block.path.name} drifted from what MLX {mx.__version__} generates; review, then run "
        "`python -m metal_guide.site.compiled_source --write`"
    )


@pytest.mark.parametrize("block", cs.BLOCKS, ids=lambda b: b.name)
def test_block_is_included_by_a_page(block: cs.CompiledBlock) -> None:
    include = f'--8<-- "compiled/{block.name}.md"'
    pages = [p for p in (REPO_ROOT / "docs").rglob("*.md") if include in p.read_text()]
    assert pages, f"no page includes {include}"


def test_every_snippet_file_has_a_block() -> None:
    assert {p.name for p in cs.SNIPPETS.glob("*.md")} == {b.path.name for b in cs.BLOCKS}


def test_source_is_the_modules_kernel_in_every_dtype() -> None:
    """The captured source really is the kernel body of the module, once per dtype."""
    block = cs.BLOCKS[0]
    body = cs.load_fresh(block.module)["SWIGLU_SOURCE"].strip().splitlines()[0].strip()
    text = block.path.read_text(encoding="utf-8")
    assert text.count(body) == len(block.dtypes)
    for ctype in ("float", "float16_t", "bfloat16_t"):
        assert f"const device {ctype}* gate [[buffer(0)]]" in text


def test_capture_uses_mlx_even_when_metalsim_is_installed() -> None:
    """The block must show MLX's generator output, never the emulator's."""
    before = mx.fast.metal_kernel
    with cs.verbose_mlx_kernels():
        assert mx.fast.metal_kernel is not before
    assert mx.fast.metal_kernel is before
