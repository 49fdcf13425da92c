"""The devices-and-streams examples. Code written for mx.gpu runs on a CPU stream where this MLX
has no GPU back-end (see the gpu-mapping line of the test report)."""

from __future__ import annotations

import mlx.core as mx
import pytest

from metal_guide.devices_and_streams import (
    cross_stream,
    devices,
    lazy_eval,
    memory,
    scoping,
    threads,
)


def stream_index(stream: mx.Stream) -> int:
    return int(repr(stream).rsplit(",", 1)[1].strip(" )"))


def no_stream_message(stream: mx.Stream) -> str:
    """MLX's exact message (mlx/backend/{cpu/encoder,metal/device}.cpp, v0.32.1)."""
    kind = "gpu" if stream.device.type == mx.DeviceType.gpu else "cpu"
    return f"There is no Stream({kind}, {stream_index(stream)}) in current thread."


def test_the_mapping_is_active_without_a_gpu() -> None:
    # This folder's code is written for mx.gpu: it must run, never be skipped, on any build.
    assert mx.is_available(mx.gpu)
    mx.eval(mx.ones((2,), stream=mx.gpu))


def test_device_info_has_the_documented_keys(capsys: pytest.CaptureFixture[str]) -> None:
    info = devices.describe()
    assert {"device_name", "architecture"} <= set(info)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == str(mx.default_device())


def test_stream_scope_is_restored_and_results_are_right() -> None:
    before = mx.default_device(), mx.default_stream(mx.default_device())
    b, c = scoping.scoped()
    assert (mx.default_device(), mx.default_stream(mx.default_device())) == before
    assert mx.allclose(b, b.T, rtol=1e-4, atol=1e-3).item()
    assert c.item() == pytest.approx(b.sum().item(), rel=1e-4)


def test_own_stream_and_set_default_device() -> None:
    assert scoping.own_stream()[-1].item() == sum(range(1000))
    before = mx.default_device()
    assert scoping.set_default() == before
    assert mx.default_device() == before


def test_default_device_is_no_context_manager() -> None:
    message = scoping.default_device_is_not_a_context_manager()
    assert "context manager" in message


def test_new_stream_needs_a_device() -> None:
    with pytest.raises(TypeError, match=r"new_stream\(device: Device \| DeviceType\)"):
        mx.new_stream()  # type: ignore[call-arg]


def test_synchronize_evaluates_nothing_and_eval_does() -> None:
    _, after_synchronize, after_eval = lazy_eval.synchronize_evaluates_nothing()
    assert after_synchronize == 0
    assert after_eval >= 4 * (1 << 20)


def test_eval_and_async_eval() -> None:
    y, z = lazy_eval.eval_and_async_eval()
    assert isinstance(y, float) and isinstance(z, float)


def test_readers_on_another_stream_see_completed_writes() -> None:
    # Repeated, with fresh streams each time: a missing dependency would show as a wrong sum.
    for n in (1, 33, 4097, 1 << 15):
        assert cross_stream.producer_consumer(n).item() == n * (n + 1) // 2
    assert cross_stream.run() == 1 << 15


def test_using_another_threads_stream_fails_with_mlx_message() -> None:
    result = threads.foreign_stream()
    assert isinstance(result, RuntimeError)
    index = int(str(result).split(", ")[1].split(")")[0])
    kind = "gpu" if mx.is_available(mx.DeviceType.gpu) else "cpu"
    assert str(result) == f"There is no Stream({kind}, {index}) in current thread."


def test_exact_message_for_a_cpu_stream_used_from_another_thread() -> None:
    main_stream = mx.new_stream(mx.DeviceType.cpu)
    x = mx.ones((3,))
    mx.eval(x)
    result = threads.on_a_thread(lambda: mx.eval(mx.add(x, 1, stream=main_stream)))
    assert isinstance(result, RuntimeError)
    assert str(result) == no_stream_message(main_stream)


def test_lazy_array_from_main_thread_fails_but_evaluated_one_is_fine() -> None:
    result = threads.lazy_from_main()
    assert isinstance(result, RuntimeError)
    assert str(result) == no_stream_message(mx.default_stream(mx.default_device()))


def test_thread_local_and_thread_unsafe_streams_work_on_any_thread() -> None:
    here, there = threads.thread_local()
    assert here == there == [0.0, 2.0, 4.0, 6.0]
    assert threads.thread_unsafe() == [10.0, 11.0, 12.0, 13.0]


def test_thread_local_stream_resolves_to_a_different_stream_per_thread() -> None:
    per_thread = mx.new_thread_local_stream(mx.DeviceType.cpu)

    def resolved() -> mx.Stream:
        with mx.stream(per_thread):
            return mx.default_stream(mx.default_device())

    assert resolved() != threads.on_a_thread(resolved)


def test_unified_memory_example() -> None:
    import numpy as np

    out = memory.unified()
    x = np.linspace(0.0, 1.0, 1024, dtype=np.float32)
    assert np.allclose(np.array(out), np.log1p(np.exp(x)), rtol=1e-5)


def test_float64_runs_on_the_cpu() -> None:
    assert memory.float64_on_cpu().dtype == mx.float64


def test_memory_counters() -> None:
    numbers = memory.counters()
    assert numbers["peak"] >= 16 * (1 << 20)
    assert numbers["cache"] == 0  # clear_cache emptied it
    assert numbers["limit"] > 0


def test_the_page_output_is_what_the_code_prints(capsys: pytest.CaptureFixture[str]) -> None:
    from tests.site.docsupport import REPO_ROOT

    capsys.readouterr()
    lazy_eval.synchronize_evaluates_nothing()
    shown = REPO_ROOT / "src/metal_guide/devices_and_streams/_output/synchronize.txt"
    assert capsys.readouterr().out == shown.read_text()  # regenerate: tools/streams_figures.py


def test_readers_see_writes_submitted_by_an_earlier_async_eval() -> None:
    # The other path in mlx/transforms.cpp: the write is already in flight (async_eval), so the
    # reader on another stream must wait on the writer's event, not on a fence.
    writer, reader = mx.new_stream(mx.gpu), mx.new_stream(mx.cpu)
    for n in (33, 4097, 1 << 15):  # the int32 sum of 1..n fits for n <= 65535
        with mx.stream(writer):
            written = mx.cumsum(mx.ones((n,), dtype=mx.int32))
        mx.async_eval(written)
        with mx.stream(reader):
            last, total = written[-1], written.sum()
        mx.eval(last, total)
        assert (last.item(), total.item()) == (n, n * (n + 1) // 2)
