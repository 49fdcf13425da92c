"""Testing on Linux: a spin-wait that never ends is stopped by the watchdog.

The only thread waits for a flag nobody sets. On a GPU that hangs the queue; metalsim's watchdog
ends the launch with an error after ``watchdog_seconds`` (60 s by default, 0 turns it off).
"""

# --8<-- [start:kernel]
import time

import mlx.core as mx

import metalsim

wait_forever = metalsim.metal_kernel(
    name="wait_forever",
    input_names=[],
    output_names=["flag"],
    source="""
        while (atomic_load_explicit(&flag[0], memory_order_relaxed) == 0) {
            // spin until another thread sets the flag (none ever does)
        }
    """,
    atomic_outputs=True,
)
call = dict(inputs=[], output_shapes=[(1,)], output_dtypes=[mx.int32],
            grid=(1, 1, 1), threadgroup=(1, 1, 1), init_value=0)  # fmt: skip
# --8<-- [end:kernel]


if __name__ == "__main__":
    # --8<-- [start:watchdog]
    start = time.perf_counter()
    with metalsim.settings(watchdog_seconds=0.5):
        try:
            wait_forever(**call)
        except metalsim.KernelRuntimeError as e:
            print(e)
    print(f"stopped after {time.perf_counter() - start:.1f} s")
    # --8<-- [end:watchdog]
