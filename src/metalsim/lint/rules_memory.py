"""Memory rules: thread-local arrays indexed at run time (WWDC16 606, "Stack access")."""

from __future__ import annotations

from metalsim.lint.clang_ast import Node, ParsedKernel
from metalsim.lint.metal_queries import (
    declarations,
    is_constant,
    referenced_decl,
    strip,
    unrollable_loop_vars,
    user_code,
)
from metalsim.lint.model import Finding, KernelSpec


def _is_thread_array(decl: Node) -> bool:
    """A plain local array: not threadgroup (metalsim makes those references), not `const`
    (an array of constants is fine), not static/constexpr."""
    t = decl.type_name()
    return (
        decl.kind == "VarDecl"
        and t.endswith("]")
        and "&" not in t
        and "*" not in t
        and not t.startswith("const ")
        and decl.data.get("storageClass") != "static"
        and not decl.data.get("constexpr")
    )


def check_stack_array(spec: KernelSpec, parsed: ParsedKernel) -> list[Finding]:
    fn = parsed.pattern
    if fn is None:
        return []
    decls = declarations(fn)
    arrays = {i for i, d in decls.items() if _is_thread_array(d)}
    reported: set[str] = set()
    out: list[Finding] = []
    for n in fn.walk():
        if n.kind != "ArraySubscriptExpr" or len(n.children) != 2 or not user_code(n):
            continue
        base = n.children[0]
        indices = [n.children[1]]
        while strip(base).kind == "ArraySubscriptExpr" and len(strip(base).children) == 2:
            indices.append(strip(base).children[1])
            base = strip(base).children[0]
        ref = referenced_decl(strip(base))
        aid = str(ref.get("id", ""))
        if aid not in arrays or aid in reported:
            continue
        loop_vars = unrollable_loop_vars(n, decls)
        if all(is_constant(i, decls, loop_vars) for i in indices):
            continue
        reported.add(aid)
        d = decls[aid]
        out.append(Finding(
            "stack-array-dynamic-index", spec.path, 0,
            f"thread-local array `{ref.get('name')}` ({d.type_name()}, declared at "
            f"{d.where}) is indexed by a value known only at run time; such arrays live in "
            "slow per-thread stack memory instead of registers. Index it only with constants "
            "or counters of loops with constant bounds (which the compiler unrolls), or use "
            "separate variables.",
            n.where,
        ))
    return out
