"""Quick start, step 1: a first custom Metal kernel for MLX.

The kernel fuses SwiGLU's gate, ``out = silu(gate) * up`` with ``silu(x) = x * sigmoid(x)``,
into one pass over memory. Pure MLX computes the same thing as ``gate * mx.sigmoid(gate) * up``,
which is the reference the result is checked against.

Run it as a script on a Mac (or under the metalsim emulator) to launch the kernel and check it.
"""

# --8<-- [start:build]
import mlx.core as mx

# Only the body of the kernel. MLX writes the signature around it (with `gate`,
# `up` and `out` as buffers), so the names used here must match input_names and
# output_names below. T is a template parameter, chosen at each call.
SWIGLU_SOURCE = """
    uint i = thread_position_in_grid.x;
    float g = float(gate[i]);
    float u = float(up[i]);
    out[i] = T(g / (1.0f + metal::exp(-g)) * u);
"""

# Built once, when the module is imported, and reused by every call.
swiglu_kernel = mx.fast.metal_kernel(
    name="quick_start_swiglu",
    input_names=["gate", "up"],
    output_names=["out"],
    source=SWIGLU_SOURCE,
)
# --8<-- [end:build]


# --8<-- [start:call]
def swiglu_first(gate: mx.array, up: mx.array) -> mx.array:
    """silu(gate) * up for two arrays of the same shape and floating dtype."""
    (out,) = swiglu_kernel(
        inputs=[gate, up],
        template=[("T", gate.dtype)],
        grid=(gate.size, 1, 1),  # (1)!
        threadgroup=(256, 1, 1),
        output_shapes=[gate.shape],
        output_dtypes=[gate.dtype],
    )
    return out
# --8<-- [end:call]


if __name__ == "__main__":
    # --8<-- [start:check]
    gate = mx.random.normal((1000,))
    up = mx.random.normal((1000,))

    expected = gate * mx.sigmoid(gate) * up  # the pure-MLX reference
    result = swiglu_first(gate, up)
    assert mx.allclose(result, expected, rtol=1e-5, atol=1e-6)
    print("first kernel matches the reference:", result[:4])
    # --8<-- [end:check]
