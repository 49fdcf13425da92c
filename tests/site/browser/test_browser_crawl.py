"""Every page and asset of the built site is reachable, and every in-site anchor exists."""

from __future__ import annotations

from pathlib import Path

from .conftest import Crawl, Server, crawl_site


def test_crawl_reaches_every_page(crawl: Crawl, site: Server) -> None:
    """The crawl is not vacuous: it reaches the guides, the API pages and llms.txt's siblings."""
    pages = {url.removeprefix(site.url) for url in crawl.pages}
    assert {"", "guides/quick-start/", "api/metalsim/", "testing-on-linux/"} <= pages
    assert len(pages) >= 10


def test_no_broken_links(crawl: Crawl) -> None:
    broken = sorted(
        f"{source} -> {target} ({crawl.status[target]})"
        for source, target in crawl.references
        if crawl.status[target] != 200
    )
    assert not broken, "\n".join(broken)


def test_no_missing_anchors(crawl: Crawl) -> None:
    missing = []
    for source, target in crawl.fragments:
        page, _, fragment = target.partition("#")
        if fragment not in crawl.ids.get(page, set()):
            missing.append(f"{source} -> {target}")
    assert not missing, "\n".join(sorted(set(missing)))


def test_crawl_finds_a_broken_link_and_a_missing_anchor(tmp_path: Path) -> None:
    """Control: the crawl reports what the two tests above must never see."""
    (tmp_path / "index.html").write_text(
        '<a href="other/">ok</a> <a href="gone/">broken</a> <a href="other/#nope">anchor</a>'
    )
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "index.html").write_text('<h1 id="yes">Other</h1>')
    server = Server(tmp_path)
    try:
        result = crawl_site(server.url)
    finally:
        server.close()
    assert result.status[server.url + "gone/"] == 404
    assert result.ids[server.url + "other/"] == {"yes"}
    assert (server.url, server.url + "other/#nope") in result.fragments
