"""What a reader does on the site: search, copy a block, switch tabs and colour scheme.

Also saves screenshots of the home page and Quick start in both schemes to test-artifacts/.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from conftest import REPO_ROOT, expand_snippets
from markdown_it import MarkdownIt

from .conftest import Server

if TYPE_CHECKING:
    from playwright.sync_api import Page

# Material strips code-annotation markers like `# (1)!` from what it copies.
ANNOTATION_RE = re.compile(r"\s*# \(\d+\)!")


SELECT_ENCLOSING_TAB = """button => {
  const block = button.closest('.tabbed-block');
  const index = [...block.parentElement.children].indexOf(block);
  block.closest('.tabbed-set').querySelectorAll(':scope > .tabbed-labels > label')[index].click();
}"""


def open_all_details(page: Page) -> None:
    """Expand collapsible blocks, as a reader would, so that their content is visible."""
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")


def assert_clean(page: Page) -> None:
    traffic = page.traffic  # type: ignore[attr-defined]
    assert not traffic.console_errors and not traffic.page_errors, traffic
    assert not traffic.external_requests, traffic.external_requests


def test_search_finds_a_kernel_term_and_navigates_to_it(page: Page, site: Server) -> None:
    page.goto(site.url, wait_until="networkidle")
    page.keyboard.press("/")  # Material's shortcut focuses the search box
    page.keyboard.type("threadgroup")
    # The first hit is a whole page; take the first section hit, which links to an anchor.
    first = page.locator(".md-search-result__item a[href*='#']").first
    first.wait_for(timeout=10_000)
    target = first.get_attribute("href")
    assert target and "#" in target, target
    first.click()
    page.wait_for_url(re.compile(r"#"), timeout=10_000)
    anchor = page.url.split("#", 1)[1]
    assert page.locator(f"[id='{anchor}']").count() == 1, f"no element with id {anchor!r}"
    assert page.locator("mark").count() > 0, "search terms are not highlighted on the page"
    assert_clean(page)


def fence_sources(markdown_path: Path) -> list[str]:
    """The text of each fenced block on a page, with includes expanded as the site does."""
    page = expand_snippets(markdown_path.read_text(encoding="utf-8"))
    tokens = MarkdownIt("commonmark").parse(page)
    return [t.content.rstrip("\n") for t in tokens if t.type == "fence"]


def normalise(text: str) -> str:
    return "\n".join(ANNOTATION_RE.sub("", line).rstrip() for line in text.splitlines())


def test_copy_button_copies_exactly_the_snippet_source(page: Page, site: Server) -> None:
    expected = fence_sources(REPO_ROOT / "docs" / "guides" / "quick-start.md")
    page.goto(site.url + "guides/quick-start/", wait_until="networkidle")
    open_all_details(page)
    buttons = page.locator(".md-content .md-code__button[data-md-type='copy']")
    copied = []
    for i in range(buttons.count()):
        button = buttons.nth(i)
        if not button.is_visible():  # in a tab that is not selected: select it first
            button.evaluate(SELECT_ENCLOSING_TAB)
        button.scroll_into_view_if_needed()
        button.click(force=True)
        copied.append(page.evaluate("navigator.clipboard.readText()"))
    assert len(expected) >= 10
    # Block by block, in page order, the copy is the source (trailing spaces aside).
    assert [normalise(c) for c in copied] == [normalise(e) for e in expected]
    assert_clean(page)


def test_tabs_switch_content(page: Page, site: Server, site_dir: Path) -> None:
    with_tabs = sorted(
        p.parent.relative_to(site_dir).as_posix()
        for p in site_dir.rglob("index.html")
        if 'class="tabbed-set' in p.read_text(encoding="utf-8")
    )
    assert with_tabs, "no page of the site has tabs"
    page.goto(f"{site.url}{with_tabs[0]}/", wait_until="networkidle")
    open_all_details(page)
    tabs = page.locator(".md-content .tabbed-set").first
    labels = tabs.locator(".tabbed-labels > label")
    blocks = tabs.locator(".tabbed-content > .tabbed-block")
    assert labels.count() >= 2
    labels.nth(0).scroll_into_view_if_needed()
    assert blocks.nth(0).is_visible() and not blocks.nth(1).is_visible()
    labels.nth(1).click()
    assert blocks.nth(1).is_visible() and not blocks.nth(0).is_visible()
    assert_clean(page)


def scheme(page: Page) -> str:
    return page.evaluate("document.body.getAttribute('data-md-color-scheme')")


def click_visible_toggle(page: Page) -> None:
    page.locator("form[data-md-component='palette'] label:not([hidden])").click()


def test_light_dark_toggle(page: Page, site: Server) -> None:
    page.emulate_media(color_scheme="light")
    page.goto(site.url, wait_until="networkidle")
    seen = [scheme(page)]
    backgrounds = {page.evaluate("getComputedStyle(document.body).backgroundColor")}
    for _ in range(3):  # auto -> light -> dark -> auto
        click_visible_toggle(page)
        page.wait_for_timeout(100)
        seen.append(scheme(page))
        backgrounds.add(page.evaluate("getComputedStyle(document.body).backgroundColor"))
    assert {"default", "slate"} <= set(seen), seen
    assert len(backgrounds) >= 2, "the page background did not change with the scheme"
    # The choice survives navigation.
    while scheme(page) != "slate":
        click_visible_toggle(page)
    page.goto(site.url + "guides/quick-start/", wait_until="networkidle")
    assert scheme(page) == "slate"
    assert_clean(page)


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
@pytest.mark.parametrize("path", ["", "guides/quick-start/"], ids=["home", "quick-start"])
def test_screenshots(
    page: Page, site: Server, artifacts: Path, path: str, color_scheme: str
) -> None:
    """Screenshots of the first screen, kept as test artifacts (they are not compared)."""
    page.emulate_media(color_scheme=color_scheme)  # the palette follows the system by default
    page.goto(site.url + path, wait_until="networkidle")
    assert scheme(page) == ("slate" if color_scheme == "dark" else "default")
    name = f"{(path.strip('/').replace('/', '-') or 'home')}-{color_scheme}.png"
    page.screenshot(path=str(artifacts / name))
    assert (artifacts / name).stat().st_size > 10_000
    assert_clean(page)
