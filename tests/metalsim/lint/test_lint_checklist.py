"""The performance checklist and the lint's rules agree: every rule enforces one item, every
item names its rule or says why none can exist."""

from __future__ import annotations

from pathlib import Path

from metalsim.lint import RULES

PAGE = Path(__file__).resolve().parents[3] / "docs" / "performance-checklist.md"
ITEM = "- [ ] **"


def _items() -> dict[str, str]:
    """Item heading (bold text without its final period) -> the item's whole text."""
    items: dict[str, str] = {}
    current = ""
    for line in PAGE.read_text().splitlines():
        if line.startswith(ITEM):
            current = line[len(ITEM):].split("**", 1)[0].rstrip(".")
            items[current] = line
        elif line.startswith("  ") and current:
            items[current] += " " + line.strip()
        else:
            current = ""
    return items


def test_every_rule_has_its_checklist_item() -> None:
    items = _items()
    for r in RULES:
        assert r.checklist_item in items, f"{r.id}: no checklist item {r.checklist_item!r}"
        assert f"Lint: `{r.id}`." in items[r.checklist_item], r.id


def test_every_item_names_a_rule_or_says_why_not() -> None:
    ids = {r.id for r in RULES}
    items = _items()
    assert len(items) >= 20
    for heading, text in items.items():
        assert text.count("Lint:") == 1, heading
        lint = text.split("Lint:", 1)[1].strip()
        if lint.startswith("none"):
            assert len(lint) > len("none, because ") + 20, f"{heading}: say why no rule exists"
        else:
            named = lint.strip("`.")
            assert named in ids, f"{heading}: unknown rule {named!r}"


def test_each_rule_enforces_exactly_one_item() -> None:
    named = [t.split("Lint:", 1)[1].strip().strip("`.") for t in _items().values()]
    for r in RULES:
        assert named.count(r.id) == 1, r.id
