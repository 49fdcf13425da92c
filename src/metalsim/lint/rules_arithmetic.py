"""Arithmetic rules: integer division or modulo by a run-time value in a loop (606, "Integer
divisions")."""

from __future__ import annotations

from metalsim.lint.clang_ast import Node, ParsedKernel
from metalsim.lint.metal_queries import (
    callee_name,
    declarations,
    enclosing_loops,
    is_constant,
    is_integer_type,
    strip,
    unrollable_loop_vars,
    user_code,
)
from metalsim.lint.model import Finding, KernelSpec

_OPS = {"/", "%", "/=", "%="}


def _operands(n: Node) -> tuple[str, Node, Node] | None:
    if n.kind in ("BinaryOperator", "CompoundAssignOperator"):
        op = str(n.data.get("opcode", ""))
        if op in _OPS and len(n.children) == 2:
            return op, n.children[0], n.children[1]
    if n.kind == "CXXOperatorCallExpr" and len(n.children) == 3:
        name = callee_name(n)
        if name.startswith("operator") and name[len("operator"):] in _OPS:
            return name[len("operator"):], n.children[1], n.children[2]
    return None


def check_integer_division(spec: KernelSpec, parsed: ParsedKernel) -> list[Finding]:
    fn = parsed.pattern
    if fn is None:
        return []
    decls = declarations(fn)
    out: list[Finding] = []
    for n in fn.walk():
        ops = _operands(n)
        if ops is None or not user_code(n) or not enclosing_loops(n):
            continue
        op, left, right = ops
        if is_constant(right, decls, unrollable_loop_vars(n, decls)):
            continue
        rt, lt = strip(right).type_name(), strip(left).type_name()
        if rt == "<dependent type>" or rt.startswith("__metalsim_lint_"):
            # A kernel input of unknown dtype: `%` is integer-only in Metal; for `/`, an
            # integer (non-literal) dividend makes an integer division the likely meaning.
            integer = op.startswith("%") or (
                is_integer_type(lt) and strip(left).kind != "IntegerLiteral"
            )
        else:
            integer = is_integer_type(rt)
        if not integer:
            continue
        out.append(Finding(
            "runtime-integer-division", spec.path, 0,
            f"integer `{op}` by a value the compiler cannot see, inside a loop: GPUs have no "
            "integer divider, so this costs many instructions per iteration. Make the divisor "
            "a compile-time constant (a template= value), or hoist the division out of the "
            "loop (step indices instead of recomputing them).",
            n.where,
        ))
    return out
