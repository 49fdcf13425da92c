"""Questions the Metal-side rules ask of clang's AST (see ``metalsim.lint.clang_ast``)."""

from __future__ import annotations

from collections.abc import Iterator

from metalsim.lint.clang_ast import Node

LOOPS = ("ForStmt", "WhileStmt", "DoStmt", "CXXForRangeStmt")
_TRANSPARENT = ("ImplicitCastExpr", "ParenExpr", "ConstantExpr", "ExprWithCleanups",
                "MaterializeTemporaryExpr", "CXXFunctionalCastExpr", "CStyleCastExpr",
                "CXXStaticCastExpr", "SubstNonTypeTemplateParmExpr")
_CONSTANT_DECLS = ("NonTypeTemplateParmDecl", "EnumConstantDecl")
_LITERALS = ("IntegerLiteral", "FloatingLiteral", "CXXBoolLiteralExpr", "CharacterLiteral",
             "UnaryExprOrTypeTraitExpr", "SizeOfPackExpr")
_INTEGER_TYPES = {
    "char", "signed char", "unsigned char", "short", "unsigned short", "int", "unsigned int",
    "long", "unsigned long", "long long", "unsigned long long", "uchar", "ushort", "uint",
    "ulong", "int8_t", "uint8_t", "int16_t", "uint16_t", "int32_t", "uint32_t", "int64_t",
    "uint64_t", "size_t", "ptrdiff_t",
}


def strip(node: Node) -> Node:
    """``node`` without implicit casts, parentheses and value-preserving wrappers."""
    while node.kind in _TRANSPARENT and node.children:
        node = node.children[-1] if node.kind != "CXXFunctionalCastExpr" else node.children[0]
    return node


def callee_name(node: Node) -> str:
    """The function or operator a call names (``threadgroup_barrier``, ``operator%``)."""
    if node.kind not in ("CallExpr", "CXXOperatorCallExpr") or not node.children:
        return ""
    c = strip(node.children[0])
    for key in ("referencedDecl", "referencedMemberDecl"):
        ref = c.data.get(key)
        if isinstance(ref, dict) and ref.get("name"):
            return str(ref["name"])
    return str(c.data.get("name", ""))


def referenced_decl(node: Node) -> dict:
    ref = node.data.get("referencedDecl")
    return ref if node.kind == "DeclRefExpr" and isinstance(ref, dict) else {}


def decl_refs(node: Node) -> Iterator[dict]:
    for n in node.walk():
        ref = referenced_decl(n)
        if ref:
            yield ref


def declarations(function: Node) -> dict[str, Node]:
    """Declarations inside ``function`` (and its parameters) by clang id."""
    return {str(n.data["id"]): n for n in function.walk()
            if n.kind in ("VarDecl", "ParmVarDecl") and "id" in n.data}


def is_integer_type(type_name: str) -> bool:
    t = type_name.replace("const ", "").replace("volatile ", "").strip()
    return t in _INTEGER_TYPES


def is_constant(node: Node, decls: dict[str, Node], loop_vars: frozenset[str] = frozenset(),
                _depth: int = 0) -> bool:
    """Whether the value is known when the kernel is compiled (or is an unrollable loop counter
    listed in ``loop_vars``): literals, template values, program-scope constants, ``const``
    locals initialised with constants, and arithmetic on those."""
    if _depth > 20:
        return False
    node = strip(node)
    if node.kind in _LITERALS:
        return True
    if node.kind == "DeclRefExpr":
        ref = referenced_decl(node)
        kind = ref.get("kind")
        if kind in ("NonTypeTemplateParmDecl", "EnumConstantDecl"):
            return True
        rid = str(ref.get("id", ""))
        if rid in loop_vars:
            return True
        if kind == "VarDecl":
            decl = decls.get(rid)
            if decl is None:
                # Declared outside the kernel: in Metal a program-scope variable is `constant`.
                return True
            if decl.data.get("constexpr"):
                return True
            const = decl.type_name().startswith("const ")
            init = [c for c in decl.children if c.kind]
            return const and bool(init) and is_constant(init[-1], decls, loop_vars, _depth + 1)
        return False
    if node.kind in ("BinaryOperator", "UnaryOperator", "ConditionalOperator") and node.children:
        if node.data.get("opcode") in ("++", "--", "="):
            return False
        return all(is_constant(c, decls, loop_vars, _depth + 1) for c in node.children if c.kind)
    return False


def enclosing_loops(node: Node) -> list[Node]:
    return [a for a in node.ancestors() if a.kind in LOOPS]


def unrollable_loop_vars(node: Node, decls: dict[str, Node]) -> frozenset[str]:
    """Counters of enclosing ``for`` loops that start and stop at compile-time constants
    (``for (int k = 0; k < 4; ++k)``): the compiler can unroll those loops fully."""
    out: set[str] = set()
    for loop in enclosing_loops(node):
        if loop.kind != "ForStmt" or len(loop.children) < 5:
            continue
        init, _, cond, inc, _ = loop.children[:5]
        var = next((c for c in init.walk() if c.kind == "VarDecl"), None)
        if var is None or not var.children or not is_constant(var.children[-1], decls):
            continue
        vid = str(var.data.get("id"))
        c = strip(cond) if cond.kind else cond
        if c.kind != "BinaryOperator" or len(c.children) != 2:
            continue
        sides = [strip(x) for x in c.children]
        refs = [str(referenced_decl(s).get("id", "")) for s in sides]
        if vid not in refs:
            continue
        other = c.children[1 - refs.index(vid)]
        if not is_constant(other, decls):
            continue
        if inc.kind and not all(str(r.get("id")) == vid or r.get("kind") in _CONSTANT_DECLS
                                for r in decl_refs(inc)):
            continue
        out.add(vid)
    return frozenset(out)


def user_code(node: Node) -> bool:
    return node.file in ("<source>", "<header>")
