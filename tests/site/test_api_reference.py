"""The API reference: no Sphinx roles in rendered docstrings, an example for every public function.

Docstrings are read with griffe, the loader mkdocstrings renders them with, so these tests see
the objects the `::: identifier` lines of `docs/api/*.md` put on the site. Examples live in the
Python fences of the API pages (pytest-markdown-docs runs them with the rest of `docs/`), and
which functions a fence uses is read from Python's `ast` of the fence.
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import griffe
import pytest
from markdown_it import MarkdownIt
from tests.site.docsupport import REPO_ROOT, expand_snippets

import metalsim
import metalsim.diagnostics

API_PAGES = REPO_ROOT / "docs" / "api"
# Packages whose every public function needs an example (metalsim: its exported API below).
EXAMPLE_PACKAGES = ("metal_guide.kernels", "metal_guide.bench", "metal_guide.timeline")
# `:func:`x``, `:class:`~a.b``, `:py:meth:`...`` and so on: mkdocstrings shows them verbatim.
SPHINX_ROLE = re.compile(r":(?:py:)?(?:func|class|meth|mod|attr|data|exc|obj|const|ref|doc):`")


@cache
def loader() -> griffe.GriffeLoader:
    load = griffe.GriffeLoader(search_paths=[str(REPO_ROOT / "src")])
    for package in ("metal_guide", "metalsim"):
        load.load(package)
    load.resolve_aliases(implicit=False, external=False)
    return load


def rendered_identifiers() -> list[str]:
    """The `::: identifier` lines of the API pages."""
    return [
        line.removeprefix(":::").strip()
        for page in sorted(API_PAGES.glob("*.md"))
        for line in page.read_text().splitlines()
        if line.startswith(":::")
    ]


def walk(obj: griffe.Object | griffe.Alias) -> Iterator[griffe.Object]:
    """`obj` and every member defined under it (aliases are rendered where they point)."""
    if obj.is_alias:
        try:
            obj = obj.final_target
        except (griffe.AliasResolutionError, griffe.CyclicAliasError):
            return
    yield obj
    for member in obj.members.values():
        if not member.is_alias:
            yield from walk(member)


def sphinx_roles(obj: griffe.Object) -> list[str]:
    text = obj.docstring.value if obj.docstring else ""
    return [f"{obj.path}: {m.group(0)}" for m in SPHINX_ROLE.finditer(text)]


def test_no_sphinx_roles_in_rendered_docstrings() -> None:
    """mkdocstrings renders Google-style Markdown; a Sphinx role shows up as literal text.
    Cross-reference with autorefs instead: [`install`][metalsim.install]."""
    objects = [loader().modules_collection.get_member(i) for i in rendered_identifiers()]
    found = sorted({role for top in objects for obj in walk(top) for role in sphinx_roles(obj)})
    assert not found, f"Sphinx roles in docstrings shown on the API pages: {found}"


def test_role_check_finds_a_planted_role() -> None:
    planted = griffe.Function("f", docstring=griffe.Docstring("See :func:`g` and :py:class:`C`."))
    assert len(sphinx_roles(planted)) == 2
    clean = griffe.Function("f", docstring=griffe.Docstring("See [`g`][metalsim.settings]."))
    assert sphinx_roles(clean) == []


# --- examples ---------------------------------------------------------------------------------


def public_functions() -> dict[str, set[str]]:
    """Public function -> the dotted names a reader may call it by.

    metalsim counts by its exports (`metalsim.__all__`, `metalsim.diagnostics.__all__`), named
    `metalsim.<name>`, because the modules behind them may move. Elsewhere every module-level
    function without a leading underscore in a module without one counts, under its own path and
    the paths of the re-exports that point at it.
    """
    collection = loader().modules_collection
    functions: dict[str, set[str]] = {}

    def add_package(obj: griffe.Object) -> None:
        for member in obj.members.values():
            if member.name.startswith("_"):
                continue
            if member.is_alias:
                try:
                    target = member.final_target
                except (griffe.AliasResolutionError, griffe.CyclicAliasError):
                    continue
                if target.is_function:
                    functions.setdefault(target.path, {target.path}).add(member.path)
            elif member.is_module:
                add_package(member)
            elif member.is_function:
                functions.setdefault(member.path, {member.path})

    for package in EXAMPLE_PACKAGES:
        add_package(collection.get_member(package))
    # metalsim's exports, read at run time: griffe sees the submodule `metalsim.install` where
    # the package namespace holds the function of that name.
    for module in (metalsim, metalsim.diagnostics):
        for name in module.__all__:
            if inspect.isfunction(getattr(module, name)):
                functions[f"{module.__name__}.{name}"] = {f"{module.__name__}.{name}"}
    return functions


def used_names(source: str) -> set[str]:
    """Dotted names `source` refers to, imports resolved: `from a import b; b.c` -> `a.b.c`."""
    tree = ast.parse(source)
    imported: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    imported[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    imported[top] = top
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                imported[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    names = set(imported.values())
    for node in ast.walk(tree):
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if isinstance(node, ast.Name) and node.id in imported:
            names.add(".".join([imported[node.id], *reversed(parts)]))
    return names


def python_fences(page: Path) -> Iterator[str]:
    """The Python fences of `page` that pytest-markdown-docs runs, includes expanded."""
    for token in MarkdownIt().parse(page.read_text()):
        info = token.info.strip("{} ")
        words = info.replace(".", " ").split()
        if token.type == "fence" and words[:1] == ["python"] and "notest" not in words:
            yield expand_snippets(token.content)


def functions_without_example(pages: list[Path]) -> list[str]:
    used = {name for page in pages for fence in python_fences(page) for name in used_names(fence)}
    return sorted(path for path, names in public_functions().items() if not names & used)


def test_every_public_function_has_a_tested_example() -> None:
    missing = functions_without_example(sorted(API_PAGES.glob("*.md")))
    assert not missing, (
        f"{len(missing)} public function(s) are used in no tested Python fence on an API page "
        f"(docs/api/*.md): {missing}"
    )


def test_example_check_fails_without_the_example(tmp_path: Path) -> None:
    """The check reads calls: a page without them leaves the functions missing."""
    page = tmp_path / "page.md"
    page.write_text(
        "```python\nimport metalsim\nfrom metalsim import diagnostics\n"
        "from metal_guide.kernels.rms_norm import rms_norm\n"
        "with metalsim.installed():\n    diagnostics.compare_schedules\n```\n"
        "```{.python notest}\nmetalsim.configure()\n```\n"
    )
    missing = functions_without_example([page])
    assert "metalsim.installed" not in missing
    assert "metalsim.diagnostics.compare_schedules" not in missing
    assert "metal_guide.kernels.rms_norm.rms_norm" not in missing
    assert "metalsim.configure" in missing  # only in a fence the tests do not run
    assert "metal_guide.kernels.rms_norm.rms_norm_reference" in missing


def test_every_exported_metalsim_function_is_enumerated() -> None:
    functions = public_functions()
    for name in ("install", "installed", "settings", "configure", "metal_kernel"):
        assert f"metalsim.{name}" in functions
    assert callable(metalsim.install)
    assert "metalsim.diagnostics.run_with_asan" in functions


# --- settings ---------------------------------------------------------------------------------


def test_settings_table_lists_every_field_with_its_default() -> None:
    """The table of `metalsim.Settings` fields on the API page matches the dataclass."""
    rows = {}
    for line in (API_PAGES / "metalsim.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0].startswith("`") and cells[1].startswith("`"):
            rows[cells[0].strip("`")] = cells[1].strip("`")
    fields = {f.name: repr(f.default) for f in dataclasses.fields(metalsim.Settings)}
    assert rows == {name: default.replace("'", '"') for name, default in fields.items()}


@pytest.mark.parametrize("name", ["install", "installed", "diagnostics", "Settings"])
def test_metalsim_api_page_renders(name: str) -> None:
    identifiers = rendered_identifiers()
    assert any(i == f"metalsim.{name}" or i.startswith(f"metalsim.{name}.") for i in identifiers)
