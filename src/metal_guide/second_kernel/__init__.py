"""Code for "Your second kernel" (docs/guides/second-kernel.md).

- ``rms_norm``: a row-wise RMSNorm, one threadgroup per row, ``simd_sum`` then threadgroup
  memory across SIMD groups, with its pure-MLX reference and input checks.
- ``rms_norm_vjp``: its backward kernel (float atomics for the weight gradient) and the
  ``mx.custom_function`` that makes ``rms_norm`` differentiable.
- ``barrier_bugs``: the two barrier mistakes metalsim catches (missing, and early return).
- ``timing``: the kernel against the MLX composition, ``mx.compile`` and ``mx.fast.rms_norm``.
"""
