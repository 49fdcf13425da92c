"""Code shown on the Quick reference card page.

- `card`: build a kernel once, launch it with a grid counted in threads, check it against MLX.
- `launch`: grid and threadgroup arithmetic (pure Python).
- `streams`: CPU and GPU streams joined with `mx.eval` (needs a GPU device).
"""
