"""Guard regions around outputs and input copies: out-of-bounds writes become errors.

Real kernels (compiler + runtime) for what a kernel author sees; the fake backend for what can't
be written in MSL without a cast (writes into an input copy) and for the sanitize path.
"""

from __future__ import annotations

import ctypes
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import mlx.core as mx
import numpy as np
import pytest

import metalsim
from metalsim import buffers, diagnostics, execution, launch
from metalsim.run_settings import Settings, current_settings

from .fake_backend import swap_backend


def _call(n: int, dtype: mx.Dtype = mx.float32, **extra: Any) -> dict[str, Any]:
    x = mx.arange(n).astype(dtype)
    return dict(inputs=[x], output_shapes=[(n,)], output_dtypes=[dtype],
                grid=(n, 1, 1), threadgroup=(32, 1, 1), **extra)  # fmt: skip


# --------------------------------------------------------------------------- real kernels


def test_write_one_element_past_the_end_is_an_error() -> None:
    k = metalsim.metal_kernel(
        "rz_past", ["inp"], ["out"], "uint i = thread_position_in_grid.x; out[i + 1] = inp[i];"
    )
    with pytest.raises(metalsim.KernelRuntimeError) as err:
        k(**_call(48))
    msg = str(err.value)
    assert msg.startswith("kernel `rz_past` wrote past the end of output `out`")
    assert "first bad byte at offset 192 of its 192-byte buffer" in msg
    assert "element [48] of 48" in msg
    assert "metalsim.diagnostics.run_with_asan(...)" in msg


def test_write_before_the_start_is_an_error() -> None:
    k = metalsim.metal_kernel(
        "rz_before", ["inp"], ["out"], "int i = thread_position_in_grid.x; out[i - 1] = inp[i];"
    )
    expected = r"wrote before the start of output `out` \(nearest bad byte at offset -1 "
    with pytest.raises(metalsim.KernelRuntimeError, match=expected + r".* element \[-1\] of 48\)"):
        k(**_call(48))


@pytest.mark.parametrize(
    "dtype", [mx.float32, mx.float16, mx.bfloat16, mx.int8, mx.uint32], ids=str
)
@pytest.mark.parametrize("n", [1, 31, 33, 1000])
def test_correct_kernel_no_error_and_exact_values(dtype: mx.Dtype, n: int) -> None:
    k = metalsim.metal_kernel(
        "rz_copy", ["inp"], ["out"], "uint i = thread_position_in_grid.x; out[i] = inp[i];"
    )
    call = _call(n, dtype)
    (y,) = k(**call)
    assert y.shape == (n,) and y.dtype == dtype
    assert mx.array_equal(y, call["inputs"][0])


def test_off_by_one_batch_row_is_caught_in_2d_output() -> None:
    """As in mlx-examples' encodec LSTM: a row stride of 4*H for a (B, H) output, batch 2
    (its first bad write is one whole buffer past the end)."""
    src = """
        uint b = thread_position_in_grid.y;
        uint h = thread_position_in_grid.x;
        out[b * 4 * 24 + h] = 1.0f;
    """
    k = metalsim.metal_kernel("rz_batch", [], ["out"], src)
    call = dict(inputs=[], output_shapes=[(2, 24)], output_dtypes=[mx.float32],
                grid=(24, 2, 1), threadgroup=(24, 1, 1))  # fmt: skip
    with pytest.raises(metalsim.KernelRuntimeError, match=r"element \[96\] of 48"):
        k(**call)
    (y,) = k(**{**call, "grid": (24, 1, 1)})  # batch 1 is in bounds
    assert mx.array_equal(y[0], mx.ones(24))


def test_second_output_is_named() -> None:
    src = """
        uint i = thread_position_in_grid.x;
        a[i] = inp[i];
        b[i + 2] = inp[i];
    """
    k = metalsim.metal_kernel("rz_two", ["inp"], ["a", "b"], src)
    call = _call(40)
    call.update(output_shapes=[(40,), (40,)], output_dtypes=[mx.float32, mx.float32])
    with pytest.raises(metalsim.KernelRuntimeError, match="output `b`") as err:
        k(**call)
    assert "output `a`" not in str(err.value)


