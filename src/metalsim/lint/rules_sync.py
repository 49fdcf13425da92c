"""Synchronisation rule: a barrier that some threads of a group may not reach (MSL §6.9.1)."""

from __future__ import annotations

from metalsim.lint.clang_ast import PER_THREAD_ATTRIBUTES, Node, ParsedKernel
from metalsim.lint.metal_queries import callee_name, decl_refs, strip, user_code
from metalsim.lint.model import Finding, KernelSpec

BARRIERS = ("threadgroup_barrier", "simdgroup_barrier")


def _tainted(fn: Node) -> set[str]:
    """Ids of variables whose value can differ between threads of one threadgroup: the
    per-thread position attributes, and what is computed from them (to a fixed point)."""
    tainted = {str(n.data["id"]) for n in fn.walk()
               if n.kind == "ParmVarDecl" and n.data.get("name") in PER_THREAD_ATTRIBUTES}
    flows: list[tuple[str, Node]] = []
    for n in fn.walk():
        if n.kind == "VarDecl" and n.children and n.children[-1].kind:
            flows.append((str(n.data.get("id")), n.children[-1]))
        elif n.kind in ("BinaryOperator", "CompoundAssignOperator") and len(n.children) == 2:
            if str(n.data.get("opcode", "")).endswith("=") and n.data.get("opcode") not in (
                "==", "!=", "<=", ">="
            ):
                lhs = strip(n.children[0])
                if lhs.kind == "DeclRefExpr":
                    flows.append((str(lhs.data["referencedDecl"].get("id")), n.children[1]))
    changed = True
    while changed:
        changed = False
        for target, value in flows:
            if target not in tainted and any(str(r.get("id")) in tainted
                                             for r in decl_refs(value)):
                tainted.add(target)
                changed = True
    return tainted


def _condition(stmt: Node) -> Node | None:
    ch = stmt.children
    if stmt.kind == "IfStmt":
        i = int(bool(stmt.data.get("hasInit"))) + int(bool(stmt.data.get("hasVar")))
        return ch[i] if len(ch) > i else None
    if stmt.kind == "ForStmt" and len(ch) >= 3:
        return ch[2]
    if stmt.kind == "WhileStmt" and len(ch) >= 2:
        return ch[-2]
    if stmt.kind == "DoStmt" and len(ch) >= 2:
        return ch[1]
    if stmt.kind in ("ConditionalOperator", "SwitchStmt") and ch:
        return ch[0] if stmt.kind == "ConditionalOperator" else ch[-2]
    return None


def _depends(cond: Node | None, tainted: set[str]) -> bool:
    return cond is not None and any(str(r.get("id")) in tainted for r in decl_refs(cond))


def check_divergent_barrier(spec: KernelSpec, parsed: ParsedKernel) -> list[Finding]:
    fn = parsed.pattern
    if fn is None:
        return []
    tainted = _tainted(fn)
    barriers = [n for n in fn.walk() if callee_name(n) in BARRIERS and user_code(n)]
    out: list[Finding] = []
    for b in barriers:
        for a in b.ancestors():
            if a is fn:
                break
            if _depends(_condition(a), tainted):
                what = "loop" if a.kind in ("ForStmt", "WhileStmt", "DoStmt") else "branch"
                out.append(Finding(
                    "divergent-barrier", spec.path, 0,
                    f"`{callee_name(b)}` inside a {what} whose condition ({a.where}) depends "
                    "on the thread's position: threads that skip it leave the others waiting "
                    "(undefined behaviour in the MSL specification, §6.9.1). Keep barriers in "
                    "code every thread of the group runs; guard the work instead.",
                    b.where,
                ))
                break
    if barriers:
        last = max((b.line, b.col) for b in barriers if b.file == "<source>") if any(
            b.file == "<source>" for b in barriers) else (0, 0)
        for r in fn.walk():
            if r.kind != "ReturnStmt" or r.file != "<source>" or (r.line, r.col) > last:
                continue
            for a in r.ancestors():
                if a is fn:
                    break
                if a.kind in ("IfStmt", "ConditionalOperator") and _depends(_condition(a),
                                                                             tainted):
                    out.append(Finding(
                        "divergent-barrier", spec.path, 0,
                        f"early `return` under a condition that depends on the thread's "
                        f"position ({a.where}), before a barrier: the returned threads never "
                        "reach it. Apple GPUs tolerate this, the MSL specification does not "
                        "(§6.9.1) and metalsim's strict-barrier mode rejects it; guard the "
                        "work with `if` instead of returning.",
                        r.where,
                    ))
                    break
    return out
