"""Metal kernel patterns: one cached kernel per source variant, each with its own name.

The activation is pasted into the kernel source, so every activation is a different
source text. Each gets its own ``name``: MLX caches compiled libraries by name (plus a
hash of the source since 0.32.1), and older versions could run a stale kernel when two
different sources shared one name.
"""

# --8<-- [start:variants]
import functools
from collections.abc import Callable

import mlx.core as mx

# Metal expressions of a float named x.
ACTIVATIONS = {
    "silu": "x / (1.0f + metal::exp(-x))",
    "relu": "metal::max(x, 0.0f)",
}


@functools.cache
def gated_kernel(activation: str) -> Callable[..., list[mx.array]]:
    """Build the `activation(gate) * up` kernel once per activation."""
    if activation not in ACTIVATIONS:
        raise ValueError(
            f"unknown activation {activation!r}; choose from {sorted(ACTIVATIONS)}"
        )
    source = f"""
    uint i = thread_position_in_grid.x;
    float x = float(gate[i]);
    out[i] = T(({ACTIVATIONS[activation]}) * float(up[i]));
"""
    return mx.fast.metal_kernel(
        name=f"patterns_gated_{activation}",  # a distinct name per source text
        input_names=["gate", "up"],
        output_names=["out"],
        source=source,
    )


def gated(gate: mx.array, up: mx.array, activation: str = "silu") -> mx.array:
    """activation(gate) * up, for two arrays of one shape and one float dtype, with at
    least one dimension and one element (swiglu.py shows the checks)."""
    (out,) = gated_kernel(activation)(
        inputs=[gate, up],
        template=[("T", gate.dtype)],
        grid=(gate.size, 1, 1),
        threadgroup=(256, 1, 1),
        output_shapes=[gate.shape],
        output_dtypes=[gate.dtype],
    )
    return out


# --8<-- [end:variants]


if __name__ == "__main__":
    # --8<-- [start:demo]
    assert gated_kernel("relu") is gated_kernel("relu")  # built once, then cached
    a = mx.random.normal((1000,))
    b = mx.random.normal((1000,))
    assert mx.allclose(gated(a, b, "relu"), mx.maximum(a, 0) * b)
    assert mx.allclose(gated(a, b, "silu"), a * mx.sigmoid(a) * b, rtol=1e-5, atol=1e-6)
    print(gated_kernel.cache_info())
    # --8<-- [end:demo]