def test_init_value_still_fills_and_guards_still_check() -> None:
    src = "uint i = thread_position_in_grid.x; if (i % 2 == 0) { out[i] = inp[i]; }"
    k = metalsim.metal_kernel("rz_init", ["inp"], ["out"], src)
    (y,) = k(**_call(64, init_value=7.0))
    want = mx.where(mx.arange(64) % 2 == 0, mx.arange(64).astype(mx.float32), 7.0)
    assert mx.array_equal(y, want)
    over = metalsim.metal_kernel(
        "rz_init_over", ["inp"], ["out"], "uint i = thread_position_in_grid.x; out[i + 3] = 0;"
    )
    with pytest.raises(metalsim.KernelRuntimeError, match="past the end of output `out`"):
        over(**_call(64, init_value=7.0))


def test_atomic_accumulation_with_init_value() -> None:
    src = """
        uint i = thread_position_in_grid.x;
        atomic_fetch_add_explicit(&out[i % 4], inp[i], memory_order_relaxed);
    """
    k = metalsim.metal_kernel("rz_atomic", ["inp"], ["out"], src, atomic_outputs=True)
    call = _call(64, mx.int32, init_value=0)
    call["output_shapes"] = [(4,)]
    (y,) = k(**call)
    assert y.tolist() == [sum(range(j, 64, 4)) for j in range(4)]


def test_compare_schedules_reports_the_overflow_per_schedule() -> None:
    k = metalsim.metal_kernel(
        "rz_sched", ["inp"], ["out"], "uint i = thread_position_in_grid.x; out[i + 1] = inp[i];"
    )
    report = diagnostics.compare_schedules(k, schedules=("forward", "reverse"), **_call(40))
    assert report and set(report.errors) == {"forward", "reverse"}
    assert all("past the end of output `out`" in e for e in report.errors.values())


# --------------------------------------------------------------------------- fake backend


class Fake:
    """Writes ``plan[kernel name](args)`` into the launch arguments."""

    def __init__(self) -> None:
        self.args: list[Any] = []

    def compile(self, gen: Any, math_mode: str, sanitize: bool) -> Any:
        return gen

    def launch(self, gen: Any, args: list[Any], grid: Any, tg: Any, st: Settings) -> None:
        self.args = list(args)
        name = gen.kernel_name
        # The addresses the real runtime would hand the kernel.
        out_at, in_at = (launch._address(a, []) for a in (args[-1], args[0]))
        ctypes.memset(out_at, 0x11, args[-1].nbytes)  # every byte the kernel may write
        if "inputtail" in name:  # a `const_cast` write one element past the input copy
            ctypes.memset(in_at + args[0].nbytes, 0, 4)
        if "emptyout" in name:  # out[0] of a 0-element output
            ctypes.memset(out_at, 0, 4)


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[Fake]:
    yield from swap_backend(monkeypatch, Fake())


@pytest.mark.parametrize("shape", [(), (1,), (7,), (3, 5), (2, 3, 4)])
@pytest.mark.parametrize("dtype", [mx.bool_, mx.float16, mx.bfloat16, mx.float32, mx.complex64],
                         ids=str)  # fmt: skip
def test_outputs_are_exactly_the_buffer(fake: Fake, shape: tuple[int, ...], dtype: Any) -> None:
    k = metalsim.metal_kernel("fill", ["inp"], ["out"], "// thread_position_in_grid")
    prep = k.prepare(inputs=[mx.ones(3)], output_shapes=[shape], output_dtypes=[dtype],
                     grid=(1, 1, 1), threadgroup=(1, 1, 1))  # fmt: skip
    (out,) = execution.execute(prep)
    itemsize = out.itemsize
    size = int(np.prod(shape))
    assert out.shape == shape and out.nbytes == size * itemsize
    assert out.flags.c_contiguous and out.ctypes.data % 64 == 0
    assert fake.args[-1].nbytes == out.nbytes  # the kernel is given the buffer only
    assert (out.reshape(-1).view(np.uint8) == 0x11).all()  # no canary byte inside
    y = buffers.to_mx(out, dtype)
    assert y.shape == shape and y.dtype == dtype


