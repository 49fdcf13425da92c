"""Your second kernel: when does it pay off? Time it against MLX's alternatives.

Run it on a Mac for numbers that mean something; under metalsim it only checks that it runs.
"""

# --8<-- [start:compare]
import mlx.core as mx

from metal_guide.quick_start.first_kernel import measure
from metal_guide.second_kernel.rms_norm import rms_norm_forward, rms_norm_reference

# A realistic size on a Mac; a small one under the emulator, whose times mean nothing.
rows, n = (8192, 4096) if mx.metal.is_available() else (8, 4096)
x = mx.random.normal((rows, n)).astype(mx.float16)
w = mx.ones((n,), dtype=mx.float16)
composed = mx.compile(rms_norm_reference)

if not mx.metal.is_available():
    print("EMULATED on the CPU: these times say nothing about a GPU")
for label, fn in {
    "kernel": lambda: rms_norm_forward(x, w),
    "pure MLX": lambda: rms_norm_reference(x, w),
    "mx.compile": lambda: composed(x, w),
    "mx.fast.rms_norm": lambda: mx.fast.rms_norm(x, w, 1e-5),
}.items():
    print(f"{label:>16}: {measure(fn):8.3f} ms")
# --8<-- [end:compare]
