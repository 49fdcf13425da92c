"""Patterns that break, and the messages they give on MLX 0.32."""

from __future__ import annotations

# --8<-- [start:error-of]
import threading

import mlx.core as mx


def error_of(fn: object, *args: object) -> str:
    """`"ExceptionType: message"` for what `fn(*args)` raises (on this thread)."""
    try:
        fn(*args)  # type: ignore[operator]
    except Exception as e:  # noqa: BLE001 - the message is the result
        return f"{type(e).__name__}: {e}"
    raise AssertionError("expected an exception")
    # --8<-- [end:error-of]


def import_time_stream() -> str:
    # --8<-- [start:import-time-stream]
    STREAM = mx.new_stream(mx.gpu)  # e.g. at module level, on the main thread

    def handle_request(x: mx.array) -> mx.array:
        with mx.stream(STREAM):
            y = x * 2
        mx.eval(y)  # on a request thread: not this thread's stream
        return y

    seen: list[str] = []
    x = mx.ones((4,))
    mx.eval(x)
    t = threading.Thread(target=lambda: seen.append(error_of(handle_request, x)))
    t.start()
    t.join(timeout=30)
    print(seen[0])  # RuntimeError: There is no Stream(gpu, N) in current thread.
    # --8<-- [end:import-time-stream]
    return seen[0]


def wrong_calls() -> list[str]:
    # --8<-- [start:wrong-calls]
    def default_device_as_context() -> None:
        with mx.default_device(mx.cpu):  # a getter that takes no argument
            pass

    messages = [
        error_of(mx.new_stream),  # the device argument is required
        error_of(default_device_as_context),
    ]
    for message in messages:
        print("\n".join(message.splitlines()[:2]))
    # --8<-- [end:wrong-calls]
    return messages


if __name__ == "__main__":
    from metal_guide.timeline.gpu_mapping import cpu_if_no_gpu

    with cpu_if_no_gpu():
        import_time_stream()
        wrong_calls()
