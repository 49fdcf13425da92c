"""Build the site with Zensical (its mkdocs.yml compatibility mode) and record what breaks.

Non-gating (`make zensical-check`): Material for MkDocs reaches end of life on 2027-05-05 and
names Zensical as its successor, so this collects evidence for planning a migration. It

1. creates a throwaway venv (or reuses `--venv`) and installs `zensical` from PyPI plus this
   project's `docs` dependency group (plugins Zensical may delegate to);
2. copies the files the site is built from into a temporary directory (Zensical has no
   `--site-dir`, and the checkout's `site/` must not be touched) and runs `zensical build`;
3. checks the output for each feature the site relies on and writes the findings as Markdown
   (`--out`, default `test-artifacts/zensical-readiness.md`).

The exit status is 0 whatever Zensical does; it is non-zero only when the script itself
cannot run (no network to PyPI, for example).
"""

from __future__ import annotations

import argparse
import datetime
import os
import re
import shutil
import subprocess
import sys
import tempfile
import venv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
# What `mkdocs build` reads: the configuration, the pages, and the snippet base paths.
SITE_INPUTS = ("mkdocs.yml", "pyproject.toml", "docs", "src", "snippets")
SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache")
# Constructs of our mkdocs.yml that stopped an earlier Zensical build, with a stand-in that
# means the same in the temporary copy. The second build applies them to find what breaks next.
ADAPTATIONS: tuple[tuple[str, str, str], ...] = (
    (
        "`!relative $config_dir/...` (MkDocs' YAML tag) as a plain relative path",
        r"!relative \$config_dir/",
        "",
    ),
)


@dataclass(frozen=True)
class Finding:
    feature: str
    ok: bool
    detail: str


def run(
    cmd: list[str], cwd: Path | None = None, env: dict[str, str] | None = None
) -> tuple[int, str]:
    proc = subprocess.run(
        cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=1800, check=False
    )
    return proc.returncode, proc.stdout + proc.stderr


def make_venv(path: Path) -> Path:
    """A venv at `path` with zensical and the docs group; returns its python."""
    python = path / "bin" / "python"
    if not python.exists():
        venv.create(path, with_pip=True)
    for args in (
        ["install", "--quiet", "--upgrade", "pip>=25.1"],
        ["install", "--quiet", "zensical"],
        # The docs group (mkdocstrings, pymdown-extensions, mike, llmstxt), without the
        # project itself: Zensical reads src/ through mkdocstrings' `paths`.
        ["install", "--quiet", "--group", f"{REPO_ROOT / 'pyproject.toml'}:docs"],
    ):
        code, out = run([str(python), "-m", "pip", *args])
        if code:
            raise SystemExit(f"pip {' '.join(args)} failed:\n{out[-3000:]}")
    return python


def page(site: Path, rel: str) -> str:
    path = site / rel / "index.html"
    return path.read_text(errors="replace") if path.exists() else ""


def check_snippets(site: Path) -> Finding:
    html = page(site, "reference-card")
    if not html:
        return Finding("snippets (pymdownx.snippets)", False, "reference-card page not built")
    if "--8&lt;--" in html or "--8<--" in html:
        return Finding("snippets (pymdownx.snippets)", False, "`--8<--` lines left unexpanded")
    ok = "axpy_kernel" in html
    return Finding("snippets (pymdownx.snippets)", ok, "included code present" if ok else
                   "included code (axpy_kernel) missing")  # fmt: skip


def check_mkdocstrings(site: Path) -> Finding:
    html = page(site, "api/metalsim")
    if not html:
        return Finding("mkdocstrings (API pages)", False, "api/metalsim page not built")
    if re.search(r"<p>\s*:::", html):
        return Finding("mkdocstrings (API pages)", False, "`::: identifier` left as text")
    objects = html.count("doc-object")
    # mkdocs-autorefs leaves an unresolved `[title][identifier]` as text.
    unresolved = re.findall(r"\]\[(?:metalsim|metal_guide)\.[\w.]+\]", html)
    ok = objects > 0 and not unresolved
    return Finding(
        "mkdocstrings + autorefs (API pages)",
        ok,
        f"{objects} rendered API object(s) on api/metalsim, "
        f"{len(unresolved)} unresolved cross-reference(s) {unresolved[:3]}",
    )


def check_blocks(site: Path) -> Finding:
    html = page(site, "testing-on-linux") + page(site, "guides/quick-start")
    admonitions = html.count('class="admonition')
    tabs = html.count("tabbed-set")
    literal = len(re.findall(r"<p>\s*///", html))
    ok = admonitions > 0 and literal == 0
    return Finding("admonitions/details/tabs (pymdownx.blocks)", ok,
                   f"{admonitions} admonition(s), {tabs} tab set(s), {literal} literal `///` "
                   "line(s) on testing-on-linux + quick-start")  # fmt: skip


def check_mike(site: Path, config: str) -> Finding:
    """The build runs with DOCS_VERSION_PROVIDER=mike, as a deployment does: Material then
    writes the provider into the page's configuration, and the theme's selector reads
    versions.json. (`mike deploy` itself runs MkDocs; that is not exercised here.)"""
    html = page(site, "")
    selector = re.search(r'"provider":\s*"mike"', html) is not None
    return Finding("mike (version selector)", selector,
                   "page configuration names the mike provider" if selector else
                   "the built page does not name the mike version provider")  # fmt: skip


