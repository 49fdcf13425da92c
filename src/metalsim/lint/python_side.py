"""The call side of a kernel, read with Python's ``ast``: constructions, launches, suppressions.

A construction is a call of ``metal_kernel`` (``mx.fast.metal_kernel(...)`` or an imported
``metal_kernel``); its ``source``/``header`` may be string literals or module-level constants. A
launch is any call with ``grid=`` and ``inputs=`` keywords (how a kernel object is called).
"""

from __future__ import annotations

import ast
import io
import tokenize
from dataclasses import dataclass, field
from typing import Any

from metalsim.language import lexer
from metalsim.lint.model import KernelSpec

SUPPRESS_PREFIX = "metalsim-lint:"
_POSITIONAL = ("name", "input_names", "output_names", "source", "header",
               "ensure_row_contiguous", "atomic_outputs")  # metal_kernel's parameters, in order
_DTYPE_NAMES = {"float32", "float16", "bfloat16", "int32", "uint32", "int64", "uint64", "int8",
                "uint8", "int16", "uint16", "bool_", "complex64", "float64"}
CACHE_DECORATORS = {"cache", "lru_cache", "cached_property"}


@dataclass
class Suppression:
    line: int
    rules: set[str]
    reason: str
    last_line: int  # the suppression covers lines [line, last_line]


