"""Testing on Linux: compile errors point at your kernel body, not at generated code.

The body below lacks a semicolon on its second line. metalsim compiles the source MLX would
generate and maps the compiler's locations back to ``<source>:line:column`` of the string you
passed as ``source`` (``<header>`` for ``header``).
"""

# --8<-- [start:error]
import mlx.core as mx

import metalsim

broken = metalsim.metal_kernel(
    name="broken",
    input_names=["inp"],
    output_names=["out"],
    source="""uint i = thread_position_in_grid.x;
float y = 2.0f * inp[i]
out[i] = y;""",
)
x = mx.ones(4)
try:
    broken(inputs=[x], output_shapes=[x.shape], output_dtypes=[x.dtype],
           grid=(4, 1, 1), threadgroup=(4, 1, 1))  # fmt: skip
except metalsim.MetalCompileError as e:
    print(e)  # <source>:2:24: error: expected ';' at end of declaration ...
# --8<-- [end:error]
