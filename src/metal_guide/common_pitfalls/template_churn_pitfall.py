"""Pitfall: a template argument that changes with every call."""

# --8<-- [start:broken]
import mlx.core as mx

row_sum_templated = mx.fast.metal_kernel(
    name="pitfall_row_sum_templated", input_names=["x"], output_names=["out"],
    source="""
        uint r = thread_position_in_grid.x;
        float acc = 0.0f;
        for (int j = 0; j < N; ++j) {  // N is a template argument
            acc += x[r * N + j];
        }
        out[r] = acc;
    """,
)  # fmt: skip


def broken(x: mx.array) -> mx.array:
    # A new N is a new source: one compilation per distinct row length.
    return row_sum_templated(inputs=[x], output_shapes=[(x.shape[0],)],
                             output_dtypes=[mx.float32], grid=(x.shape[0], 1, 1),
                             threadgroup=(32, 1, 1),
                             template=[("N", x.shape[1])])[0]  # fmt: skip
# --8<-- [end:broken]

# --8<-- [start:fixed]
row_sum = mx.fast.metal_kernel(
    name="pitfall_row_sum", input_names=["x"], output_names=["out"],
    source="""
        uint r = thread_position_in_grid.x;
        int n = x_shape[1];  // read at run time: one kernel for every length
        float acc = 0.0f;
        for (int j = 0; j < n; ++j) {
            acc += x[r * n + j];
        }
        out[r] = acc;
    """,
)  # fmt: skip


def fixed(x: mx.array) -> mx.array:
    return row_sum(inputs=[x], output_shapes=[(x.shape[0],)],
                   output_dtypes=[mx.float32], grid=(x.shape[0], 1, 1),
                   threadgroup=(32, 1, 1))[0]  # fmt: skip
# --8<-- [end:fixed]


if __name__ == "__main__":
    for n in (8, 9, 10):
        x = mx.ones((4, n))
        assert mx.array_equal(broken(x), fixed(x))
