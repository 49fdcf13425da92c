"""Runnable examples behind the MLX Metal Guide site.

Every code block on the site is a section of a file in this package (one sub-package per guide,
see the layout table in CONTRIBUTING.md), and the test suite executes those files. Kernels run on
a Mac with Metal, or on Linux through the metalsim emulator.
"""

__all__: list[str] = []
