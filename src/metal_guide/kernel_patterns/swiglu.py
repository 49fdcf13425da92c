"""Metal kernel patterns, a finished element-wise kernel: a validated, cached SwiGLU gate for MLX.

``swiglu(gate, up)`` returns ``silu(gate) * up``. Compared with ``first_kernel``, it

- lets each thread process ``ELEMENTS_PER_THREAD`` elements, with a bounds check for the tail;
- builds its kernel lazily, once, through ``functools.cache``;
- rejects bad input with ``TypeError``/``ValueError`` before anything reaches the GPU.
"""

# --8<-- [start:kernel]
import functools
from collections.abc import Callable

import mlx.core as mx

ELEMENTS_PER_THREAD = 4
THREADGROUP_SIZE = 256

# Each thread handles up to N elements spaced one grid apart (a grid-stride
# layout). The grid is rounded up to whole threads, so the last threads have
# fewer than N elements: hence the check.
SWIGLU_SOURCE = """
    uint stride = threads_per_grid.x;
    for (uint k = 0; k < N; ++k) {
        uint i = thread_position_in_grid.x + k * stride;
        if (i >= size) {
            break;
        }
        float g = float(gate[i]);
        out[i] = T(g / (1.0f + metal::exp(-g)) * float(up[i]));
    }
"""


@functools.cache
def swiglu_kernel() -> Callable[..., list[mx.array]]:
    """Build the kernel on first use; every later call returns the same object."""
    return mx.fast.metal_kernel(
        name="patterns_swiglu_n",
        input_names=["gate", "up", "size"],
        output_names=["out"],
        source=SWIGLU_SOURCE,
    )


# --8<-- [end:kernel]


# --8<-- [start:validate]
FLOAT_DTYPES = (mx.float32, mx.float16, mx.bfloat16)
# thread_position_in_grid and the loop index are 32-bit unsigned in the kernel.
MAX_ELEMENTS = 2**32 - 1


def check_swiglu_inputs(gate: mx.array, up: mx.array) -> None:
    """Raise TypeError or ValueError, naming the problem, for bad input."""
    for name, x in (("gate", gate), ("up", up)):
        if not isinstance(x, mx.array):
            raise TypeError(
                f"swiglu: `{name}` must be an mx.array, got {type(x).__name__}"
            )
        if x.dtype not in FLOAT_DTYPES:
            raise TypeError(
                f"swiglu: `{name}` has dtype {x.dtype}; "
                "expected float32, float16 or bfloat16"
            )
    if gate.dtype != up.dtype:
        raise TypeError(
            f"swiglu: dtypes differ: gate is {gate.dtype}, up is {up.dtype}"
        )
    if gate.shape != up.shape:
        raise ValueError(
            f"swiglu: shapes differ: gate {gate.shape}, up {up.shape} "
            "(broadcast explicitly with mx.broadcast_to if that is what you want)"
        )
    if gate.size > MAX_ELEMENTS:
        raise ValueError(
            f"swiglu: {gate.size} elements is more than this kernel's limit of "
            f"{MAX_ELEMENTS} (2**32 - 1); split the input"
        )


# --8<-- [end:validate]


# --8<-- [start:launch]
def swiglu(gate: mx.array, up: mx.array) -> mx.array:
    """silu(gate) * up for float32, float16 or bfloat16 arrays of one shape."""
    check_swiglu_inputs(gate, up)
    if gate.size == 0:
        # Nothing to compute, and MLX does not reject a zero-sized grid itself.
        return mx.zeros(gate.shape, dtype=gate.dtype)
    if gate.ndim == 0:
        # A 0-d input would be passed as a reference (`const constant T&`),
        # which can't be indexed; run it as a 1-element array instead.
        return swiglu(gate.reshape(1), up.reshape(1)).reshape(())

    threads = -(-gate.size // ELEMENTS_PER_THREAD)  # ceil(size / N)
    (out,) = swiglu_kernel()(
        inputs=[gate, up, mx.array(gate.size, dtype=mx.uint32)],
        template=[("T", gate.dtype), ("N", ELEMENTS_PER_THREAD)],
        grid=(threads, 1, 1),
        threadgroup=(THREADGROUP_SIZE, 1, 1),
        output_shapes=[gate.shape],
        output_dtypes=[gate.dtype],
    )
    return out


# --8<-- [end:launch]


# --8<-- [start:reference]
def swiglu_reference(gate: mx.array, up: mx.array) -> mx.array:
    """The same function in plain MLX, in float32, rounded once at the end."""
    g = gate.astype(mx.float32)
    u = up.astype(mx.float32)
    return (g * mx.sigmoid(g) * u).astype(gate.dtype)


# --8<-- [end:reference]


if __name__ == "__main__":
    # --8<-- [start:demo]
    x = mx.random.normal((3, 341)).astype(mx.bfloat16)
    y = mx.random.normal((3, 341)).astype(mx.bfloat16)
    print(swiglu(x, y)[0, :4])
    # --8<-- [end:demo]
