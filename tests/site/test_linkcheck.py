"""The external link check (`make linkcheck`, tools/linkcheck.py), exercised offline.

The real check needs the network and runs in its own workflow; here it runs against a page whose
"external" links point at a throw-away HTTP server on localhost.
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.site.docsupport import REPO_ROOT
from tools import linkcheck

pytest.importorskip("tomllib", reason="the link check reads TOML with tomllib (Python 3.11+)")


def test_committed_exceptions_parse_and_each_has_a_reason() -> None:
    exceptions = linkcheck.load_exceptions()
    assert exceptions, "the exceptions file is empty: delete it or list the allowed failures"
    assert all(len(e.reason) > 20 for e in exceptions)


@pytest.mark.parametrize(
    "entry",
    [
        "[[exception]]\npattern = 'https://x\\.org/.*'\nreason = '  '\n",  # blank reason
        "[[exception]]\npattern = 'https://x\\.org/.*'\n",  # no reason
        "[[exception]]\npattern = '(unclosed'\nreason = 'r'\n",  # bad regular expression
        "[[exceptions]]\npattern = 'a'\nreason = 'r'\n",  # misspelt table
    ],
)
def test_exceptions_without_reason_or_with_bad_pattern_are_rejected(
    tmp_path: Path, entry: str
) -> None:
    path = tmp_path / "exceptions.toml"
    path.write_text(entry)
    with pytest.raises(ValueError):
        linkcheck.load_exceptions(path)


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_HEAD(self) -> None:  # noqa: N802 - http.server's naming
        self.send_response(200 if self.path == "/ok" else 404)
        self.end_headers()

    do_GET = do_HEAD  # noqa: N815

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def make_site(root: Path, links: list[str]) -> Path:
    site = root / "site"
    (site / "guide").mkdir(parents=True)
    (site / "index.html").write_text(
        '<link rel="canonical" href="http://127.0.0.1:8000/">'
        '<a href="http://127.0.0.1:8000/guide/">self</a><a href="guide/">internal</a>'
        '<a href="mailto:a@b.c">mail</a>'
    )
    body = "".join(f'<a href="{u}#frag">x</a>' for u in links)
    (site / "guide" / "index.html").write_text(body)
    return site


def test_dry_run_lists_only_external_links(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    site = make_site(tmp_path, ["https://example.org/a", "https://example.org/a"])
    assert linkcheck.main([str(site), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "https://example.org/a  (2 page(s)" in out  # fragment dropped, counted once
    assert "1 external link(s)" in out  # not the site's own URL, relative or mailto links


def test_check_passes_good_links_and_fails_broken_ones(tmp_path: Path, server: str) -> None:
    site = make_site(tmp_path, [f"{server}/ok"])
    assert linkcheck.main([str(site)]) == 0
    site = make_site(tmp_path / "broken", [f"{server}/ok", f"{server}/missing"])
    assert linkcheck.main([str(site)]) == 1


def test_an_exception_with_a_reason_allows_a_broken_link(tmp_path: Path, server: str) -> None:
    site = make_site(tmp_path, [f"{server}/missing"])
    exceptions = tmp_path / "exceptions.toml"
    pattern = f"{server}/missing".replace(".", r"\.")
    exceptions.write_text(f"[[exception]]\npattern = '{pattern}'\nreason = 'test server'\n")
    assert linkcheck.main([str(site), "--exceptions", str(exceptions)]) == 0


def test_linkcheck_is_not_part_of_make_test() -> None:
    """The offline test run never fetches external links; the workflow does."""
    makefile = (REPO_ROOT / "Makefile").read_text()
    test_recipe = makefile.split("\ntest:", 1)[1].split("\n\n", 1)[0]
    assert "linkcheck" not in test_recipe
    assert "\nlinkcheck:" in makefile
    workflow = REPO_ROOT / ".github" / "workflows" / "linkcheck.yml"
    assert "make linkcheck" in workflow.read_text()