@dataclass
class PyModule:
    path: str
    text: str
    tree: ast.Module
    parents: dict[ast.AST, ast.AST] = field(default_factory=dict)
    constants: dict[str, ast.expr] = field(default_factory=dict)  # module-level NAME = expr
    suppressions: list[Suppression] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @classmethod
    def parse(cls, path: str, text: str) -> PyModule:
        tree = ast.parse(text, filename=path)
        mod = cls(path, text, tree)
        for node in ast.walk(tree):
            for child in ast.iter_child_nodes(node):
                mod.parents[child] = node
        for stmt in tree.body:
            if isinstance(stmt, ast.Assign):
                for t in stmt.targets:
                    if isinstance(t, ast.Name):
                        mod.constants[t.id] = stmt.value
            elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                if stmt.value is not None:
                    mod.constants[stmt.target.id] = stmt.value
        mod.suppressions = _suppressions(mod)
        return mod

    def enclosing_function(self, node: ast.AST) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        p = self.parents.get(node)
        while p is not None:
            if isinstance(p, (ast.FunctionDef, ast.AsyncFunctionDef)):
                return p
            p = self.parents.get(p)
        return None

    def in_loop(self, node: ast.AST) -> bool:
        p = self.parents.get(node)
        while p is not None and not isinstance(p, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if isinstance(p, (ast.For, ast.While, ast.AsyncFor, ast.comprehension,
                              ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
                return True
            p = self.parents.get(p)
        return False

    def resolve(self, node: ast.expr | None, depth: int = 0) -> ast.expr | None:
        """Follow a Name to its module-level value (a few levels)."""
        while isinstance(node, ast.Name) and node.id in self.constants and depth < 5:
            node = self.constants[node.id]
            depth += 1
        return node

    def string(self, node: ast.expr | None) -> tuple[str | None, int | None]:
        """The value of a string expression and the file line of its first line, if static."""
        node = self.resolve(node)
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value, node.lineno
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            a, _ = self.string(node.left)
            b, _ = self.string(node.right)
            if a is not None and b is not None:
                return a + b, None
        return None, None

    def int_value(self, node: ast.expr | None) -> int | None:
        node = self.resolve(node)
        try:
            value = ast.literal_eval(node) if node is not None else None
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            return None
        return value if isinstance(value, int) else None

    def covered(self, rule: str, line: int) -> Suppression | None:
        for s in self.suppressions:
            if s.reason and rule in s.rules and s.line <= line <= s.last_line:
                return s
        return None


def _suppressions(mod: PyModule) -> list[Suppression]:
    """``# metalsim-lint: disable=rule-a,rule-b -- why`` comments (read with ``tokenize``).

    A comment on the first line of a statement or call covers all of it (a kernel
    construction, a launch); a comment alone on its line covers the statement below.
    """
    starts: dict[int, int] = {}
    for node in ast.walk(mod.tree):
        if isinstance(node, (ast.Call, ast.Assign, ast.Return, ast.Expr)):
            end = getattr(node, "end_lineno", node.lineno) or node.lineno
            starts[node.lineno] = max(starts.get(node.lineno, node.lineno), end)
    out = []
    for tok in tokenize.generate_tokens(io.StringIO(mod.text).readline):
        if tok.type != tokenize.COMMENT:
            continue
        body = tok.string.lstrip("#").strip()
        if not body.startswith(SUPPRESS_PREFIX):
            continue
        body = body[len(SUPPRESS_PREFIX):].strip()
        spec, _, reason = body.partition("--")
        spec = spec.strip()
        if not spec.startswith("disable="):
            mod.notes.append(f"{mod.path}:{tok.start[0]}: unreadable suppression {tok.string!r}")
            continue
        rules = {r.strip() for r in spec[len("disable="):].split(",") if r.strip()}
        line = tok.start[0]
        if not tok.line[: tok.start[1]].strip():
            line += 1  # a comment alone on its line covers the statement below it
        if not reason.strip():
            mod.notes.append(
                f"{mod.path}:{line}: suppression of {', '.join(sorted(rules))} ignored: "
                "give the reason after ` -- `"
            )
        out.append(Suppression(line, rules, reason.strip(), starts.get(line, line)))
    return out


# --------------------------------------------------------------------------- constructions


def is_construction(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    f = node.func
    return (isinstance(f, ast.Attribute) and f.attr == "metal_kernel") or (
        isinstance(f, ast.Name) and f.id == "metal_kernel"
    )


def is_launch(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    names = {k.arg for k in node.keywords}
    return "grid" in names and "inputs" in names


def _arguments(call: ast.Call) -> dict[str, ast.expr]:
    args: dict[str, ast.expr] = dict(zip(_POSITIONAL, call.args, strict=False))
    for k in call.keywords:
        if k.arg is not None:
            args[k.arg] = k.value
    return args


def _names(mod: PyModule, node: ast.expr | None) -> list[str] | None:
    node = mod.resolve(node)
    if isinstance(node, (ast.List, ast.Tuple)):
        out = []
        for e in node.elts:
            s, _ = mod.string(e)
            if s is None:
                return None
            out.append(s)
        return out
    return None


def template_kind(mod: PyModule, value: ast.expr) -> tuple[str, Any]:
    """("typename" | "int" | "bool" | "", constant value or None) of a template= value."""
    v = mod.resolve(value)
    if isinstance(v, ast.Constant):
        if isinstance(v.value, bool):
            return "bool", v.value
        if isinstance(v.value, int):
            return "int", v.value
    if isinstance(v, ast.Attribute) and (v.attr == "dtype" or v.attr in _DTYPE_NAMES):
        return "typename", None
    if isinstance(v, ast.Name) and "dtype" in v.id.lower():
        return "typename", None
    if isinstance(v, ast.Call) and isinstance(v.func, ast.Name):
        if v.func.id in ("int", "len"):
            return "int", None
        if v.func.id == "bool":
            return "bool", None
    if isinstance(v, (ast.BinOp, ast.Subscript)) or (
        isinstance(v, ast.Attribute) and v.attr in ("size", "ndim", "nbytes")
    ):
        return "int", None
    if isinstance(v, ast.Compare):
        return "bool", None
    return "", None


def template_params(mod: PyModule) -> dict[str, tuple[str, Any]]:
    """Template parameter kinds from every ``template=[("N", value), ...]`` in the module."""
    out: dict[str, tuple[str, Any]] = {}
    for node in ast.walk(mod.tree):
        if not isinstance(node, ast.Call):
            continue
        for k in node.keywords:
            if k.arg != "template":
                continue
            lst = mod.resolve(k.value)
            if not isinstance(lst, (ast.List, ast.Tuple)):
                continue
            for e in lst.elts:
                if isinstance(e, ast.Tuple) and len(e.elts) == 2:
                    name, _ = mod.string(e.elts[0])
                    if name is None:
                        continue
                    kind, value = template_kind(mod, e.elts[1])
                    old = out.get(name)
                    if old is None or not old[0] or (old[1] is None and value is not None):
                        out[name] = (kind or (old[0] if old else ""), value)
    return out


def _identifiers(metal: str) -> set[str]:
    """Identifier tokens of Metal text (metalsim's tokenizer, comments and strings blanked)."""
    return {t.text for t in lexer.tokenize(lexer.mask(metal)) if t.kind == "id"}


def _local_value(mod: PyModule, name: ast.Name, at: ast.AST) -> ast.expr | None:
    """The last value assigned to ``name`` in the function around ``at``, before it."""
    fn = mod.enclosing_function(at)
    if fn is None:
        return None
    value = None
    for n in ast.walk(fn):
        if isinstance(n, ast.Assign) and n.lineno < getattr(at, "lineno", 0):
            if any(isinstance(t, ast.Name) and t.id == name.id for t in n.targets):
                value = n.value
    return value


def _string_options(mod: PyModule, node: ast.expr | None,
                    at: ast.AST) -> list[tuple[str, int | None]]:
    """The possible values of a `source=` expression: a constant, or each value of a dict
    literal it is picked from (``{"a": SRC_A, "b": SRC_B}[variant]``)."""
    value, line = mod.string(node)
    if value is not None:
        return [(value, line)]
    if isinstance(node, ast.Name):
        local = _local_value(mod, node, at)
        return _string_options(mod, local, at) if local is not None else []
    if isinstance(node, ast.Subscript):
        table = node.value
        if isinstance(table, ast.Name):
            table = _local_value(mod, table, at) or mod.resolve(table)
        if isinstance(table, ast.Dict):
            out: list[tuple[str, int | None]] = []
            for v in table.values:
                opts = _string_options(mod, v, at)
                if len(opts) != 1:
                    return []
                out += opts
            return out
    return []


def _fixed_output_dtypes(mod: PyModule) -> bool:
    """Whether some launch in the module gives an output a fixed non-bfloat dtype
    (``output_dtypes=[mx.float32]``): then outputs are not assumed to follow the inputs."""
    for node in ast.walk(mod.tree):
        if not isinstance(node, ast.Call):
            continue
        for k in node.keywords:
            lst = mod.resolve(k.value) if k.arg == "output_dtypes" else None
            if isinstance(lst, (ast.List, ast.Tuple)):
                for e in lst.elts:
                    e = mod.resolve(e)
                    if isinstance(e, ast.Attribute) and e.attr in _DTYPE_NAMES - {"bfloat16"}:
                        return True
    return False


def kernel_specs(mod: PyModule) -> list[tuple[ast.Call, KernelSpec | None]]:
    """Every construction in the module, with its spec (None where it is not static)."""
    params = template_params(mod)
    follow = not _fixed_output_dtypes(mod)
    out: list[tuple[ast.Call, KernelSpec | None]] = []
    for node in ast.walk(mod.tree):
        if not is_construction(node):
            continue
        assert isinstance(node, ast.Call)
        a = _arguments(node)
        name, _ = mod.string(a.get("name"))
        if name is None:
            name = f"kernel built at line {node.lineno}"
        inputs = _names(mod, a.get("input_names"))
        outputs = _names(mod, a.get("output_names"))
        sources = _string_options(mod, a.get("source"), node)
        header, header_line = ("", None)
        if "header" in a:
            header, header_line = mod.string(a["header"])
        atomic = mod.resolve(a.get("atomic_outputs"))
        if inputs is None or outputs is None or not sources or header is None:
            mod.notes.append(f"{mod.path}:{node.lineno}: kernel not linted on the Metal side: "
                             "its input/output names, source or header is not a constant")
            out.append((node, None))
            continue
        for source, source_line in sources:
            idents = _identifiers(str(header) + "\n" + source)
            used = {n: v for n, v in params.items() if n in idents}
            spec = KernelSpec(
                name=str(name), input_names=inputs, output_names=outputs, source=source,
                header=str(header), atomic_outputs=not (
                    isinstance(atomic, ast.Constant) and atomic.value is False
                ) and atomic is not None,
                template={n: (k or "typename") for n, (k, _) in used.items()},
                template_values={n: v for n, (_, v) in used.items() if v is not None},
                template_unsure=[n for n, (k, _) in used.items() if not k],
                outputs_follow_inputs=follow, path=mod.path, line=node.lineno,
                source_line=source_line, header_line=header_line,
            )  # fmt: skip
            out.append((node, spec))
    return out
