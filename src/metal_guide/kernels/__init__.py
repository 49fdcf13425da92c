"""Reusable, tested Metal kernels for MLX.

Each op lives in its own module ``<op>.py`` with three plain functions:

- ``<op>_kernel()``: builds the ``mx.fast.metal_kernel`` once (``functools.cache``);
- ``<op>()``: validates its arguments and launches the kernel;
- ``<op>_reference()``: the same function in pure MLX, the oracle of its tests.

``testing.py`` holds the one tolerance table and the awkward sizes every kernel is tested at.
"""
