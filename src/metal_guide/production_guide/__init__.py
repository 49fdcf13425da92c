"""Production guide: the code its page shows beyond the kernel library (timing, debugging).

The recipes themselves live in `metal_guide.kernels`; the page includes their sections.
"""
