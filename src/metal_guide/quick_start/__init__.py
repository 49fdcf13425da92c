"""Code for the Quick Start guide (docs/guides/quick-start.md).

Each module holds one concept, and the page includes its marked sections verbatim:

- ``first_kernel``: a first fused elementwise kernel (SwiGLU), built once at import.
- ``generated_source``: MLX's own generated Metal source, captured without a GPU.
- ``launch_geometry``: what ``grid`` and ``threadgroup`` mean, counted by the GPU itself.
- ``swiglu``: the finished wrapper, with several elements per thread, a cached builder
  and input validation.
- ``caching``: one kernel name per source variant.
- ``checking``: per-dtype tolerances and awkward sizes against a pure-MLX reference.
"""
