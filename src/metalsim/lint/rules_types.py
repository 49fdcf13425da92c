"""Type rules: `double` (Metal has none) and implicit conversions to bfloat (a Metal error)."""

from __future__ import annotations

from metalsim.lint.clang_ast import ParsedKernel
from metalsim.lint.metal_queries import user_code
from metalsim.lint.model import Finding, KernelSpec

_TYPED = ("VarDecl", "ParmVarDecl", "FieldDecl", "CStyleCastExpr", "CXXFunctionalCastExpr",
          "CXXStaticCastExpr", "TypedefDecl", "TypeAliasDecl")


def _words(type_name: str) -> set[str]:
    return set("".join(c if c.isalnum() or c == "_" else " " for c in type_name).split())


def check_double(spec: KernelSpec, parsed: ParsedKernel) -> list[Finding]:
    if parsed.pattern is None:
        return []
    out: list[Finding] = []
    lines: set[int] = set()
    for n in parsed.pattern.walk():
        if n.kind in _TYPED and user_code(n) and "double" in _words(n.type_name()):
            if n.line in lines:
                continue
            lines.add(n.line)
            out.append(Finding(
                "double", spec.path, 0,
                "`double`: the Metal Shading Language has no double type and Apple GPUs no "
                "64-bit float hardware. Use float (accumulate in float, or use a float-float "
                "pair where more precision is needed).",
                n.where,
            ))
    return out


def check_implicit_bfloat(spec: KernelSpec, parsed: ParsedKernel) -> list[Finding]:
    """metalsim's own bfloat check (language/checks.py), run on the kernel made bfloat."""
    return [
        Finding("implicit-bfloat", spec.path, 0,
                msg + " (found with every type parameter set to bfloat16_t)", f"{f}:{line}:{col}")
        for f, line, col, msg in parsed.bfloat
    ]
