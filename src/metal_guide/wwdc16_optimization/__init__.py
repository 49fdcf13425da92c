"""WWDC16 session 606, checked for MLX: before/after kernel pairs with one reference each.

See docs/guides/wwdc16-optimization.md. ``pairs.PAIRS`` lists every pair for the tests and
the benchmark harness.
"""
