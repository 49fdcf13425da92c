"""Pitfall: one kernel fed different dtypes from call to call (mlx#3347, mlx-swift-lm#317)."""

# --8<-- [start:kernel]
import mlx.core as mx

decay = mx.fast.metal_kernel(
    name="pitfall_decay",
    input_names=["state", "gate"],
    output_names=["out"],
    source="""
        uint i = thread_position_in_grid.x;
        out[i] = state[i] * gate[i];  // generated for the dtypes of this call
    """,
)


def step(state: mx.array, gate: mx.array) -> mx.array:
    return decay(inputs=[state, gate], output_shapes=[state.shape],
                 output_dtypes=[mx.float32], grid=(state.size, 1, 1),
                 threadgroup=(256, 1, 1))[0]  # fmt: skip
# --8<-- [end:kernel]


# --8<-- [start:broken]
def broken(state: mx.array, gates: list[mx.array]) -> mx.array:
    # The first gate comes from a bfloat16 model, later ones are float32:
    # every new dtype combination is a new kernel source, compiled again.
    for gate in gates:
        state = step(state, gate)
    return state
# --8<-- [end:broken]


# --8<-- [start:fixed]
def fixed(state: mx.array, gates: list[mx.array]) -> mx.array:
    for gate in gates:
        state = step(state, gate.astype(mx.float32))  # one dtype, one kernel
    return state
# --8<-- [end:fixed]


if __name__ == "__main__":
    s = mx.ones((64,))
    gates = [mx.full((64,), 0.5, mx.bfloat16), mx.full((64,), 0.5, mx.float32)]
    assert mx.allclose(broken(s, gates), fixed(s, gates))
