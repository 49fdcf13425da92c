"""Devices, default streams and what MLX reports about the machine."""

from __future__ import annotations


def describe() -> dict[str, object]:
    # --8<-- [start:devices]
    import mlx.core as mx

    print(mx.default_device())  # Device(gpu, 0) on a Mac, Device(cpu, 0) on Linux
    print(mx.is_available(mx.gpu), mx.device_count(mx.gpu))
    print(mx.default_stream(mx.cpu))  # this thread's default stream of the CPU
    info = mx.device_info()  # a dict; on a Mac it includes "memory_size"
    print(info["device_name"], info["architecture"])
    # --8<-- [end:devices]
    return info


if __name__ == "__main__":
    describe()
