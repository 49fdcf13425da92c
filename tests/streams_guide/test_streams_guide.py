"""The practical streams examples (GPU code runs on a CPU stream where MLX has no GPU)."""

from __future__ import annotations

import threading

import mlx.core as mx
import numpy as np
import pytest

from metal_guide.streams_guide import broken, overlap, prefetch, rng, server


def test_overlapped_pipeline_gives_the_serial_answers() -> None:
    rng_np = np.random.default_rng(0)
    batches = [rng_np.standard_normal((n, 32), dtype=np.float32) for n in (1, 31, 33, 100)]
    weights = mx.random.normal((32, 5), key=mx.random.key(3))
    assert overlap.classify(batches, weights) == overlap.classify_serially(batches, weights)
    assert overlap.classify([], weights) == []


def test_prefetch_yields_every_item_in_order() -> None:
    loaded: list[int] = []

    def load(i: object) -> mx.array:
        loaded.append(int(i))  # type: ignore[arg-type]
        return mx.array([int(i)]) * 10  # type: ignore[arg-type]

    out = []
    for batch in prefetch.prefetched(range(4), load):
        out.append(batch.item())
        assert len(loaded) == min(len(out) + 1, 4)  # exactly one batch ahead
    assert out == [0, 10, 20, 30]
    assert list(prefetch.prefetched([], load)) == []


def test_prefetch_example_matches_plain_loading() -> None:
    totals = prefetch.consume()
    assert totals == pytest.approx([prefetch.load_batch(i).sum().item() for i in range(5)])


def test_server_answers_every_client_thread() -> None:
    answers = server.serve_from_threads()
    weights = mx.random.normal((16, 4), key=mx.random.key(1))
    for i, row in enumerate(answers):
        expected = (mx.full((16,), i, dtype=mx.float32) @ weights).tolist()
        assert row == pytest.approx(expected, rel=1e-5, abs=1e-5)


def test_server_delivers_model_errors_to_the_caller() -> None:
    srv = server.ModelServer(server.build_linear)
    try:
        bad = srv.submit(np.ones((2, 3), dtype=np.float32))  # wrong inner dimension
        with pytest.raises(ValueError, match="matmul"):
            bad.result(timeout=60)
        ok = srv.submit(np.ones((1, 16), dtype=np.float32))  # the server survives
        assert ok.result(timeout=60).shape == (1, 4)
    finally:
        srv.close()
    assert not any(t.name == "model-owner" for t in threading.enumerate())


def test_keys_make_draws_independent_of_threads() -> None:
    in_order, from_threads = rng.with_keys()
    assert in_order == from_threads
    assert len({tuple(v) for v in in_order}) == 4  # split keys give different draws


def test_import_time_stream_breaks_with_mlx_message() -> None:
    message = broken.import_time_stream()
    kind = "gpu" if mx.is_available(mx.DeviceType.gpu) else "cpu"
    assert message.startswith(f"RuntimeError: There is no Stream({kind}, ")
    assert message.endswith(") in current thread.")


def test_wrong_calls_give_type_errors() -> None:
    new_stream, default_device = broken.wrong_calls()
    assert new_stream.startswith("TypeError: new_stream(): incompatible function arguments.")
    assert "new_stream(device: Device | DeviceType) -> Stream" in new_stream
    assert default_device.startswith("TypeError: default_device(): incompatible function")
    assert "default_device() -> mlx.core.Device" in default_device


def test_the_page_output_is_what_the_code_prints(capsys: pytest.CaptureFixture[str]) -> None:
    from tests.site.docsupport import REPO_ROOT

    capsys.readouterr()
    broken.wrong_calls()
    shown = REPO_ROOT / "src/metal_guide/streams_guide/_output/wrong_calls.txt"
    assert capsys.readouterr().out == shown.read_text()  # regenerate: tools/streams_figures.py


def test_overlap_check_records_both_threads() -> None:
    from metal_guide.streams_guide import check_overlap

    spans = check_overlap.two_threads().spans
    assert sorted(s.label for s in spans) == ["A", "B"]
    assert {s.thread for s in spans} == {"A", "B"}
    assert spans[0].stream != spans[1].stream  # a thread-local stream is one stream per thread
