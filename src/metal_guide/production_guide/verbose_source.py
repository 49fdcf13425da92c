"""Production guide: print the source MLX compiles for a library kernel (`verbose=True`).

On a Mac, `verbose=True` prints the generated Metal source at call time. Under metalsim it prints
the same text; a test compares it with MLX's own generator.
"""

# --8<-- [start:verbose]
import mlx.core as mx

from metal_guide.kernels.reduce_sum import reduce_sum_kernel

x = mx.ones((4, 33), dtype=mx.float16)
reduce_sum_kernel()(
    inputs=[x, mx.array(33, dtype=mx.uint32)],
    template=[("T", x.dtype), ("U", x.dtype)],
    grid=(64, 4, 1), threadgroup=(64, 1, 1),
    output_shapes=[(4,)], output_dtypes=[x.dtype],
    verbose=True,  # prints "Generated source code for `mg_reduce_sum_rows`: ..."
)  # fmt: skip
# --8<-- [end:verbose]
