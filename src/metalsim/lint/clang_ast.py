"""clang's AST of a kernel, through the toolchain metalsim already drives.

The kernel is translated exactly as ``metalsim.compiler`` translates it (preprocessor,
``metalsim.language.rewriter``, metalsim's prelude and MLX's preamble), with one difference: the
signature is written generically, so no call is needed. Every input and output gets its own
template type parameter (``const __in_x x``), which makes ``x[i]`` and a 0-d ``x`` equally valid,
and the template parameters come from the call sites' ``template=`` values. clang then parses the
kernel as an uninstantiated template; the rules walk that pattern. A second parse instantiates
it with ``bfloat16_t`` for every type parameter and element type, for the implicit-bfloat rule.

clang runs with ``-fsyntax-only -ast-dump=json -ast-dump-filter``; through zig, the ``cc1``
command line is derived once per toolchain (``-###``) and then called directly, which skips the
zig driver's per-call work (several CPU-seconds) and takes about 0.1 s per kernel.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import os
import shlex
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from metalsim import compiler, preamble, signature
from metalsim.errors import MetalCompileError, ToolchainError
from metalsim.language import checks, rewriter, source_map
from metalsim.lint.model import KernelSpec
from metalsim.toolchain import Toolchain, default_cache_dir, find_toolchain

KERNEL = "metalsim_lint_kernel"
USER_FILES = (source_map.SOURCE_FILE, source_map.HEADER_FILE)
_PLACEHOLDER_NAME = "kernel.cpp"


@dataclass
class Node:
    """A node of clang's JSON AST with its parent and where the user wrote it."""

    data: dict
    parent: Node | None
    file: str  # "<source>", "<header>", "<signature>" or "" (prelude, unknown)
    line: int
    col: int

    @property
    def kind(self) -> str:
        return str(self.data.get("kind", ""))

    @property
    def children(self) -> list[Node]:
        return self.__dict__.setdefault("_children", [])

    def type_name(self) -> str:
        t = self.data.get("type") or {}
        return str(t.get("desugaredQualType") or t.get("qualType") or "")

    def ancestors(self) -> Iterator[Node]:
        p = self.parent
        while p is not None:
            yield p
            p = p.parent

    def walk(self) -> Iterator[Node]:
        yield self
        for c in self.children:
            yield from c.walk()

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


@dataclass
class ParsedKernel:
    pattern: Node | None  # the kernel FunctionDecl (uninstantiated template pattern)
    errors: list[str] = field(default_factory=list)  # clang errors (the kernel does not parse)
    # (file, line, col, message) of implicit conversions to bfloat in the instantiation
    bfloat: list[tuple[str, int, int, str]] = field(default_factory=list)
    bfloat_skipped: str = ""  # why the bfloat instantiation could not be checked


# --------------------------------------------------------------------------- the translation unit

_PER_THREAD_ATTRS = (
    "thread_position_in_grid",
    "thread_position_in_threadgroup",
    "thread_index_in_threadgroup",
    "thread_index_in_simdgroup",
    "thread_index_in_quadgroup",
    "simdgroup_index_in_threadgroup",
    "quadgroup_index_in_threadgroup",
)


def _param_type(name: str) -> str:
    return f"__metalsim_lint_{name}_t"


