"""Every page of the built site, loaded in headless Chromium at 1366 x 900.

Each page is loaded once and checked for console errors, failed requests, requests that leave
localhost and code blocks that scroll sideways. axe-core (about 1-4 s a page) checks one page of
each kind in the light scheme, and the home page and Quick start in the dark scheme too: all
pages share templates and CSS, and the browser tests stay within their 60 s budget.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from .conftest import Crawl, Server, Traffic, watch

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext

# Serious and critical axe-core findings fail; moderate and minor ones are reported only.
FAILING_IMPACTS = {"serious", "critical"}

# One page of each kind: home, a finished guide, an outline guide, the long reference pages,
# a task list, and an API page (mkdocstrings).
AXE_PAGES = [
    "",
    "guides/quick-start/",
    "guides/metal-kernel-patterns/",
    "testing-on-linux/",
    "reference-card/",
    "performance-checklist/",
    "api/metalsim/",
]
AXE_DARK_PAGES = ["", "guides/quick-start/"]
# Node details only for violations: much faster on pages with thousands of code tokens.
AXE_OPTIONS = {"resultTypes": ["violations"]}

# A code block "scrolls sideways" when its content is wider than its box.
WIDE_CODE_BLOCKS = """() => [...document.querySelectorAll('.md-content pre > code')]
  .filter(code => code.scrollWidth > code.clientWidth + 1)
  .map(code => ({
    first: code.textContent.split('\\n')[0].slice(0, 60),
    longest: Math.max(...code.textContent.split('\\n').map(line => line.length)),
  }))"""


@pytest.fixture(scope="module")
def page_reports(browser: object, crawl: Crawl, site: Server) -> dict[str, dict]:
    """Load every crawled page once and collect what the tests below check."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    reports: dict[str, dict] = {}
    for color_scheme in ("light", "dark"):
        context: BrowserContext = browser.new_context(  # type: ignore[attr-defined]
            viewport={"width": 1366, "height": 900}, color_scheme=color_scheme
        )
        try:
            for url in crawl.pages:
                path = url.removeprefix(site.url)
                axe_pages = AXE_PAGES if color_scheme == "light" else AXE_DARK_PAGES
                if color_scheme == "dark" and path not in axe_pages:
                    continue
                page = context.new_page()
                traffic = Traffic()
                watch(page, traffic)
                page.goto(url, wait_until="load")
                page.wait_for_function("window.document$ !== undefined")
                report = reports.setdefault(path or "/", {"traffic": traffic, "violations": []})
                report["wide"] = page.evaluate(WIDE_CODE_BLOCKS)
                if path in axe_pages:
                    for v in axe.run(page, options=AXE_OPTIONS).response["violations"]:
                        report["violations"].append({**v, "scheme": color_scheme})
                page.close()
        finally:
            context.close()
    return reports


def test_axe_pages_exist(crawl: Crawl, site: Server) -> None:
    pages = {url.removeprefix(site.url) for url in crawl.pages}
    assert set(AXE_PAGES) <= pages, set(AXE_PAGES) - pages


def test_every_page_was_loaded(page_reports: dict[str, dict], crawl: Crawl) -> None:
    assert len(page_reports) == len(crawl.pages) >= 10


def test_no_console_errors(page_reports: dict[str, dict]) -> None:
    problems = {
        page: r["traffic"].console_errors + r["traffic"].page_errors
        for page, r in page_reports.items()
        if r["traffic"].console_errors or r["traffic"].page_errors
    }
    assert not problems, problems


def test_no_failed_requests(page_reports: dict[str, dict]) -> None:
    """No 404 for anything a page loads (the missing versions.json of review item 7)."""
    problems = {p: r["traffic"].failed_responses for p, r in page_reports.items()}
    assert not any(problems.values()), {p: f for p, f in problems.items() if f}


def test_no_request_leaves_localhost(page_reports: dict[str, dict]) -> None:
    problems = {p: r["traffic"].external_requests for p, r in page_reports.items()}
    assert not any(problems.values()), {p: r for p, r in problems.items() if r}


def test_no_code_block_scrolls_sideways_at_1366px(page_reports: dict[str, dict]) -> None:
    problems = {p: r["wide"] for p, r in page_reports.items() if r["wide"]}
    assert not problems, (
        "code blocks wider than the content column (wrap the source at 88 columns): "
        f"{problems}"
    )


def test_no_serious_accessibility_violations(page_reports: dict[str, dict]) -> None:
    problems = {
        page: [
            f"{v['id']} ({v['impact']}, {v['scheme']}, {len(v['nodes'])} nodes, "
            f"e.g. {v['nodes'][0]['target']}: {v['nodes'][0].get('failureSummary', '')})"
            for v in r["violations"]
            if v["impact"] in FAILING_IMPACTS
        ]
        for page, r in page_reports.items()
    }
    assert not any(problems.values()), {p: v for p, v in problems.items() if v}


def test_checks_can_fail(browser: object) -> None:
    """Control: a wide code block and a low-contrast, colour-only link are both reported."""
    from axe_playwright_python.sync_playwright import Axe

    page = browser.new_page(viewport={"width": 1366, "height": 900})  # type: ignore[attr-defined]
    try:
        page.set_content(
            '<html lang="en"><head><title>t</title></head><body><main><div class="md-content">'
            # Material's `pre > code` is a block that scrolls, as here.
            '<pre><code style="display:block;overflow:auto;width:300px">'
            f'{"x" * 200}</code></pre>'
            '<p style="color:#000">Text with <a href="#" style="color:#333;'
            'text-decoration:none">a link</a> in it.</p></div></main></body></html>'
        )
        assert page.evaluate(WIDE_CODE_BLOCKS) == [{"first": "x" * 60, "longest": 200}]
        found = {v["id"] for v in Axe().run(page, options=AXE_OPTIONS).response["violations"]}
        assert "link-in-text-block" in found
    finally:
        page.close()
