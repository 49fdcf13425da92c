"""Checks of ml-explore/mlx: the custom kernel documentation page and MLX's own
``test_custom_kernel_*`` tests."""

from __future__ import annotations

import sys
import unittest
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tools.ecosystem.harness import as_if_on_a_mac, load_module, rst_python_blocks
from tools.ecosystem.registry import TOLERANCE, Comparison, check, compare

DOCS_PAGE = "docs/src/dev/custom_metal_kernels.rst"


def docs_blocks(mlx_root: Path) -> dict[str, str]:
    """The code blocks of the custom kernel page, by what they define."""
    page = (mlx_root / DOCS_PAGE).read_text()
    blocks = rst_python_blocks(page)
    named: dict[str, str] = {}
    for block in blocks:
        if 'name="myexp"' in block:
            named["myexp"] = block
        elif 'name="myexp_strided"' in block:
            named["strided"] = block
        elif "def grid_sample_ref" in block:
            named["grid_sample_ref"] = block
        elif 'name="grid_sample"' in block:
            named["grid_sample"] = block
        elif 'name="grid_sample_grad"' in block:
            named["grid_sample_vjp"] = block
    return named


def run_blocks(*blocks: str) -> dict[str, Any]:
    import mlx.core as mx
    import numpy as np

    namespace: dict[str, Any] = {"mx": mx, "np": np}  # the page assumes both are imported
    for block in blocks:
        exec(compile(block, "<custom_metal_kernels.rst>", "exec"), namespace)
    return namespace


def grid_sample_inputs(dtype: Any, image_shape: tuple[int, ...] = (2, 9, 13, 3)) -> tuple[Any, Any]:
    import mlx.core as mx

    mx.random.seed(0)
    x = mx.random.normal(image_shape).astype(dtype)
    # Sample points stay inside the image, with all four neighbours in range: the page's
    # reference gathers before it masks, and an out-of-range gather reads undefined memory
    # (it gave NaN here), so border handling cannot be compared against it.
    grid = mx.random.uniform(-0.85, 0.85, (2, 5, 7, 2)).astype(dtype)
    return x, grid


def differentiable_reference(blocks: dict[str, str]) -> Callable[..., Any]:
    """The page's ``grid_sample_ref`` with its floor()ed indices wrapped in stop_gradient.

    MLX refuses to differentiate the reference's gathers with respect to their indices (a
    run-time edit of the page's text; the page itself is not changed).
    """
    ref_src = blocks["grid_sample_ref"]
    for axis in ("ix", "iy"):
        ref_src = ref_src.replace(
            f"mx.floor({axis}).astype(mx.int32)",
            f"mx.stop_gradient(mx.floor({axis}).astype(mx.int32))",
        )
    return run_blocks(ref_src)["grid_sample_ref"]


def grid_sample_with_vjp(blocks: dict[str, str]) -> Callable[..., Any]:
    """The page's ``grid_sample`` with its custom VJP attached; call inside ``as_if_on_a_mac``.

    The page rebinds the global name `kernel` to the gradient kernel. Run in one namespace,
    the forward pass would then launch the gradient kernel, so the VJP block gets a copy:
    `grid_sample` keeps its own globals, the VJP sees the new `kernel`.
    """
    ns = dict(run_blocks(blocks["grid_sample_ref"], blocks["grid_sample"]))
    exec(compile(blocks["grid_sample_vjp"], "<custom_metal_kernels.rst>", "exec"), ns)
    return ns["grid_sample"]


@check("mlx-docs-myexp", "mlx")
def mlx_docs_myexp(root: Path) -> list[Comparison]:
    with as_if_on_a_mac():
        ns = run_blocks(docs_blocks(root)["myexp"])  # the block asserts allclose itself
    return [
        compare(
            "b vs mx.exp(a) (page's own assert passed)",
            ns["b"],
            __import__("mlx.core").core.exp(ns["a"]),
            rtol=1e-2,
            atol=1e-2,
        )
    ]


