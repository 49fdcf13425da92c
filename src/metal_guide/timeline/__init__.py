"""Record when evaluated MLX work starts and ends, per stream and per thread, and draw it.

`Timeline` records spans (`with timeline.span(...)` or `timeline.evaluate(...)`), `draw_svg`
renders them as a deterministic SVG, and `where_it_ran` says which back-end produced them.
"""

from metal_guide.timeline.draw import draw_svg
from metal_guide.timeline.provenance import Provenance, gpu_or_cpu, where_it_ran
from metal_guide.timeline.recorder import Span, Timeline, overlap_seconds

__all__ = [
    "Provenance",
    "Span",
    "Timeline",
    "draw_svg",
    "gpu_or_cpu",
    "overlap_seconds",
    "where_it_ran",
]
