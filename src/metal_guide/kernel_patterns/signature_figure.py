"""Metal kernel patterns figure: the source MLX generates, with your body inside it.

The text is MLX's own output for ``parameters.py``'s kernel (the snapshot in ``_output/``,
captured by ``generated_source.py``); this script only colours its regions and labels them.
``python -m metal_guide.kernel_patterns.signature_figure --write`` regenerates
``docs/guides/figures/generated-signature.svg``; a test fails when the committed file drifts.
The SVG draws its own light background, so it reads the same in both themes.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from xml.sax.saxutils import escape

HERE = Path(__file__).parent
SNAPSHOT = HERE / "_output" / "poly_float16.metal"
FIGURE = HERE.parents[2] / "docs" / "guides" / "figures" / "generated-signature.svg"

INPUTS, OUTPUTS = ("x", "c", "limit"), ("out",)
MAX_CHARS, CHAR_W, LINE_H, LEFT, TOP = 78, 7.2, 17, 16, 20
INK, MUTED, PAPER = "#1f2328", "#57606a", "#f6f8fa"
COLOURS = {
    "template": "#e1bee7",
    "name": "#c5cae9",
    "inputs": "#b2dfdb",
    "outputs": "#ffe0b2",
    "attributes": "#f8bbd0",
    "body": "#fff59d",
    "instantiation": "#d7ccc8",
}
LABELS = {
    "template": "template line: one parameter per template= entry",
    "name": "custom_kernel_ + name + template values + dtype suffixes",
    "inputs": "inputs in order: device; constant if < 8 elements; 0-d as T&",
    "outputs": "outputs: device T* (atomic<T>* with atomic_outputs)",
    "attributes": "the thread attributes your body mentions",
    "body": "your source, pasted verbatim",
    "instantiation": "instantiated for this call's template values",
}


def classify(lines: list[str]) -> list[str]:
    """The region of each generated line, found from the text itself."""
    kinds: list[str] = []
    in_body = False
    for line in lines:
        if in_body:
            kind = "body"
            in_body = line != "}"
            if not in_body:
                kind = "name"  # the closing brace belongs to the function
        elif line.startswith("template [[host_name("):
            kind = "instantiation"
        elif line.startswith("template <"):
            kind = "template"
        elif line.startswith("[[kernel]] void "):
            kind = "name"
        elif any(f" {n} [[buffer(" in line for n in INPUTS):
            kind = "inputs"
        elif any(f" {n} [[buffer(" in line for n in OUTPUTS):
            kind = "outputs"
        elif "[[" in line:
            kind = "attributes"
        else:
            kind = ""
        if line.endswith(") {"):
            in_body = True
        kinds.append(kind)
    return kinds


def render() -> str:
    lines = SNAPSHOT.read_text(encoding="ascii").split("\n")
    kinds = classify(lines)
    text_w = MAX_CHARS * CHAR_W
    width, height = int(LEFT + text_w + 470), TOP + LINE_H * len(lines) + 16
    parts: list[str] = []
    for row, (line, kind) in enumerate(zip(lines, kinds, strict=True)):
        y = TOP + row * LINE_H
        if kind:
            parts.append(
                f'<rect x="{LEFT - 4}" y="{y - 12}" width="{text_w + 8:.1f}" '
                f'height="{LINE_H}" fill="{COLOURS[kind]}"/>'
            )
        shown = line if len(line) <= MAX_CHARS else line[: MAX_CHARS - 1] + "\u2026"
        parts.append(
            f'<text x="{LEFT}" y="{y}" font-family="ui-monospace, Menlo, Consolas, monospace" '
            f'font-size="12" fill="{INK}" xml:space="preserve">{escape(shown)}</text>'
        )
    # One label per region, beside its first line.
    seen: set[str] = set()
    for row, kind in enumerate(kinds):
        if kind and kind not in seen and kind in LABELS:
            seen.add(kind)
            y = TOP + row * LINE_H
            parts.append(
                f'<rect x="{LEFT + text_w + 16:.1f}" y="{y - 10}" width="10" height="10" '
                f'fill="{COLOURS[kind]}" stroke="{MUTED}" stroke-width="0.5"/>'
            )
            parts.append(
                f'<text x="{LEFT + text_w + 32:.1f}" y="{y}" font-size="12" fill="{INK}" '
                f'font-family="system-ui, sans-serif">{escape(LABELS[kind])}</text>'
            )
    body = "\n  ".join(parts)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img">\n'
        f"  <title>The Metal source MLX generates around a kernel body, by region</title>\n"
        f'  <rect width="{width}" height="{height}" rx="8" fill="{PAPER}"/>\n'
        f"  {body}\n</svg>\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"write {FIGURE}")
    args = parser.parse_args(argv)
    svg = render()
    if args.write:
        FIGURE.write_text(svg, encoding="utf-8")
        print(f"wrote {FIGURE}")
    else:
        print(svg)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
