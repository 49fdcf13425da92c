"""Production guide: "all zeros" - did the kernel run at all?

A dispatch the driver drops (an over-limit threadgroup before MLX checked it, mlx#2205 and
mlx#4018) leaves its outputs as they were: zeros, stale data or a plausible earlier answer. Fill
the outputs with a sentinel through `init_value` and count what the kernel overwrote.
"""

# --8<-- [start:check]
import mlx.core as mx


def fraction_written(kernel, **call) -> float:  # type: ignore[no-untyped-def]
    """Share of output elements the kernel wrote, using NaN as the "untouched" sentinel.

    `call` holds the usual keyword arguments of the kernel call (inputs, grid, ...).
    """
    outputs = kernel(**call, init_value=float("nan"))
    written = sum(int(mx.sum(~mx.isnan(out)).item()) for out in outputs)
    total = sum(out.size for out in outputs)
    return written / total
# --8<-- [end:check]


# --8<-- [start:example]
copy = mx.fast.metal_kernel(
    name="pg_copy", input_names=["x"], output_names=["y"],
    source="uint i = thread_position_in_grid.x; y[i] = x[i];",
)  # fmt: skip
x = mx.arange(1024, dtype=mx.float32)
# The #4534 mistake: grid=(4, 1, 1) meant "4 threadgroups", but grid counts threads.
wrong = fraction_written(copy, inputs=[x], grid=(4, 1, 1), threadgroup=(256, 1, 1),
                         output_shapes=[x.shape], output_dtypes=[x.dtype])  # fmt: skip
right = fraction_written(copy, inputs=[x], grid=(1024, 1, 1), threadgroup=(256, 1, 1),
                         output_shapes=[x.shape], output_dtypes=[x.dtype])  # fmt: skip
print(f"grid=(4, 1, 1): {wrong:.2%} written; grid=(1024, 1, 1): {right:.2%} written")
# --8<-- [end:example]
