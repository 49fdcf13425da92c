"""Build rules, read at the call site: kernels built per call, and template churn."""

from __future__ import annotations

import ast

from metalsim.lint.model import Finding
from metalsim.lint.python_side import CACHE_DECORATORS, PyModule, is_construction, is_launch


def _cached(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    for d in fn.decorator_list:
        target = d.func if isinstance(d, ast.Call) else d
        name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
        if name in CACHE_DECORATORS:
            return True
    return False


def _calls_of(mod: PyModule, name: str) -> list[ast.Call]:
    return [n for n in ast.walk(mod.tree) if isinstance(n, ast.Call)
            and isinstance(n.func, ast.Name) and n.func.id == name]


def check_built_per_call(mod: PyModule) -> list[Finding]:
    out: list[Finding] = []
    for node in ast.walk(mod.tree):
        if not is_construction(node):
            continue
        fn = mod.enclosing_function(node)
        if fn is None or _cached(fn):
            continue
        why = ""
        parent = mod.parents.get(node)
        if isinstance(parent, ast.Call) and parent.func is node:
            why = "it is built and launched in the same expression"
        elif isinstance(parent, ast.Assign) and all(isinstance(t, ast.Name)
                                                    for t in parent.targets):
            names = {t.id for t in parent.targets if isinstance(t, ast.Name)}
            for n in ast.walk(fn):
                if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and (
                        n.func.id in names):
                    why = f"`{fn.name}` builds it and launches it (`{n.func.id}(...)`)"
                    break
        if not why and any(mod.in_loop(c) for c in _calls_of(mod, fn.name)):
            why = f"`{fn.name}` is called in a loop"
        if why:
            out.append(Finding(
                "kernel-built-per-call", mod.path, node.lineno,
                f"`metal_kernel(...)` is built inside `{fn.name}`, and {why}: every call pays "
                "for building the kernel object again. Build it once, at import time or in a "
                "function decorated with `@functools.cache`.",
            ))
    return out


_SIZE_ATTRS = ("shape", "size", "nbytes")


def _size_dependent(e: ast.expr) -> str:
    for n in ast.walk(e):
        if isinstance(n, ast.Attribute) and n.attr in _SIZE_ATTRS:
            return f".{n.attr}"
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "len":
            return "len()"
    return ""


def check_template_churn(mod: PyModule) -> list[Finding]:
    out: list[Finding] = []
    for node in ast.walk(mod.tree):
        if not is_launch(node):
            continue
        assert isinstance(node, ast.Call)
        tpl = next((k.value for k in node.keywords if k.arg == "template"), None)
        tpl = mod.resolve(tpl)
        if not isinstance(tpl, (ast.List, ast.Tuple)):
            continue
        for e in tpl.elts:
            if not (isinstance(e, ast.Tuple) and len(e.elts) == 2):
                continue
            name, _ = mod.string(e.elts[0])
            source = _size_dependent(e.elts[1])
            if source:
                out.append(Finding(
                    "template-churn", mod.path, e.lineno,
                    f"template value `{name}` comes from an input's {source}: every distinct "
                    "size compiles a new Metal library (MLX caches one per template value). "
                    "Pass sizes as inputs (or the `x_shape` MLX provides) unless the set of "
                    "sizes is small and known.",
                ))
    return out
