"""Kernels from the MLX ecosystem, run unmodified under metalsim (``python -m tools.ecosystem``).

- ``registry``: the ``@check`` registry, the result records, ``compare`` and ``TOLERANCE``;
- ``harness``: running upstream code as on a Mac, and loading files of a checkout;
- ``checks_mlx``, ``checks_mlx_lm``, ``checks_mlx_examples``: the checks, one module per
  upstream project (importing a module registers its checks);
- ``driver`` (``__main__``): one subprocess per check, results as text and JSON;
- ``grid_sample_vjp``: the per-axis measurement behind one finding;
- ``table``: the page's Markdown tables from the JSON of the two commands above.
"""
