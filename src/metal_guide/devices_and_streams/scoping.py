"""Choosing where operations run: `with mx.stream(...)`, `stream=`, `mx.new_stream(device)`."""

from __future__ import annotations

import mlx.core as mx


def scoped() -> tuple[mx.array, mx.array]:
    # --8<-- [start:scope]
    a = mx.random.normal((256, 256))
    with mx.stream(mx.gpu):  # default device AND default stream, restored on exit
        b = a @ a.T  # recorded for the GPU's default stream
    c = mx.sum(b, stream=mx.cpu)  # one operation on the CPU's default stream
    mx.eval(c)
    # --8<-- [end:scope]
    return b, c


def own_stream() -> mx.array:
    # --8<-- [start:new-stream]
    worker = mx.new_stream(mx.gpu)  # the device is required
    x = mx.arange(1_000, dtype=mx.float32)
    with mx.stream(worker):
        y = mx.cumsum(x)
    mx.eval(y)  # `worker` belongs to this thread: use it here only
    # --8<-- [end:new-stream]
    return y


def set_default() -> mx.Device:
    # --8<-- [start:set-default]
    before = mx.default_device()
    mx.set_default_device(mx.cpu)  # for the rest of the thread, not for a block
    try:
        z = mx.ones((4,)) * 2
        mx.eval(z)
    finally:
        mx.set_default_device(before)
    # --8<-- [end:set-default]
    return before


def default_device_is_not_a_context_manager() -> str:
    # --8<-- [start:misuse]
    try:
        with mx.default_device():  # a getter: it returns a Device
            pass
    except TypeError as e:
        message = str(e)
    print(message)
    # --8<-- [end:misuse]
    return message


if __name__ == "__main__":
    from metal_guide.timeline.gpu_mapping import cpu_if_no_gpu

    with cpu_if_no_gpu():
        print(scoped()[1].item(), own_stream()[-1].item(), set_default())
        default_device_is_not_a_context_manager()
