"""Metal kernel patterns figure: the source MLX generates, with your body inside it.

The text is MLX's own output for ``parameters.py``'s kernel (the snapshot in ``_output/``,
captured by ``generated_source.py``); this script only colours its regions and labels them.
``python -m metal_guide.kernel_patterns.signature_figure --write`` regenerates
``docs/guides/figures/generated-signature.svg``; a test fails when the committed file drifts.
The SVG draws its own light background, so it reads the same in both themes.
"""

from __future__ import annotations

from pathlib import Path

from metal_guide.site.svg import MONO, MUTED, document, figure_main, rect, text

HERE = Path(__file__).parent
SNAPSHOT = HERE / "_output" / "poly_float16.metal"
FIGURE = HERE.parents[2] / "docs" / "guides" / "figures" / "generated-signature.svg"

INPUTS, OUTPUTS = ("x", "c", "limit"), ("out",)
MAX_CHARS, CHAR_W, LINE_H, LEFT, TOP = 78, 7.2, 17, 16, 20
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
                rect(LEFT - 4, y - 12, text_w + 8, LINE_H, COLOURS[kind], stroke=None)
            )
        shown = line if len(line) <= MAX_CHARS else line[: MAX_CHARS - 1] + "\u2026"
        parts.append(text(LEFT, y, shown, 12, family=MONO))
    # One label per region, beside its first line.
    seen: set[str] = set()
    for row, kind in enumerate(kinds):
        if kind and kind not in seen and kind in LABELS:
            seen.add(kind)
            y = TOP + row * LINE_H
            parts.append(rect(LEFT + text_w + 16, y - 10, 10, 10, COLOURS[kind], stroke=MUTED,
                              stroke_width=0.5))  # fmt: skip
            parts.append(text(LEFT + text_w + 32, y, LABELS[kind], 12))
    title = "The Metal source MLX generates around a kernel body, by region"
    return document(width, height, title, parts)


def main(argv: list[str] | None = None) -> int:
    return figure_main(__doc__.splitlines()[0], FIGURE, render, argv)


if __name__ == "__main__":
    raise SystemExit(main())
