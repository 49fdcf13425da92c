"""Launch rules, read at the call site: threadgroup size and scalar inputs."""

from __future__ import annotations

import ast

from metalsim.lint.model import Finding
from metalsim.lint.python_side import PyModule, is_launch

SIMD_WIDTH = 32  # threads per SIMD-group on every Apple GPU (threadExecutionWidth)
MAX_THREADS = 1024  # per threadgroup, Apple4 and later (Metal feature set tables)
MAX_SCALARS = 3  # more 0-d inputs than this: pack them into one small array


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def check_threadgroup_size(mod: PyModule) -> list[Finding]:
    out: list[Finding] = []
    for node in ast.walk(mod.tree):
        if not is_launch(node):
            continue
        assert isinstance(node, ast.Call)
        tg = mod.resolve(_keyword(node, "threadgroup"))
        if not isinstance(tg, (ast.Tuple, ast.List)):
            continue
        dims = [mod.int_value(e) for e in tg.elts]
        if any(d is None for d in dims):
            continue  # not known statically: nothing to say
        total = 1
        for d in dims:
            total *= int(d or 0)
        problem = ""
        if total > MAX_THREADS:
            problem = f"is above the {MAX_THREADS}-thread limit of Apple GPUs"
        elif total % SIMD_WIDTH:
            problem = (f"is not a multiple of the SIMD-group width ({SIMD_WIDTH}), so the last "
                       "SIMD-group of every threadgroup runs partly empty")
        if problem:
            out.append(Finding(
                "threadgroup-size", mod.path, tg.lineno,
                f"threadgroup {tuple(dims)} has {total} threads, which {problem}. Only the "
                "product of the dimensions counts.",
            ))
    return out


def _is_scalar(mod: PyModule, e: ast.expr) -> bool:
    v = mod.resolve(e)
    if isinstance(v, ast.Constant) and isinstance(v.value, (int, float)):
        return True
    if isinstance(v, ast.Call):
        f = v.func
        if isinstance(f, ast.Name) and f.id in ("int", "float", "len"):
            return True
        if isinstance(f, ast.Attribute) and f.attr == "array" and v.args:
            return not isinstance(v.args[0], (ast.List, ast.Tuple, ast.ListComp))
    if isinstance(v, ast.Attribute) and v.attr in ("size", "ndim"):
        return True
    return isinstance(v, ast.Subscript) and isinstance(v.value, ast.Attribute) and (
        v.value.attr == "shape")


def check_scalar_inputs(mod: PyModule) -> list[Finding]:
    out: list[Finding] = []
    for node in ast.walk(mod.tree):
        if not is_launch(node):
            continue
        assert isinstance(node, ast.Call)
        inputs = mod.resolve(_keyword(node, "inputs"))
        if not isinstance(inputs, (ast.List, ast.Tuple)):
            continue
        scalars = [e for e in inputs.elts if _is_scalar(mod, e)]
        if len(scalars) > MAX_SCALARS:
            out.append(Finding(
                "scalar-inputs", mod.path, inputs.lineno,
                f"{len(scalars)} scalar inputs: each becomes its own buffer argument (a kernel "
                "has 31 buffer slots, shared with outputs and shape arrays). Pack them into one "
                "small int32 or float32 array; MLX passes arrays of fewer than 8 elements in "
                "the `constant` address space.",
            ))
    return out