def test_write_past_an_input_copy_is_named(fake: Fake) -> None:
    k = metalsim.metal_kernel("inputtail", ["inp"], ["out"], "// thread_position_in_grid")
    x = mx.arange(24, dtype=mx.float32).reshape(4, 6).T  # not row-contiguous: metalsim copies
    with pytest.raises(metalsim.KernelRuntimeError, match=r"past the end of input `inp` "
                       r"\(first bad byte at offset 96 of its 96-byte buffer"):  # fmt: skip
        k(inputs=[x], output_shapes=[(4,)], output_dtypes=[mx.float32],
          grid=(1, 1, 1), threadgroup=(1, 1, 1))  # fmt: skip


def test_empty_output_written_to(fake: Fake) -> None:
    k = metalsim.metal_kernel("emptyout", ["inp"], ["out"], "// thread_position_in_grid")
    with pytest.raises(metalsim.KernelRuntimeError, match=r"output `out`, which has no elements"):
        k(inputs=[mx.ones(2)], output_shapes=[(0, 3)], output_dtypes=[mx.float32],
          grid=(1, 1, 1), threadgroup=(1, 1, 1))  # fmt: skip


def test_no_guards_in_sanitize_mode(fake: Fake, monkeypatch: pytest.MonkeyPatch) -> None:
    """ASan must see overflows itself: a guard is valid memory to it and would hide them."""

    def refuse(*args: Any) -> None:
        raise AssertionError("guarded allocation in sanitize mode")

    monkeypatch.setattr(buffers, "guarded_empty", refuse)
    k = metalsim.metal_kernel("plain", ["inp"], ["out"], "// thread_position_in_grid")
    x = mx.arange(24, dtype=mx.float32).reshape(4, 6).T
    prep = k.prepare(inputs=[x], output_shapes=[(4,)], output_dtypes=[mx.float32],
                     grid=(1, 1, 1), threadgroup=(1, 1, 1))  # fmt: skip
    (out,) = execution.execute(prep, replace(current_settings(), sanitize=True))
    assert (out.view(np.uint8) == 0x11).all()
    with pytest.raises(AssertionError, match="guarded allocation"):
        execution.execute(prep)


@pytest.mark.parametrize(
    ("shape", "itemsize", "expected"),
    [
        ((), 4, 4096),  # at least 4 KiB
        ((0, 5), 4, 4096),
        ((2, 24), 4, 4096),
        ((1025,), 4, 8256),  # twice the buffer (8200 bytes), rounded up to 64
        ((3, 10_000), 2, 120_000),
        ((1 << 20,), 4, 256 * 1024),  # capped
    ],
)
def test_guard_size(shape: tuple[int, ...], itemsize: int, expected: int) -> None:
    assert buffers.guard_size(shape, itemsize) == expected


def test_the_advice_works_asan_finds_the_line() -> None:
    """The error says to rerun under ASan; there (no guards) the write is reported exactly."""
    src = "uint i = thread_position_in_grid.x;\nout[i + 1] = inp[i];"
    k = metalsim.metal_kernel("rz_asan", ["inp"], ["out"], src)
    try:
        report = diagnostics.run_with_asan(k, **_call(48))
    except metalsim.ToolchainError as e:
        pytest.skip(f"no AddressSanitizer toolchain: {e}")
    assert report.error == "heap-buffer-overflow", str(report)
    assert report.location is not None and report.location.startswith("<source>:2:")
    assert report.source_line == "out[i + 1] = inp[i];"
