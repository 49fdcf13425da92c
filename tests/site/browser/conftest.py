"""Fixtures of the browser tests: the built site served on localhost, and headless Chromium.

The site is built once per session with `mkdocs build --strict` and served by a standard-library
HTTP server on 127.0.0.1 (a built site must be served, not opened from disk). Playwright drives
the system's Chromium (Debian's `chromium` package); nothing downloads a browser. Without
Chromium or Playwright the tests are skipped with that reason.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.error import HTTPError
from urllib.parse import urldefrag, urljoin, urlsplit
from urllib.request import urlopen

import pytest
from conftest import REPO_ROOT

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Request, Response

# Chromium flags for a closed network: no background traffic to Google's hosts at start-up.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BUILD_ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"}
ARTIFACTS = REPO_ROOT / "test-artifacts"
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


def chromium_executable() -> str | None:
    """Debian's Chromium (or CHROMIUM_PATH); Playwright's own browser builds are never used."""
    for candidate in (os.environ.get("CHROMIUM_PATH"), "chromium", "chromium-browser"):
        if candidate and (path := shutil.which(candidate)):
            return path
    return None


def build_site(site_dir: Path, **env: str) -> None:
    """`mkdocs build --strict` of the real configuration into `site_dir`."""
    result = subprocess.run(
        # Not -q: under -q MkDocs drops warnings before --strict can count them.
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site_dir)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        env={**BUILD_ENV, **env},
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-4000:]


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib name
        pass


@dataclass
class Server:
    """A directory served over HTTP on 127.0.0.1 from a daemon thread."""

    root: Path
    httpd: ThreadingHTTPServer = field(init=False)

    def __post_init__(self) -> None:
        handler = functools.partial(_QuietHandler, directory=str(self.root))
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()



@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = chromium_executable()
    if path is None:
        pytest.skip(
            "browser tests need Chromium: install Debian's `chromium` package (.ci/run does) "
            "or set CHROMIUM_PATH"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.skip("browser tests need Playwright for Python: run `make test` (installs .[test])")
    return path


@pytest.fixture(scope="session")
def site_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real site, built once per session."""
    site = tmp_path_factory.mktemp("browser-site") / "site"
    build_site(site)
    return site


@pytest.fixture(scope="session")
def site(site_dir: Path) -> Iterator[Server]:
    server = Server(site_dir)
    yield server
    server.close()


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@dataclass
class Traffic:
    """What a page did: console errors, uncaught exceptions, and requests to other hosts."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)
    failed_responses: list[str] = field(default_factory=list)


def watch(page: Page, traffic: Traffic) -> None:
    """Record `page`'s console errors, exceptions and non-local requests into `traffic`."""

    def on_console(msg: ConsoleMessage) -> None:
        if msg.type == "error":
            traffic.console_errors.append(f"{msg.text} @ {msg.location}")

    def on_request(request: Request) -> None:
        url = request.url
        host = urlsplit(url).hostname
        if urlsplit(url).scheme in {"http", "https", "ws", "wss"} and host not in LOCAL_HOSTS:
            traffic.external_requests.append(url)

    def on_response(response: Response) -> None:
        if response.status >= 400:
            traffic.failed_responses.append(f"{response.status} {response.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: traffic.page_errors.append(str(exc)))
    page.on("request", on_request)
    page.on("response", on_response)


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh browser context at 1366 x 900 with clipboard access (for the copy button)."""
    ctx = browser.new_context(
        viewport={"width": 1366, "height": 900},
        permissions=["clipboard-read", "clipboard-write"],
    )
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    """A page whose traffic is recorded in `page.traffic`, and must stay clean."""
    pg = context.new_page()
    traffic = Traffic()
    watch(pg, traffic)
    pg.traffic = traffic  # type: ignore[attr-defined]
    yield pg
    pg.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where screenshots go (gitignored; CI uploads the directory)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


class _LinkParser(HTMLParser):
    """The ids a page defines and the URLs it refers to (href and src)."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.refs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name == "id" or (name == "name" and tag == "a"):
                self.ids.add(value)
            elif name in {"href", "src"}:
                self.refs.append(value)


@dataclass
class Crawl:
    """Every URL reachable from the home page on the local server."""

    status: dict[str, int] = field(default_factory=dict)
    ids: dict[str, set[str]] = field(default_factory=dict)
    # (page that links, target URL with fragment) for every in-site link with a fragment
    fragments: list[tuple[str, str]] = field(default_factory=list)
    # (page that links, target URL) for every in-site reference
    references: list[tuple[str, str]] = field(default_factory=list)

    @property
    def pages(self) -> list[str]:
        return sorted(url for url in self.ids if self.status[url] == 200)


def crawl_site(root: str) -> Crawl:
    """Breadth-first crawl of `root`: status of every in-site URL, ids of every HTML page."""
    result = Crawl()
    pending = [root]
    while pending:
        url = pending.pop()
        if url in result.status:
            continue
        try:
            with urlopen(url, timeout=10) as response:  # noqa: S310 - our own local server
                result.status[url] = response.status
                body = response.read()
                kind = response.headers.get_content_type()
        except HTTPError as error:
            result.status[url] = error.code
            continue
        if kind != "text/html":
            continue
        parser = _LinkParser()
        parser.feed(body.decode("utf-8"))
        result.ids[url] = parser.ids
        for ref in parser.refs:
            target = urljoin(url, ref)
            if not target.startswith(root):
                continue
            target, fragment = urldefrag(target)
            result.references.append((url, target))
            if fragment:
                result.fragments.append((url, f"{target}#{fragment}"))
            pending.append(target)
    return result


@pytest.fixture(scope="session")
def crawl(site: Server) -> Crawl:
    return crawl_site(site.url)
