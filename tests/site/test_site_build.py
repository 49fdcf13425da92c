"""The site builds strictly and offline, and the build really fails on broken includes/links.

The failure tests run tiny throw-away MkDocs projects that use the snippet and validation settings
read from our mkdocs.yml, so weakening those settings makes these tests fail.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml
from markdown_it import MarkdownIt
from tests.site.docsupport import REPO_ROOT, mkdocs_config, snippet_options

ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"}


def mkdocs_build(config: Path, site_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict"]
        + ["-f", str(config), "-d", str(site_dir)],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=300,
    )


@pytest.fixture(scope="module")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real site, built once for this module with `mkdocs build --strict`."""
    site = tmp_path_factory.mktemp("site")
    result = mkdocs_build(REPO_ROOT / "mkdocs.yml", site)
    assert result.returncode == 0, result.stderr[-4000:]
    return site


def test_site_builds_strict(built_site: Path) -> None:
    page = (built_site / "reference-card" / "index.html").read_text()
    assert "--8&lt;--" not in page and "--8<--" not in page, "an include was not expanded"
    assert "axpy_kernel" in page


def test_kernel_blocks_carry_the_where_tested_badge(built_site: Path) -> None:
    """The hook (src/metal_guide/site/where_tested.py) badges kernel blocks on guide pages, from
    results/. On an API page only the examples written in its Markdown (run by the doc tests)
    build kernels; signatures and docstrings rendered by mkdocstrings are not tested code and
    get no badge, so the page has exactly one badge per such example."""
    page = (built_site / "guides" / "quick-start" / "index.html").read_text()
    assert "emulated on Linux (metalsim), MLX" in page
    api = (built_site / "api" / "metalsim" / "index.html").read_text()
    markdown = (REPO_ROOT / "docs" / "api" / "metalsim.md").read_text()
    examples = [
        tok
        for tok in MarkdownIt().parse(markdown)
        if tok.type == "fence"
        and tok.info.split()[:1] == ["python"]
        and "metal_kernel(" in tok.content
    ]
    assert examples, "the metalsim API page has a kernel example"
    assert api.count('class="where-tested"') == len(examples)


def test_api_pages_show_no_untested_code(built_site: Path) -> None:
    """Docstrings rendered by mkdocstrings are not run by any test, so code examples in them
    would be the only untested code on the site. Signatures are fine, and so are the fences
    written on the API page itself (pytest-markdown-docs runs them): every other code block is
    a docstring example. Put examples in a fence on the API page or in a guide."""
    offenders = []
    for page in sorted((built_site / "api").rglob("index.html")):
        blocks = re.findall(r'<div class="([^"]*\bhighlight\b[^"]*)"', page.read_text())
        extra = [b for b in blocks if "doc-signature" not in b]
        source = REPO_ROOT / "docs" / "api" / f"{page.parent.name}.md"
        fences = [t for t in MarkdownIt().parse(source.read_text()) if t.type == "fence"]
        if len(extra) != len(fences):
            offenders.append(
                f"{page.parent.relative_to(built_site)}: {len(extra)} code block(s), "
                f"{len(fences)} fence(s) on the page"
            )
    assert not offenders, (
        f"code examples in docstrings shown on the API pages: {offenders}. Move each example "
        "into a fence on the API page (or a tested file shown on a guide page)."
    )


def test_build_is_offline() -> None:
    """Nothing in the configuration may download at build time (or make the site fetch fonts)."""
    config = mkdocs_config()
    assert config["theme"].get("font") is False, "theme.font must be false (no Google Fonts)"
    plugins = [next(iter(p)) if isinstance(p, dict) else p for p in config.get("plugins", [])]
    for forbidden in ("social", "privacy", "offline", "optimize"):
        assert forbidden not in plugins, f"plugin {forbidden!r} needs network or breaks instant nav"
    assert not snippet_options().get("url_download", False)


def test_snippet_settings() -> None:
    options = snippet_options()
    assert options["check_paths"] is True, "without check_paths a missing snippet renders empty"
    assert options["dedent_subsections"] is True
    bases = [Path(p) for p in options["base_path"]]
    assert bases == [REPO_ROOT / "src", REPO_ROOT / "snippets"]


def tiny_project(root: Path, page: str, *, extra: dict | None = None) -> Path:
    """A minimal MkDocs project with our snippet and validation settings."""
    (root / "docs").mkdir(parents=True)
    (root / "src").mkdir()
    (root / "src" / "example.py").write_text(
        "# --8<-- [start:good]\nanswer = 42\n# --8<-- [end:good]\n"
    )
    (root / "docs" / "index.md").write_text(textwrap.dedent(page))
    (root / "docs" / "other.md").write_text("# Other\n\n## Real heading\n")
    options = snippet_options()
    options["base_path"] = [str(root / "src")]
    options["auto_append"] = []
    config = {
        "site_name": "tiny",
        "strict": True,
        "validation": mkdocs_config()["validation"],
        "markdown_extensions": ["toc", "pymdownx.superfences", {"pymdownx.snippets": options}],
        **(extra or {}),
    }
    (root / "mkdocs.yml").write_text(yaml.safe_dump(config))
    return root / "mkdocs.yml"


GOOD_PAGE = """\
    # Tiny

    ```python
    --8<-- "example.py:good"
    ```

    [ok](other.md#real-heading)
    """


def test_tiny_project_builds(tmp_path: Path) -> None:
    """Control for the two failure tests below: the same project, unbroken, builds."""
    result = mkdocs_build(tiny_project(tmp_path, GOOD_PAGE), tmp_path / "site")
    assert result.returncode == 0, result.stderr
    assert "answer" in (tmp_path / "site" / "index.html").read_text()


@pytest.mark.parametrize("target", ["example.py:missing", "missing.py:good", "missing.py"])
def test_build_fails_on_broken_include(tmp_path: Path, target: str) -> None:
    page = GOOD_PAGE.replace("example.py:good", target)
    result = mkdocs_build(tiny_project(tmp_path, page), tmp_path / "site")
    assert result.returncode != 0, f"broken include {target!r} did not fail the build"
    assert "SnippetMissingError" in result.stderr


@pytest.mark.parametrize("link", ["other.md#no-such-heading", "nowhere.md"])
def test_build_fails_on_broken_link(tmp_path: Path, link: str) -> None:
    page = GOOD_PAGE.replace("other.md#real-heading", link)
    result = mkdocs_build(tiny_project(tmp_path, page), tmp_path / "site")
    assert result.returncode != 0, f"broken link {link!r} did not fail the build"