@check("mlx-docs-strided", "mlx")
def mlx_docs_strided(root: Path) -> list[Comparison]:
    import mlx.core as mx

    with as_if_on_a_mac():
        ns = run_blocks(docs_blocks(root)["strided"])
    return [
        compare(
            "exp of a[::2] (page's own assert passed)",
            ns["b"],
            mx.exp(ns["a"]),
            rtol=1e-2,
            atol=1e-2,
        )
    ]


@check("mlx-docs-grid-sample", "mlx")
def mlx_docs_grid_sample(root: Path) -> list[Comparison]:
    import mlx.core as mx

    blocks = docs_blocks(root)
    out = []
    with as_if_on_a_mac():
        ns = run_blocks(blocks["grid_sample_ref"], blocks["grid_sample"])
        # Not bfloat16: the kernel computes the sampling coordinates in T, and `grid + 1`
        # rounded to bfloat16 moves the sample point by design, so no float32 reference
        # matches it to a meaningful tolerance.
        for dtype in (mx.float32, mx.float16):
            x, grid = grid_sample_inputs(dtype)
            rtol, atol = TOLERANCE[str(dtype).split(".")[-1]]
            # The page's reference gathers at out-of-range indices and masks afterwards; in
            # half precision the garbage it reads can be NaN (and NaN * 0 is NaN). So the
            # reference runs in float32 on the same rounded inputs.
            want = ns["grid_sample_ref"](x.astype(mx.float32), grid.astype(mx.float32))
            out.append(
                compare(f"forward {dtype}", ns["grid_sample"](x, grid), want, rtol=rtol, atol=atol)
            )
    return out


@check("mlx-docs-grid-sample-vjp", "mlx")
def mlx_docs_grid_sample_vjp(root: Path) -> list[Comparison]:
    import mlx.core as mx

    blocks = docs_blocks(root)
    ref = differentiable_reference(blocks)
    out = []
    with as_if_on_a_mac():
        grid_sample = grid_sample_with_vjp(blocks)
        for shape, note in (
            ((2, 8, 12, 3), ""),
            (
                (2, 9, 13, 3),
                "odd H and W: the kernel's `T gix_mult = W / 2;` and `H / 2` are integer divisions",
            ),
        ):
            x, grid = grid_sample_inputs(mx.float32, shape)
            cot = mx.random.normal((2, 5, 7, 3))
            _, (dx, dgrid) = mx.vjp(lambda a, b: grid_sample(a, b), [x, grid], [cot])
            _, (rdx, rdgrid) = mx.vjp(lambda a, b: ref(a, b), [x, grid], [cot])
            out.append(compare(f"x_grad {shape}", dx, rdx, rtol=1e-4, atol=1e-4))
            out.append(
                compare(f"grid_grad {shape}", dgrid, rdgrid, rtol=1e-3, atol=1e-3, note=note)
            )
    return out


@check("mlx-tests-custom-kernel", "mlx")
def mlx_tests_custom_kernel(root: Path) -> list[Comparison]:
    """MLX's own ``test_custom_kernel_*`` tests from python/tests/test_fast.py."""
    tests_dir = root / "python/tests"
    sys.path.insert(0, str(tests_dir))
    out = []
    with as_if_on_a_mac():
        module = load_module(tests_dir / "test_fast.py", "mlx_test_fast")
        # MLXTestCase restores the default device in tearDown; with the GPU device that is
        # impossible on a CPU-only build, and it is not what these tests check.
        module.TestFast.setUp = lambda self: None
        module.TestFast.tearDown = lambda self: None
        loader = unittest.TestLoader()
        names = sorted(n for n in dir(module.TestFast) if n.startswith("test_custom_kernel"))
        for name in names:
            result = unittest.TestResult()
            loader.loadTestsFromName(name, module.TestFast).run(result)
            problems = result.failures + result.errors
            note = problems[0][1].strip().splitlines()[-1] if problems else ""
            if result.skipped:
                note = "skipped: " + result.skipped[0][1]
            out.append(
                Comparison(
                    name,
                    0.0 if not problems else float("nan"),
                    not problems and not result.skipped,
                    note,
                )
            )
    return out