def _instance_types(spec: KernelSpec, arrays: set[str], elem: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for n in spec.input_names:
        out[n] = f"const device {elem}*" if n in arrays else "int"
    for n in spec.output_names:
        out[n] = f"device {elem if spec.outputs_follow_inputs else 'float'}*"
    return out


def tu_text(spec: KernelSpec, instance: dict[str, str] | None = None) -> str:
    """The text to preprocess: header, a generic templated signature, body, instantiation."""
    tparams: list[str] = []
    targs: list[str] = []
    for name, kind in spec.template.items():
        tparams.append(f"{kind} {name}")
        if kind == "typename":
            targs.append("bfloat16_t")
        else:
            value = spec.template_values.get(name, 4 if kind == "int" else True)
            targs.append(str(int(value)) if kind == "int" else ("true" if value else "false"))
    params: list[str] = []
    for n in [*spec.input_names, *spec.output_names]:
        tparams.append(f"typename {_param_type(n)}")
        params.append(f"{_param_type(n)} {n}")
    shape_infos = signature.detect_shape_infos(spec.source, spec.input_names)
    for n, (shape, strides, ndim) in zip(spec.input_names, shape_infos, strict=True):
        if shape:
            params.append(f"const constant int* {n}_shape")
        if strides:
            params.append(f"const constant int64_t* {n}_strides")
        if ndim:
            params.append(f"const constant int& {n}_ndim")
    params += [f"{t} {a} [[{a}]]" for a, t in signature.detect_attributes(spec.source)]
    header = spec.header if spec.header.endswith("\n") or not spec.header else spec.header + "\n"
    text = f'#line 1 "{source_map.HEADER_FILE}"\n{header}'
    text += f'#line 1 "{source_map.SIGNATURE_FILE}"\ntemplate <{", ".join(tparams)}>\n'
    text += f"[[kernel]] void {KERNEL}({', '.join(params)}) {{\n"
    text += f'#line 1 "{source_map.SOURCE_FILE}"\n{spec.source}\n}}\n'
    if instance is not None:
        # Taking the address instantiates the template (as MLX's instantiation line does).
        types = [instance[n] for n in [*spec.input_names, *spec.output_names]]
        text += f'#line 1 "{source_map.SIGNATURE_FILE}"\n'
        args = ", ".join([*targs, *types])
        text += f"static auto *__metalsim_lint_instance = &{KERNEL}<{args}>;\n"
    return text


# --------------------------------------------------------------------------- running clang


def _cc1(tc: Toolchain, args: list[str], placeholder: Path) -> list[str] | None:
    """zig's in-process cc1 command line for ``args`` on ``placeholder`` (cached), else None."""
    if tc.kind != "zig":
        return None
    key = hashlib.sha256(json.dumps([tc.identity, args, str(placeholder)]).encode()).hexdigest()
    cache = default_cache_dir() / "lint" / f"cc1-{key[:24]}.json"
    if cache.exists():
        try:
            return list(json.loads(cache.read_text()))
        except ValueError:
            pass
    res = subprocess.run([*args, "-###", str(placeholder)], capture_output=True, text=True,
                         check=False)
    lines = [ln for ln in res.stderr.splitlines() if ln.startswith(' "')]
    if not lines:
        return None
    cmd = shlex.split(lines[-1])
    if "-cc1" not in cmd:
        return None
    cache.parent.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(cmd))
    os.replace(tmp, cache)
    return cmd


def _clang_args(tc: Toolchain) -> list[str]:
    header, pch = compiler._pch(tc, "safe")
    pch_args = ["-include-pch", str(pch)] if pch is not None else []
    return [*tc.cxx, *tc.compile_flags(math_mode="safe", optimize="-O2"),
            *compiler._defines("safe"), *preamble.include_flags(), *checks.diagnostic_flags(),
            *pch_args, "-include", str(header), "-fsyntax-only",
            "-Xclang", "-ast-dump=json", "-Xclang", f"-ast-dump-filter={KERNEL}"]  # fmt: skip


def _run_clang(tc: Toolchain, tu: Path) -> subprocess.CompletedProcess[str]:
    args = _clang_args(tc)
    placeholder_dir = default_cache_dir() / "lint" / "placeholder"
    placeholder = placeholder_dir / _PLACEHOLDER_NAME
    if not placeholder.exists():
        placeholder_dir.mkdir(parents=True, exist_ok=True)
        placeholder.write_text("")
    cc1 = _cc1(tc, args, placeholder)
    if cc1 is not None:
        cmd = [str(tu) if a == str(placeholder) else a for a in cc1]
    else:
        cmd = [*args, str(tu)]
    return subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=tu.parent)


def _decode_all(text: str) -> list[dict]:
    dec = json.JSONDecoder()
    out, i = [], 0
    while True:
        while i < len(text) and text[i] not in "{[":
            i += 1
        if i >= len(text):
            return out
        obj, i = dec.raw_decode(text, i)
        out.append(obj)


def _tree(roots: list[dict], tu_path: str, text: str) -> list[Node]:
    """Wrap JSON nodes in ``Node``, with user-file positions (locations are delta-coded:
    ``file`` is written only when it changes, so they are followed in document order)."""
    data = text.encode()
    starts = [0] + [i + 1 for i, b in enumerate(data) if b == 10]
    where = source_map.line_files(text)
    state = {"file": ""}

    def bare(loc: dict) -> int | None:
        if "file" in loc:
            state["file"] = loc["file"]
        return loc.get("offset") if state["file"] == tu_path else None

    def point(loc: dict) -> int | None:
        if "spellingLoc" in loc or "expansionLoc" in loc:
            sp = bare(loc.get("spellingLoc", {}))
            ex = bare(loc.get("expansionLoc", {}))
            return ex if ex is not None else sp
        return bare(loc)

    def position(offset: int | None) -> tuple[str, int, int]:
        if offset is None:
            return "", 0, 0
        idx = bisect.bisect_right(starts, offset) - 1
        f, line = where[idx]
        return f, line, offset - starts[idx] + 1

    def build(d: dict, parent: Node | None) -> Node:
        off = None
        if isinstance(d.get("loc"), dict):
            off = point(d["loc"])
        rng = d.get("range")
        if isinstance(rng, dict):
            b = point(rng.get("begin", {}))
            point(rng.get("end", {}))
            off = b if b is not None else off
        f, line, col = position(off)
        if not f and parent is not None:
            f, line, col = parent.file, parent.line, parent.col
        node = Node(d, parent, f, line, col)
        for v in d.get("inner", []) or []:
            if isinstance(v, dict) and v:
                node.children.append(build(v, node))
            else:
                node.children.append(Node({}, node, node.file, node.line, node.col))
        return node

    return [build(r, None) for r in roots]


