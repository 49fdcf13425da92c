"""A performance lint for ``mx.fast.metal_kernel`` kernels: ``python -m metalsim lint FILE...``.

Each rule enforces one item of the site's performance checklist. Metal-side rules read clang's
AST of the kernel's ``source``/``header`` (``metalsim.lint.clang_ast``), call-side rules read
Python's ``ast`` of the file that builds and launches it (``metalsim.lint.python_side``).
Nothing is executed and no Metal device is needed.

Silence a finding you have a reason for with a comment on the first line of the construction or
launch: ``# metalsim-lint: disable=<rule-id> -- <why>``. A suppression without a reason is
ignored.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from metalsim.lint import (
    clang_ast,
    rules_arithmetic,
    rules_build,
    rules_launch,
    rules_memory,
    rules_sync,
    rules_types,
)
from metalsim.lint.model import GUIDE_PAGE, Finding, KernelSpec, Rule, guide_link
from metalsim.lint.python_side import PyModule, kernel_specs

__all__ = ["GUIDE_PAGE", "RULES", "Finding", "KernelSpec", "LintReport", "Rule", "guide_link",
           "lint_file", "lint_kernel", "lint_paths", "rule"]

RULES: tuple[Rule, ...] = (
    Rule("stack-array-dynamic-index", "No dynamically indexed arrays on the stack", "metal",
         "thread-local-arrays", "a thread-local array indexed by a run-time value",
         rules_memory.check_stack_array),
    Rule("runtime-integer-division", "No integer division or modulo by run-time values in loops",
         "metal", "integer-division-and-modulo",
         "`/` or `%` by a run-time integer inside a loop", rules_arithmetic.check_integer_division),
    Rule("double", "No double", "metal", "16-bit-types-and-no-double",
         "a `double` anywhere in the kernel", rules_types.check_double),
    Rule("implicit-bfloat", "Explicit conversions to bfloat", "metal",
         "16-bit-types-and-no-double", "an implicit conversion to bfloat (a Metal compile error)",
         rules_types.check_implicit_bfloat),
    Rule("divergent-barrier", "Barriers reached by every thread of the group", "metal",
         "barrier-scope",
         "a barrier in a branch or loop that depends on the thread's position, or after a "
         "thread-dependent early return", rules_sync.check_divergent_barrier),
    Rule("threadgroup-size", "Threadgroups of a multiple of 32 threads, at most 1024", "python",
         "threadgroup-size", "a literal threadgroup size that is no multiple of 32 or above 1024",
         rules_launch.check_threadgroup_size),
    Rule("kernel-built-per-call", "Each kernel is built once", "python",
         "build-once-warm-up-per-variant",
         "`metal_kernel(...)` built inside a function that launches it or runs in a loop",
         rules_build.check_built_per_call),
    Rule("template-churn", "Template values from a small, fixed set", "python",
         "build-once-warm-up-per-variant", "a template= value computed from an input's size",
         rules_build.check_template_churn),
    Rule("scalar-inputs", "Few scalar inputs: one small parameter array", "python",
         "address-spaces", "more than three scalar inputs in one launch",
         rules_launch.check_scalar_inputs),
)


def rule(rule_id: str) -> Rule:
    for r in RULES:
        if r.id == rule_id:
            return r
    raise KeyError(f"no lint rule {rule_id!r}; rules: {', '.join(r.id for r in RULES)}")


@dataclass
class LintReport:
    findings: list[Finding] = field(default_factory=list)
    suppressed: list[tuple[Finding, str]] = field(default_factory=list)  # (finding, reason)
    notes: list[str] = field(default_factory=list)  # what could not be checked, and why
    kernels: int = 0  # constructions linted on the Metal side

    def extend(self, other: LintReport) -> None:
        self.findings += other.findings
        self.suppressed += other.suppressed
        self.notes += other.notes
        self.kernels += other.kernels


def _python_line(spec: KernelSpec, metal_location: str) -> int:
    f, _, rest = metal_location.partition(":")
    try:
        line = int(rest.split(":")[0])
    except ValueError:
        return spec.line
    start = spec.source_line if f == "<source>" else spec.header_line if f == "<header>" else None
    return start + line - 1 if start is not None else spec.line


def _undeclared(errors: list[str]) -> dict[str, str]:
    """Names clang reports as unknown types / undeclared identifiers: template parameters
    whose launch is in another module (kind: typename / int)."""
    out: dict[str, str] = {}
    for e in errors:
        for marker, kind in (("unknown type name '", "typename"),
                             ("use of undeclared identifier '", "int")):
            if marker in e:
                out.setdefault(e.split(marker, 1)[1].split("'", 1)[0], kind)
    return out


def _parse_with_template_guesses(spec: KernelSpec) -> tuple[KernelSpec, clang_ast.ParsedKernel]:
    parsed = clang_ast.parse(spec)
    for _ in range(4):  # names clang does not know: add them as template parameters
        extra = {n: k for n, k in _undeclared(parsed.errors).items() if n not in spec.template}
        if not extra:
            break
        spec = replace(spec, template={**spec.template, **extra},
                       template_unsure=[*spec.template_unsure, *extra])
        parsed = clang_ast.parse(spec)
    if parsed.errors and spec.template_unsure:
        # Kinds the call sites do not show: try the other combinations (typename / int).
        unsure = spec.template_unsure
        for mask in range(1, 2 ** min(len(unsure), 3)):
            kinds = dict(spec.template)
            for i, name in enumerate(unsure[:3]):
                if mask >> i & 1:
                    kinds[name] = "int" if kinds[name] == "typename" else "typename"
            retry = clang_ast.parse(replace(spec, template=kinds))
            if not retry.errors:
                return replace(spec, template=kinds), retry
    return spec, parsed


def lint_kernel(spec: KernelSpec, *, notes: list[str] | None = None) -> list[Finding]:
    """Run the Metal-side rules on one kernel; findings carry the file line where possible."""
    spec, parsed = _parse_with_template_guesses(spec)
    if notes is not None:
        if parsed.errors:
            notes.append(f"{spec.path}:{spec.line}: kernel `{spec.name}` not linted on the Metal "
                         f"side, clang could not parse it: {parsed.errors[0]}")
        if parsed.bfloat_skipped:
            notes.append(f"{spec.path}:{spec.line}: kernel `{spec.name}`: bfloat check skipped "
                         f"(instantiation failed: {parsed.bfloat_skipped})")
    out = []
    for r in RULES:
        if r.side != "metal":
            continue
        for f in r.check(spec, parsed):
            out.append(replace(f, path=spec.path, line=_python_line(spec, f.metal_location),
                               link=r.link))
    return out


def lint_source(path: str, text: str) -> LintReport:
    """Lint the kernels built and launched in one Python file's text."""
    mod = PyModule.parse(path, text)
    report = LintReport()
    found: list[Finding] = []
    for call, spec in kernel_specs(mod):
        if spec is None:
            continue
        report.kernels += 1
        for f in lint_kernel(spec, notes=report.notes):
            # A Metal finding can be silenced on any line of its construction.
            s = mod.covered(f.rule, f.line) or mod.covered(f.rule, call.lineno)
            if s is not None:
                report.suppressed.append((f, s.reason))
            else:
                found.append(f)
    for r in RULES:
        if r.side != "python":
            continue
        for f in r.check(mod):
            f = replace(f, link=r.link)
            s = mod.covered(f.rule, f.line)
            if s is not None:
                report.suppressed.append((f, s.reason))
            else:
                found.append(f)
    report.findings = sorted(found, key=lambda f: (f.path, f.line, f.rule))
    report.notes = mod.notes + report.notes
    return report


def lint_file(path: str | Path) -> LintReport:
    p = Path(path)
    return lint_source(str(p), p.read_text())


def lint_paths(paths: list[str | Path]) -> LintReport:
    """Lint files, and every ``*.py`` under directories."""
    report = LintReport()
    for p in map(Path, paths):
        files = sorted(p.rglob("*.py")) if p.is_dir() else [p]
        for f in files:
            report.extend(lint_file(f))
    return report
