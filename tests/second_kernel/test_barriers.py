"""Under metalsim: the correct kernels are schedule-independent and pass strict barriers; the
two broken variants on the page are caught."""

from __future__ import annotations

import mlx.core as mx
import pytest

from metal_guide.second_kernel import rms_norm as fwd
from metal_guide.second_kernel import rms_norm_vjp as bwd

metalsim = pytest.importorskip("metalsim")
pytestmark = pytest.mark.metal


def _emulated(name: str, source: str, inputs: list[str], outputs: list[str], **kw: object):
    return metalsim.metal_kernel(
        name=name, input_names=inputs, output_names=outputs, source=source, **kw
    )


def _forward_call(rows: int, n: int) -> dict[str, object]:
    x = mx.random.normal((rows, n), key=mx.random.key(n))
    return dict(
        inputs=[x, mx.ones((n,)), mx.array(n, dtype=mx.uint32), mx.array(1e-5)],
        template=[("T", mx.float32)],
        grid=(rows * fwd.THREADS_PER_ROW, 1, 1),
        threadgroup=(fwd.THREADS_PER_ROW, 1, 1),
        output_shapes=[x.shape],
        output_dtypes=[x.dtype],
    )


@pytest.mark.parametrize("n", [31, 1000])
def test_forward_is_schedule_independent_and_strict_clean(n: int) -> None:
    inputs = ["x", "weight", "n", "eps"]
    kernel = _emulated("second_kernel_rms_norm", fwd.RMS_NORM_SOURCE, inputs, ["y"])
    call = _forward_call(2, n)
    assert not metalsim.diagnostics.compare_schedules(kernel, **call)
    with metalsim.settings(strict_barriers=True, schedule="reverse"):
        mx.eval(kernel(**call))


def test_vjp_is_schedule_independent_up_to_atomic_order() -> None:
    kernel = _emulated(
        "second_kernel_rms_norm_vjp", bwd.RMS_NORM_VJP_SOURCE, ["x", "weight", "g", "n", "eps"],
        ["dx", "dw"], atomic_outputs=True,
    )  # fmt: skip
    call = _forward_call(4, 100)
    x = call["inputs"][0]
    call["inputs"] = [x, mx.ones((100,)), mx.ones_like(x), *call["inputs"][2:]]
    call.update(output_shapes=[x.shape, (100,)], output_dtypes=[mx.float32] * 2, init_value=0)
    # The same name and source as the library's kernel: one compile serves both.
    # Float atomic adds may land in any order: compare with a tolerance.
    assert not metalsim.diagnostics.compare_schedules(kernel, rtol=1e-6, atol=1e-6, **call)
    with metalsim.settings(strict_barriers=True):
        mx.eval(kernel(**call))


def test_the_page_examples_are_caught(capsys: pytest.CaptureFixture[str]) -> None:
    import runpy

    runpy.run_module("metal_guide.second_kernel.barrier_bugs", run_name="__main__")
    printed = capsys.readouterr().out
    assert "depends on the thread schedule" in printed
    assert "barrier not reached by all threads" in printed
