"""Pitfall: fast math and `exp(-inf)` in a masked softmax (mlx#3592)."""

# --8<-- [start:broken]
import mlx.core as mx

MASKED_EXP = """
    uint i = thread_position_in_grid.x;
    float m = row_max[0];  // -inf when every score of the row is masked
    out[i] = (m == -INFINITY) ? 0.0f : metal::exp(scores[i] - m);
"""
masked_exp_fast = mx.fast.metal_kernel(
    name="pitfall_masked_exp_fast", input_names=["scores", "row_max"],
    output_names=["out"], source=MASKED_EXP,
    compile_options={"math_mode": "fast"},  # may assume there are no infinities
)  # fmt: skip
# --8<-- [end:broken]

# --8<-- [start:fixed]
masked_exp = mx.fast.metal_kernel(
    name="pitfall_masked_exp", input_names=["scores", "row_max"],
    output_names=["out"], source=MASKED_EXP,  # default math_mode: "safe"
)  # fmt: skip
# --8<-- [end:fixed]


def run(kernel: object, scores: mx.array) -> mx.array:
    """exp(scores - max(scores)), with 0 for a fully masked row (all -inf)."""
    return kernel(inputs=[scores, scores.max(keepdims=True)],
                  output_shapes=[scores.shape], output_dtypes=[mx.float32],
                  grid=(scores.size, 1, 1), threadgroup=(32, 1, 1))[0]  # fmt: skip


if __name__ == "__main__":
    masked_row = mx.full((8,), -mx.inf)
    print(f"broken: {run(masked_exp_fast, masked_row)}")
    print(f"fixed: {run(masked_exp, masked_row)}")
