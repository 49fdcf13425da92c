"""Pitfall: a hand-written kernel where `mx.compile` does as well (xgrammar#287)."""

# --8<-- [start:broken]
import mlx.core as mx

apply_bitmask_kernel = mx.fast.metal_kernel(
    name="pitfall_apply_bitmask", input_names=["logits", "bitmask"],
    output_names=["out"],
    source="""
        uint i = thread_position_in_grid.x;
        bool keep = (bitmask[i / 32] >> (i % 32)) & 1;
        out[i] = keep ? logits[i] : -INFINITY;
    """,
)  # fmt: skip


def broken(logits: mx.array, bitmask: mx.array) -> mx.array:
    return apply_bitmask_kernel(inputs=[logits, bitmask],
                                output_shapes=[logits.shape],
                                output_dtypes=[logits.dtype],
                                grid=(logits.size, 1, 1),
                                threadgroup=(256, 1, 1))[0]  # fmt: skip
# --8<-- [end:broken]


# --8<-- [start:fixed]
@mx.compile
def fixed(logits: mx.array, bitmask: mx.array) -> mx.array:
    bits = mx.right_shift(bitmask[:, None], mx.arange(32, dtype=mx.int32)) & 1
    keep = bits.reshape(-1)[: logits.size].astype(mx.bool_)
    return mx.where(keep, logits, -mx.inf)
# --8<-- [end:fixed]


if __name__ == "__main__":
    logits = mx.random.normal((1000,), key=mx.random.key(0))
    bitmask = mx.random.randint(-(2**31), 2**31 - 1, (32,), dtype=mx.int32,
                                key=mx.random.key(1))  # fmt: skip
    assert mx.array_equal(broken(logits, bitmask), fixed(logits, bitmask))
