"""Check the external links of a built site (`make linkcheck`); never part of `make test`.

Internal links and anchors are checked offline by the strict build and the browser crawl; this
command fetches only links that leave the site, so it needs the network and runs in its own
workflow (`.github/workflows/linkcheck.yml`, weekly and on demand). It reads every HTML page
under the site directory (Python's `html.parser`), collects the `http(s)` targets of `<a href>`
outside the site's own `site_url`, fetches each once (HEAD, then GET where HEAD is refused), and
fails on any that does not answer with a success or a redirect to one, unless the exceptions
file (`tools/linkcheck-exceptions.toml`) lists it with a reason.

    python tools/linkcheck.py site/              # check
    python tools/linkcheck.py site/ --dry-run    # list the links it would check, no network
"""

from __future__ import annotations

import argparse
import concurrent.futures
import re
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

REPO_ROOT = Path(__file__).resolve().parents[1]
EXCEPTIONS = REPO_ROOT / "tools" / "linkcheck-exceptions.toml"
USER_AGENT = "mlx-metal-guide-linkcheck (+https://github.com/; external links of the docs)"


@dataclass(frozen=True)
class Exception_:
    """One allowed failure: `pattern` (a regular expression matched against the whole URL)."""

    pattern: str
    reason: str

    def matches(self, url: str) -> bool:
        return re.fullmatch(self.pattern, url) is not None


def load_exceptions(path: Path = EXCEPTIONS) -> list[Exception_]:
    """Read the exceptions file; every entry needs a valid `pattern` and a non-empty `reason`."""
    import tomllib  # Python 3.11+ (the link-check workflow uses 3.11)

    data = tomllib.loads(path.read_text())
    unknown = set(data) - {"exception"}
    if unknown:
        raise ValueError(f"{path}: unknown top-level keys {sorted(unknown)}")
    result = []
    for i, entry in enumerate(data.get("exception", [])):
        if set(entry) != {"pattern", "reason"}:
            raise ValueError(f"{path}: exception {i} needs exactly `pattern` and `reason`")
        if not str(entry["reason"]).strip():
            raise ValueError(f"{path}: exception {i} ({entry['pattern']}) gives no reason")
        try:
            re.compile(entry["pattern"])
        except re.error as e:
            raise ValueError(f"{path}: exception {i}: bad pattern: {e}") from e
        result.append(Exception_(entry["pattern"], str(entry["reason"]).strip()))
    return result


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.hrefs += [v for k, v in attrs if k == "href" and v]


def site_url_of(site: Path) -> str:
    """The site's own address (its canonical link), so that links to itself are not external."""
    index = site / "index.html"
    if index.exists():
        match = re.search(r'<link rel="canonical" href="([^"]+)"', index.read_text())
        if match:
            return match.group(1)
    return ""


def external_links(site: Path, site_url: str = "") -> dict[str, list[str]]:
    """External URL (fragment dropped) -> the pages linking to it."""
    found: dict[str, list[str]] = {}
    for page in sorted(site.rglob("*.html")):
        parser = _Links()
        parser.feed(page.read_text(errors="replace"))
        for href in parser.hrefs:
            url = urldefrag(href).url
            if urlsplit(url).scheme not in ("http", "https"):
                continue
            if site_url and url.startswith(site_url):
                continue
            found.setdefault(url, []).append(str(page.relative_to(site)))
    return found


def fetch_status(url: str, timeout: float) -> tuple[bool, str]:
    """(ok, what happened): HEAD first, GET when the server refuses HEAD."""
    last = ""
    for method in ("HEAD", "GET"):
        request = urllib.request.Request(url, method=method, headers={"User-Agent": USER_AGENT})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return True, f"{response.status}"
        except urllib.error.HTTPError as e:
            last = f"HTTP {e.code}"
            if e.code not in (403, 405, 501):  # servers that refuse HEAD or bots answer these
                return False, last
        except (urllib.error.URLError, TimeoutError, OSError) as e:
            return False, f"{type(e).__name__}: {getattr(e, 'reason', e)}"
    return False, last


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("site", type=Path, help="a built site directory (mkdocs build)")
    parser.add_argument("--exceptions", type=Path, default=EXCEPTIONS)
    parser.add_argument("--dry-run", action="store_true", help="list the links, fetch nothing")
    parser.add_argument("--timeout", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=8)
    args = parser.parse_args(argv)

    if not (args.site / "index.html").exists():
        parser.error(f"{args.site} is not a built site (no index.html); run `make site` first")
    exceptions = load_exceptions(args.exceptions)
    links = external_links(args.site, site_url_of(args.site))
    if args.dry_run:
        for url, pages in sorted(links.items()):
            print(f"{url}  ({len(pages)} page(s), e.g. {pages[0]})")
        print(f"{len(links)} external link(s); {len(exceptions)} exception(s)")
        return 0

    with concurrent.futures.ThreadPoolExecutor(args.workers) as pool:
        results = dict(
            zip(links, pool.map(lambda u: fetch_status(u, args.timeout), links), strict=True)
        )
    broken = 0
    for url, (ok, what) in sorted(results.items()):
        allowed = next((e for e in exceptions if e.matches(url)), None)
        if ok:
            continue
        if allowed:
            print(f"allowed  {url}: {what} ({allowed.reason})")
            continue
        broken += 1
        print(f"BROKEN   {url}: {what}, linked from {', '.join(links[url][:3])}")
    print(f"{len(links)} external link(s) checked, {broken} broken")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
