"""Checks only the emulator can make: every output element written, no out-of-bounds access.

On a GPU, a missing bounds check or an unwritten tail can go unnoticed (the stray reads and
writes land in allocator slack, the unwritten elements hold old data that may even look right).
metalsim poisons outputs and can rerun a call under AddressSanitizer, so these tests catch both.
They run only when metalsim is the active ``mx.fast.metal_kernel``.
"""

from __future__ import annotations

from typing import Any

import mlx.core as mx
import pytest

from metal_guide.kernel_patterns import swiglu as module

metalsim = pytest.importorskip("metalsim")
diagnostics = pytest.importorskip("metalsim.diagnostics")

pytestmark = pytest.mark.metal

SHAPES = [(1,), (31,), (33,), (1000,), (256 * 4 + 3,), (37, 29)]


@pytest.fixture(autouse=True)
def _emulated() -> None:
    if not metalsim.is_installed():
        pytest.skip("emulator-only checks: metalsim is not the active mx.fast.metal_kernel")
    module.swiglu_kernel.cache_clear()  # build with the emulator, whatever ran before


def recorded_call(shape: tuple[int, ...], dtype: mx.Dtype = mx.float32) -> dict[str, Any]:
    """The keyword arguments `swiglu()` really passes to its kernel for this input."""
    calls: list[dict[str, Any]] = []
    kernel = module.swiglu_kernel()

    def recording(**kwargs: Any) -> list[mx.array]:
        calls.append(kwargs)
        return kernel(**kwargs)

    gate = mx.random.normal(shape).astype(dtype)
    up = mx.random.normal(shape).astype(dtype)
    original = module.swiglu_kernel
    module.swiglu_kernel = lambda: recording  # type: ignore[assignment]
    try:
        mx.eval(module.swiglu(gate, up))
    finally:
        module.swiglu_kernel = original
    (call,) = calls
    return call


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("dtype", [mx.float32, mx.bfloat16], ids=str)
def test_every_output_element_is_written(shape: tuple[int, ...], dtype: mx.Dtype) -> None:
    report = diagnostics.unwritten_outputs(module.swiglu_kernel(), **recorded_call(shape, dtype))
    assert not report, str(report)


def test_the_unwritten_check_can_fail() -> None:
    call = recorded_call((1027,))
    threads = call["grid"][0] - 1  # one thread short: only 4 * threads elements are covered
    call["grid"] = (threads, 1, 1)
    report = diagnostics.unwritten_outputs(module.swiglu_kernel(), **call)
    assert report and report.outputs[0].count == 1027 - 4 * threads, str(report)


def _asan(kernel: Any, call: dict[str, Any]) -> Any:
    try:
        return diagnostics.run_with_asan(kernel, **call)
    except metalsim.ToolchainError as exc:
        pytest.skip(f"AddressSanitizer toolchain not available: {exc}")


@pytest.mark.parametrize("shape", [(33,), (256 * 4 + 3,)], ids=str)
def test_no_out_of_bounds_access(shape: tuple[int, ...]) -> None:
    report = _asan(module.swiglu_kernel(), recorded_call(shape))
    assert not report, str(report)
    assert report.outputs is not None


def test_asan_catches_a_missing_bounds_check() -> None:
    check = "if (i >= size) {\n            break;\n        }"
    assert check in module.SWIGLU_SOURCE
    unchecked = mx.fast.metal_kernel(
        name="patterns_swiglu_unchecked",
        input_names=["gate", "up", "size"],
        output_names=["out"],
        source=module.SWIGLU_SOURCE.replace(check, ""),
    )
    report = _asan(unchecked, recorded_call((256 * 4 + 3,)))
    assert report.error == "heap-buffer-overflow", str(report)