def check_llmstxt(site: Path) -> Finding:
    files = [n for n in ("llms.txt", "llms-full.txt") if (site / n).exists()]
    return Finding("llms.txt (mkdocs-llmstxt)", len(files) == 2, f"written: {files or 'none'}")


def check_assets(site: Path, config: str) -> Finding:
    wanted = re.findall(r"^\s+- ((?:stylesheets|javascripts)/\S+)$", config, re.M)
    html = page(site, "")
    missing = [w for w in wanted if not (site / w).exists()]
    unlinked = [w for w in wanted if w not in html]
    ok = bool(wanted) and not missing and not unlinked
    return Finding(
        "our CSS/JS (extra_css, extra_javascript)",
        ok,
        f"{sorted(set(wanted))}: missing files {missing}, not linked {unlinked}",
    )


def check_hooks(config: str) -> Finding:
    has = re.search(r"^hooks:", config, re.M) is not None
    return Finding(
        "MkDocs hooks",
        True,
        "mkdocs.yml declares hooks: Zensical does not run them"
        if has
        else "mkdocs.yml declares no hooks (nothing to port)",
    )


def check_search(site: Path) -> Finding:
    found = sorted(str(p.relative_to(site)) for p in site.rglob("search*.json"))
    return Finding("search index", bool(found), f"files: {found or 'none'}")


CHECKS: tuple[Callable[[Path, str], Finding], ...] = (
    lambda s, c: check_snippets(s),
    lambda s, c: check_mkdocstrings(s),
    lambda s, c: check_blocks(s),
    check_mike,
    lambda s, c: check_llmstxt(s),
    check_assets,
    lambda s, c: check_hooks(c),
    lambda s, c: check_search(s),
)


def build(python: Path, work: Path, adapt: bool) -> tuple[int, str, Path]:
    for name in SITE_INPUTS:
        src = REPO_ROOT / name
        if src.is_dir():
            shutil.copytree(src, work / name, ignore=SKIP)
        elif src.exists():
            shutil.copy2(src, work / name)
    if adapt:
        config = work / "mkdocs.yml"
        text = config.read_text()
        for _, pattern, replacement in ADAPTATIONS:
            text = re.sub(pattern, replacement, text)
        config.write_text(text)
    zensical = python.parent / "zensical"
    env = {**os.environ, "DOCS_VERSION_PROVIDER": "mike"}
    code, out = run([str(zensical), "build", "-f", "mkdocs.yml"], cwd=work, env=env)
    return code, out, work / "site"


def section(
    title: str, notes: list[str], code: int, log: str, findings: list[Finding]
) -> list[str]:
    return [
        f"## {title}",
        "",
        *[f"- {note}" for note in notes],
        *([""] if notes else []),
        f"`zensical build -f mkdocs.yml` exit status: {code}",
        "",
        "| feature | works | detail |",
        "|---|---|---|",
        *[f"| {f.feature} | {'yes' if f.ok else 'NO'} | {f.detail} |" for f in findings],
        "",
        "Build output (last 40 lines):",
        "",
        "```text",
        *log.strip().splitlines()[-40:],
        "```",
        "",
    ]


def installability(python: Path, installed: str) -> str:
    """The newest zensical on the index, and why pip did not take it if it did not."""
    _, out = run([str(python), "-m", "pip", "index", "versions", "zensical"])
    match = re.search(r"zensical \(([^)]+)\)", out)
    newest = match.group(1) if match else "unknown"
    if newest in installed or newest == "unknown":
        return f"newest on the index: {newest}"
    _, out = run([str(python), "-m", "pip", "install", "--dry-run", f"zensical=={newest}"])
    errors = [line for line in out.splitlines() if line.startswith("ERROR")]
    return f"newest on the index: {newest}, not installable here: {' '.join(errors[:1])}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--venv", type=Path, help="reuse (or create) this venv")
    parser.add_argument("--out", type=Path,
                        default=REPO_ROOT / "test-artifacts" / "zensical-readiness.md")  # fmt: skip
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="zensical-") as tmp:
        python = make_venv(args.venv or Path(tmp) / "venv")
        _, version = run([str(python.parent / "zensical"), "--version"])
        newest = installability(python, version)
        config = (REPO_ROOT / "mkdocs.yml").read_text()
        today = datetime.datetime.now(datetime.timezone.utc).date().isoformat()
        lines = [
            f"# Zensical readiness ({today})",
            "",
            f"- Zensical {version.strip()} ({newest})",
            "- command: `make zensical-check` (`python tools/zensical_readiness.py`)",
            "",
        ]
        for adapt, title in ((False, "mkdocs.yml as it is"),
                             (True, "mkdocs.yml with the adaptations")):  # fmt: skip
            work = Path(tmp) / ("adapted" if adapt else "as-is")
            work.mkdir()
            code, log, site = build(python, work, adapt)
            findings = [check(site, config) for check in CHECKS] if site.is_dir() else []
            if not site.is_dir():
                findings.append(Finding("build", False, "no site/ written"))
            notes = [f"Adaptation: {text}." for text, _, _ in ADAPTATIONS] if adapt else []
            lines += section(title, notes, code, log, findings)

    text = "\n".join(lines)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
