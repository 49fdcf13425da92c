"""The lint's data model: rules, findings and the kernels it reads.

A ``Rule`` turns one item of the performance checklist into a check. Metal-side rules read
clang's AST of the kernel (``metalsim.lint.clang_ast``); call-side rules read Python's
``ast`` of the file that builds and launches the kernel (``metalsim.lint.python_side``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from metalsim import config

# The guide page that explains each rule, relative to the site's root. A finding links to
# $METALSIM_GUIDE_URL + GUIDE_PAGE + "#" + rule.anchor; without that variable (the site's
# address is set where it is deployed, not in this package) it names the page's source file.
GUIDE_PAGE = "guides/wwdc16-optimization/"
GUIDE_SOURCE = "docs/guides/wwdc16-optimization.md"


def guide_link(anchor: str) -> str:
    """Where the guide explains the rule whose section is ``anchor``."""
    base = config.env(config.GUIDE_URL)
    if base:
        return f"{base.rstrip('/')}/{GUIDE_PAGE}#{anchor}"
    return f"{GUIDE_SOURCE}#{anchor} in the mlx-metal-guide (set {config.GUIDE_URL} for a link)"


@dataclass(frozen=True)
class Finding:
    """One problem: which rule, where, and why."""

    rule: str
    path: str  # the Python file (or "<kernel>" for a kernel linted directly)
    line: int  # line in `path`
    message: str
    metal_location: str = ""  # "<source>:L:C" / "<header>:L:C" for Metal-side findings
    link: str = ""

    def format(self) -> str:
        where = f"{self.path}:{self.line}"
        if self.metal_location:
            where += f" ({self.metal_location})"
        return f"{where}: [{self.rule}] {self.message}\n    see {self.link}"


@dataclass(frozen=True)
class Rule:
    """One check. ``check`` returns findings without ``path``/``link`` filled in."""

    id: str
    checklist_item: str  # the heading of the item it enforces on the performance checklist
    side: str  # "metal" (clang AST of the kernel) or "python" (ast of the call site)
    anchor: str  # section of the WWDC16 optimization guide that explains it
    summary: str
    check: Callable[..., list[Finding]] = field(compare=False, repr=False)

    @property
    def link(self) -> str:
        return guide_link(self.anchor)


@dataclass
class KernelSpec:
    """What the lint needs to know about one ``metal_kernel(...)`` construction."""

    name: str
    input_names: list[str]
    output_names: list[str]
    source: str
    header: str = ""
    atomic_outputs: bool = False
    # template parameter name -> "typename", "int" or "bool" (from the call sites' template=)
    template: dict[str, str] = field(default_factory=dict)
    template_values: dict[str, Any] = field(default_factory=dict)
    # template parameters whose kind the call sites do not show (tried as typename, then int)
    template_unsure: list[str] = field(default_factory=list)
    # whether outputs may be bfloat (False when the module's launches fix output dtypes)
    outputs_follow_inputs: bool = True
    path: str = "<kernel>"
    line: int = 1  # line of the construction in `path`
    # line in `path` of line 1 of `source` / `header`, when they are string literals there
    source_line: int | None = None
    header_line: int | None = None
