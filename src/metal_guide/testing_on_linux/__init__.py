"""Examples for the "Testing kernels on Linux" page: metalsim and its diagnostics.

One concept per module; each runs as a script and checks its own claim with an ``assert``.
"""
