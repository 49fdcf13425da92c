"""Machinery behind the documentation tests: snippet expansion, kernel detection, fence runner.

The root ``conftest.py`` wires these into pytest (hooks and fixtures only); tests under
``tests/`` import them from here (``from tests.site.docsupport import ...``). Importing this
module registers the snippet-aware runner with pytest-markdown-docs.
"""

from __future__ import annotations

import ast
import dataclasses
import re
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import mlx.core as mx
import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]


def tracked_files(*pathspecs: str) -> list[Path]:
    """Existing files git knows under `pathspecs` (git pathspecs: directories or globs).

    Repository-wide checks look only at committed files, so that a colleague's uncommitted work
    in a shared checkout cannot fail them (in CI that is everything). Outside a git checkout,
    every file under the pathspecs counts.
    """
    try:
        out = subprocess.run(
            ["git", "ls-files", "-z", "--", *pathspecs],
            cwd=REPO_ROOT,
            capture_output=True,
            check=True,
        ).stdout.decode()
        paths = [REPO_ROOT / name for name in out.split("\0") if name]
    except (OSError, subprocess.CalledProcessError):
        paths = [q for spec in pathspecs for q in REPO_ROOT.glob(spec)]
        paths = [f for q in paths for f in ([q] if q.is_file() else q.rglob("*"))]
    return [q for q in paths if q.is_file()]


# --- Documentation fences (pytest-markdown-docs) ----------------------------------------------
# Pages show code through pymdownx.snippets includes (`--8<-- "metal_guide/x.py:section"`). The
# default runner would execute the include line itself, so a snippet-aware runner expands each
# fence with the snippet options read from mkdocs.yml, i.e. it runs exactly what the site shows.
# It subclasses pytest-markdown-docs' private runner API, hence the ==0.9.2 pin in pyproject.


class _MkdocsLoader(yaml.SafeLoader):
    """Reads mkdocs.yml without MkDocs: `!relative` paths resolved, other tags kept as text."""


def _relative_tag(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    value = str(loader.construct_scalar(node))  # type: ignore[arg-type]
    return value.replace("$config_dir", str(REPO_ROOT))


_MkdocsLoader.add_constructor("!relative", _relative_tag)
_MkdocsLoader.add_constructor("!ENV", lambda loader, node: None)
_MkdocsLoader.add_multi_constructor(
    "tag:yaml.org,2002:python/", lambda loader, suffix, node: suffix
)


@cache
def mkdocs_config() -> dict[str, Any]:
    """mkdocs.yml as a plain dict (cached: it is read once per session)."""
    with open(REPO_ROOT / "mkdocs.yml", encoding="utf-8") as f:
        return yaml.load(f, Loader=_MkdocsLoader)  # noqa: S506 - our own restricted loader


def snippet_options() -> dict[str, Any]:
    """The `pymdownx.snippets` options of the site, exactly as mkdocs.yml sets them."""
    for ext in mkdocs_config().get("markdown_extensions", []):
        if isinstance(ext, dict) and "pymdownx.snippets" in ext:
            return dict(ext["pymdownx.snippets"])
    raise LookupError("mkdocs.yml does not configure pymdownx.snippets")


def expand_snippets(text: str) -> str:
    """Expand `--8<--` includes in `text` as the site build does (missing targets raise)."""
    import markdown
    from pymdownx.snippets import SnippetExtension

    options = snippet_options()
    # auto_append adds the abbreviation glossary to whole pages; it is not part of a fence.
    options["auto_append"] = []
    md = markdown.Markdown(extensions=[SnippetExtension(**options)])
    return "\n".join(md.preprocessors["snippet"].run(text.split("\n")))


_KERNEL_CALL = re.compile(r"\bmetal_kernel\s*\(")


def _imported_modules(source: str, package: str = "") -> set[str]:
    """`metal_guide.*` modules imported by `source` (absolute or relative to `package`)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return {n for n in names if n.split(".")[0] == "metal_guide"}


def uses_metal_kernels(source: str, package: str = "") -> bool:
    """Does `source`, or a `metal_guide` module it imports (transitively), build a kernel?"""
    seen: set[str] = set()
    pending = [(source, package)]
    while pending:
        text, pkg = pending.pop()
        if _KERNEL_CALL.search(text):
            return True
        for module in _imported_modules(text, pkg) - seen:
            seen.add(module)
            parts = module.split(".")
            for candidate in (
                REPO_ROOT.joinpath("src", *parts).with_suffix(".py"),
                REPO_ROOT.joinpath("src", *parts, "__init__.py"),
            ):
                if candidate.is_file():
                    pkg_name = module if candidate.name == "__init__.py" else ".".join(parts[:-1])
                    pending.append((candidate.read_text(), pkg_name))
    return False


def _fence_needs(source: str, package: str = "") -> tuple[bool, bool]:
    """(launches Metal kernels, needs a GPU stream) for a fence's expanded source."""
    return uses_metal_kernels(source, package), "mx.gpu" in source


NO_GPU = "needs a GPU device: this MLX build has no GPU back-end"


def source_marks(source: str, package: str = "") -> list[pytest.MarkDecorator]:
    """Marks for code shown on the site (a doc fence or an example module): `metal` when it
    launches kernels, and a skip where it needs a GPU stream and this MLX has none."""
    uses_kernel, uses_gpu = _fence_needs(source, package)
    marks = []
    if uses_kernel:
        marks.append(pytest.mark.metal)
    if uses_gpu:
        marks.append(pytest.mark.skipif(not mx.is_available(mx.gpu), reason=NO_GPU))
    return marks


def mark_doc_fences(items: list[pytest.Item]) -> None:
    """Doc fences that use kernels get the `metal` marker; GPU-stream fences skip without GPU."""
    for item in items:
        definition = getattr(item, "test_definition", None)
        if definition is None or item.get_closest_marker("markdown-docs") is None:
            continue
        try:
            source = expand_snippets(definition.source)
        except Exception:  # noqa: BLE001 - the runner reports the broken include as a failure
            continue
        for mark in source_marks(source):
            if mark.name == "skipif" and item.get_closest_marker("gpu_mapped"):
                continue  # the timeline plugin runs this fence's mx.gpu code on a CPU stream
            item.add_marker(mark)


try:
    from pytest_markdown_docs._runners import DefaultRunner, register_runner
except ImportError:  # plugin absent: plain pytest still works, doc fences are not collected
    pass
else:

    @register_runner(default=True)
    class SnippetRunner(DefaultRunner):
        """Runs a fence after expanding its `--8<--` includes."""

        def runtest(self, test: Any, args: dict[str, Any], *, asyncio_runner: Any = None) -> None:
            expanded = dataclasses.replace(test, source=expand_snippets(test.source))
            super().runtest(expanded, args, asyncio_runner=asyncio_runner)

        def repr_failure(self, test: Any, excinfo: Any, style: Any = None) -> str:
            try:
                test = dataclasses.replace(test, source=expand_snippets(test.source))
            except Exception:  # noqa: BLE001 - show the raw fence if the include is the problem
                pass
            return super().repr_failure(test, excinfo, style)
