"""The dispatch figures on the exercise pages are what figures.py draws today."""

from pathlib import Path

import pytest

from metal_guide.exercises import all_exercises
from metal_guide.exercises.figures import dispatch_svg

FIGURES = Path(__file__).resolve().parents[2] / "docs" / "exercises" / "figures"


@pytest.mark.parametrize("exercise", all_exercises(), ids=lambda e: f"ex{e.number:02d}")
def test_figure_is_current(exercise) -> None:
    path = FIGURES / f"ex{exercise.number:02d}-dispatch.svg"
    assert path.read_text() == dispatch_svg(exercise), (
        f"{path.name} is stale: run python -m metal_guide.exercises.figures"
    )


def test_every_page_shows_its_figure_and_solution() -> None:
    pages = {p.name for p in FIGURES.parent.glob("[0-9]*.md")}
    assert len(pages) == len(all_exercises())
    for ex in all_exercises():
        page = FIGURES.parent / f"{ex.number:02d}-{ex.slug.replace('_', '-')}.md"
        text = page.read_text()
        assert f"figures/ex{ex.number:02d}-dispatch.svg" in text
        assert f"solutions/ex{ex.number:02d}_{ex.slug}.py:solution" in text
        assert f"check {ex.number} " in text
