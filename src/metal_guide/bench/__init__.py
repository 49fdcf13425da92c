"""A benchmark harness for MLX kernels: ``python -m metal_guide.bench``.

- [`timer`][metal_guide.bench.timer]: warm-up (first compile included), ``mx.eval`` around each
  timed call, many repetitions, median and p10/p90, cold vs warm;
- [`provenance`][metal_guide.bench.provenance]: chip, device, macOS, MLX version, backend, date;
- [`chips`][metal_guide.bench.chips]: peak bandwidth and FP32 throughput per chip, with sources;
- [`report`][metal_guide.bench.report]: GB/s, GFLOP/s, roofline; JSON, table, SVG plot;
- [`suite`][metal_guide.bench.suite]: the cases it runs.

Results from metalsim or a paravirtual GPU are recorded with ``speed_meaningful: false``.
"""

from metal_guide.bench.timer import Timing, time_call

__all__ = ["Timing", "time_call"]