def _errors(stderr: str) -> list[str]:
    out = []
    for ln in stderr.splitlines():
        m = source_map.DIAGNOSTIC_LINE.match(ln)
        if m and m.group("rest").startswith("error:") and "failed to rename" not in ln:
            out.append(f"{m.group('file')}:{m.group('line')}:{m.group('col')}: {m.group('rest')}")
    return out


def _parse_text(tc: Toolchain, text: str, work: Path) -> tuple[list[Node], str, str, Path]:
    pp = compiler._preprocess(tc, text, "safe", work)
    rw = rewriter.rewrite(pp, check=False)
    tu = work / _PLACEHOLDER_NAME
    tu.write_text(rw.text)
    res = _run_clang(tc, tu)
    try:
        roots = _decode_all(res.stdout)
    except ValueError as exc:
        raise ToolchainError(f"clang -ast-dump produced no JSON: {res.stderr.strip()}") from exc
    return _tree(roots, str(tu), rw.text), res.stderr, rw.text, tu


def _kernel_pattern(roots: list[Node]) -> Node | None:
    for r in roots:
        if r.kind == "FunctionTemplateDecl" and r.data.get("name") == KERNEL:
            for c in r.children:
                if c.kind == "FunctionDecl":
                    return c
    return None


def input_arrays(pattern: Node, spec: KernelSpec) -> set[str]:
    """Inputs the body indexes (``x[i]``): arrays; the others are taken as 0-d scalars."""
    names = set(spec.input_names)
    found: set[str] = set()
    for n in pattern.walk():
        if n.kind == "ArraySubscriptExpr" and n.children:
            for d in n.children[0].walk():
                ref = d.data.get("referencedDecl") or {}
                if d.kind == "DeclRefExpr" and ref.get("name") in names:
                    found.add(str(ref["name"]))
    # MLX passes name_shape / name_strides / name_ndim only for arrays
    for n, info in zip(spec.input_names, signature.detect_shape_infos(spec.source,
                                                                      spec.input_names),
                       strict=True):
        if any(info):
            found.add(n)
    return found


def parse(spec: KernelSpec) -> ParsedKernel:
    """Parse ``spec`` as a template pattern, then (if it has a type parameter) as bfloat."""
    tc = find_toolchain()
    with tempfile.TemporaryDirectory(prefix="metalsim-lint-") as tmp:
        work = Path(tmp)
        try:
            roots, stderr, _, _ = _parse_text(tc, tu_text(spec), work)
        except (MetalCompileError, rewriter.RewriteError) as exc:
            return ParsedKernel(None, [str(exc)])
        pattern = _kernel_pattern(roots)
        errors = _errors(stderr)
        result = ParsedKernel(pattern, errors)
        if pattern is None or errors:
            return result
        if "typename" not in spec.template.values() or spec.atomic_outputs:
            return result
        arrays = input_arrays(pattern, spec)
        instance = _instance_types(spec, arrays, "bfloat16_t")
        try:
            roots2, stderr2, text2, tu2 = _parse_text(tc, tu_text(spec, instance), work)
            errors2 = _errors(stderr2)
            # Some inputs hold indices, not data: give them uint elements, one at a time.
            for name in [n for n in spec.input_names if n in arrays]:
                if not errors2:
                    break
                trial = {**instance, name: "const device uint*"}
                r2, s2, t2, u2 = _parse_text(tc, tu_text(spec, trial), work)
                if len(_errors(s2)) < len(errors2):
                    instance, roots2, stderr2, text2, tu2 = trial, r2, s2, t2, u2
                    errors2 = _errors(s2)
        except (MetalCompileError, rewriter.RewriteError) as exc:
            errors2 = [str(exc)]
        if errors2:
            result.bfloat_skipped = errors2[0]
            return result
        diags, _ = checks.filter_warnings(stderr2)
        hits: dict[tuple[str, int, int], str] = {}
        for ln in diags.splitlines():
            m = source_map.DIAGNOSTIC_LINE.match(ln)
            if m and "no implicit conversion to bfloat" in m.group("rest"):
                key = (m.group("file"), int(m.group("line")), int(m.group("col")))
                hits[key] = m.group("rest").removeprefix("error: ")
        ast = [r.data for r in roots2]
        for f, (line, col), _end, msg in checks.ast_bf16_conversions(ast, str(tu2), text2):
            if not any(k[0] == f and k[1] == line for k in hits):
                hits[(f, line, col)] = msg.removeprefix("error: ")
        result.bfloat = [(f, line, col, msg) for (f, line, col), msg in sorted(hits.items())]
        return result


PER_THREAD_ATTRIBUTES = _PER_THREAD_ATTRS
