"""Draw the address-spaces figure of the page, once per site theme (light and dark).

Run ``python -m metal_guide.wwdc16_optimization.address_spaces_figure`` to regenerate
``docs/assets/wwdc16/address-spaces-{light,dark}.svg``; a test fails if they drift.
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import FancyBboxPatch  # noqa: E402

OUT_DIR = Path(__file__).resolve().parents[3] / "docs" / "assets" / "wwdc16"
THEMES = {
    "light": {"text": "#1f2328", "box": "#eef2fb", "edge": "#3f51b5", "arrow": "#555555"},
    "dark": {"text": "#e6e6e6", "box": "#1e2433", "edge": "#8c9eff", "arrow": "#b0b0b0"},
}

# (label, detail, x, y, width, height): what MLX puts in each address space
BOXES = [
    ("device", "unified memory (DRAM)\ninputs of 8+ elements: const device T*\n"
     "outputs: device T*", 0.02, 0.55, 0.44, 0.38),
    ("constant", "read-only, same value for all threads\ninputs of < 8 elements: "
     "const constant T*\n0-d inputs: const constant T&\nheader: constant float K[9]",
     0.54, 0.55, 0.44, 0.38),
    ("threadgroup", "on-chip, one copy per threadgroup\nthreadgroup float t[256]; in the source"
     "\n32 KB per threadgroup", 0.02, 0.06, 0.44, 0.38),
    ("thread", "registers of one thread\nlocal variables; a dynamically indexed\n"
     "local array goes to the stack in memory", 0.54, 0.06, 0.44, 0.38),
]


def draw(theme: str, path: Path) -> None:
    c = THEMES[theme]
    with plt.rc_context({"svg.fonttype": "none", "svg.hashsalt": "wwdc16-address-spaces",
                         "font.size": 9}):
        fig, ax = plt.subplots(figsize=(9, 4.2))
        fig.patch.set_alpha(0)
        ax.set_axis_off()
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        for label, detail, x, y, w, h in BOXES:
            ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0.01",
                                        facecolor=c["box"], edgecolor=c["edge"], lw=1.5))
            ax.text(x + 0.02, y + h - 0.05, label, color=c["edge"], fontweight="bold",
                    fontsize=11, va="top", family="monospace")
            ax.text(x + 0.02, y + h - 0.14, detail, color=c["text"], va="top",
                    linespacing=1.5)
        fig.savefig(path, format="svg", metadata={"Date": None}, bbox_inches="tight")
        plt.close(fig)


def main(out_dir: Path = OUT_DIR) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for theme in THEMES:
        p = out_dir / f"address-spaces-{theme}.svg"
        draw(theme, p)
        paths.append(p)
    return paths


if __name__ == "__main__":
    for p in main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT_DIR):
        print(p)
