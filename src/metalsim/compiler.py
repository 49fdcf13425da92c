"""Compile the Metal source MLX generates for a custom kernel into a host shared object.

Pipeline (ARCHITECTURE.md, Interface 2):

1. split MLX's text into the user's ``header``, the generated signature, the user's ``source``
   (the kernel body) and the template instantiation, and tag each part with ``#line`` so
   diagnostics read ``<header>:L:C`` / ``<source>:L:C``;
2. preprocess with ``clang -E -C`` (user macros expand, so a macro that declares a
   ``threadgroup`` array is seen; ``<metal_stdlib>`` & co. expand to nothing here), then put
   back the user's original spelling on every line that no macro touched, so columns are exact;
3. rewrite MSL into host C++ (``metalsim.rewrite``);
4. append an ``extern "C"`` entry wrapper that unpacks ``args`` and the thread attributes;
5. compile with the prelude (metalsim headers + MLX's real preamble, ``metalsim.preamble``)
   as a precompiled header, into a ``.so`` cached by a hash of everything that affects it.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import json
import os
import re
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from metalsim import first_run, preamble, rewrite
from metalsim.errors import MetalCompileError, ToolchainError
from metalsim.toolchain import MATH_MODES, Toolchain, default_cache_dir, find_toolchain

HEADER_FILE = "<header>"
SOURCE_FILE = "<source>"
SIGNATURE_FILE = "<signature>"
ENTRY_FILE = "<metalsim-entry>"
_USER_FILES = (HEADER_FILE, SOURCE_FILE, SIGNATURE_FILE)
_CODEGEN_VERSION = "3"
_FIXED_MTIME = 1_700_000_000


@dataclass(frozen=True)
class Param:
    """One parameter of the generated kernel signature, in order."""

    name: str  # "a", "a_shape", "thread_position_in_grid", ...
    kind: str  # "buffer" (T* / const T*), "scalar" (const constant T&), "attr"
    ctype: str  # Metal type string: "float", "bfloat16_t", "atomic<float>", "uint3", ...


@dataclass(frozen=True)
class EntrySpec:
    kernel_name: str  # e.g. custom_kernel_myexp__float_float_float
    template_def: str | None  # e.g. "<float>" (as MLX writes it) or None
    params: tuple[Param, ...]


@dataclass(frozen=True)
class CompiledKernel:
    path: Path  # the shared object
    entry_symbol: str  # extern "C" wrapper with the metalsim_entry_fn signature
    uses_sync: bool  # any barrier / simd_* / quad_* / threadgroup atomics: needs fibers


# --------------------------------------------------------------------------- source splitting


@dataclass
class _Parts:
    header: str
    signature: str
    body: str
    tail: str


def split_source(metal_source: str, entry: EntrySpec) -> _Parts | None:
    """Find header / signature / body / instantiation in MLX's generated text.

    MLX writes ``header`` (verbatim, no newline added), an optional ``template <...>\\n`` line,
    ``[[kernel]] void NAME(\\n ...params...) {\\n``, ``source``, ``\\n}\\n`` and, for templated
    kernels, ``\\ntemplate [[host_name("NAME")]] ...``. Returns None if the text has another shape
    (then the whole text is treated as user source).
    """
    sig_at = metal_source.find(f"[[kernel]] void {entry.kernel_name}(")
    if sig_at < 0:
        return None
    head_end = sig_at
    if entry.template_def:
        t = metal_source.rfind("template <", 0, sig_at)
        if t >= 0 and "\n" not in metal_source[t:sig_at].rstrip("\n"):
            head_end = t
    open_at = metal_source.find(") {\n", sig_at)
    if open_at < 0:
        return None
    body_start = open_at + len(") {\n")
    tail_at = len(metal_source)
    if entry.template_def:
        inst = metal_source.rfind('\ntemplate [[host_name("')
        if inst > body_start:
            tail_at = inst
    close = metal_source.rfind("\n}\n", body_start, tail_at + 1)
    if close < 0:
        return None
    return _Parts(
        header=metal_source[:head_end],
        signature=metal_source[head_end:body_start],
        body=metal_source[body_start:close],
        tail=metal_source[close:],
    )


def _tagged(parts: _Parts | None, metal_source: str) -> tuple[str, dict[str, list[str]]]:
    """The text to preprocess, with #line markers; and each user file's original lines."""
    if parts is None:
        return f'#line 1 "{SOURCE_FILE}"\n{metal_source}\n', {
            SOURCE_FILE: metal_source.split("\n")
        }
    out = []
    originals: dict[str, list[str]] = {}
    sig = parts.signature
    header = parts.header
    if header and not header.endswith("\n"):
        # MLX glues the header's last line to the signature; keep that line in <header>.
        nl = sig.find("\n")
        header, sig = header + sig[: nl + 1], sig[nl + 1 :]
    if header:
        out.append(f'#line 1 "{HEADER_FILE}"\n{header}')
        if not header.endswith("\n"):
            out.append("\n")
        originals[HEADER_FILE] = header.split("\n")
    out.append(f'#line 1 "{SIGNATURE_FILE}"\n{sig}')
    out.append(f'#line 1 "{SOURCE_FILE}"\n{parts.body}\n')
    originals[SOURCE_FILE] = parts.body.split("\n")
    originals[SIGNATURE_FILE] = sig.split("\n")
    n_sig = sig.count("\n") + 1
    out.append(f'#line {n_sig} "{SIGNATURE_FILE}"\n{parts.tail.lstrip(chr(10))}\n')
    return "".join(out), originals


# --------------------------------------------------------------------------- preprocessing

_MARKER = re.compile(r'^#\s*(?:line\s+)?(\d+)\s+"([^"]*)"')


def _line_files(text: str) -> list[tuple[str, int]]:
    """(file, line) of every line of preprocessed ``text`` (markers get the next line's)."""
    res = []
    cur_file, cur_line = "", 1
    for ln in text.split("\n"):
        m = _MARKER.match(ln)
        if m:
            res.append((cur_file, 0))
            cur_file, cur_line = m.group(2), int(m.group(1))
            continue
        res.append((cur_file, cur_line))
        cur_line += 1
    return res


def _tokens_of(line: str) -> list[str]:
    return [t.text for t in rewrite.tokenize(rewrite.mask(line))]


def _respace(pp: str, originals: dict[str, list[str]]) -> str:
    """Put back the user's spelling on lines the preprocessor only re-spaced."""
    lines = pp.split("\n")
    where = _line_files(pp)
    out = []
    for ln, (f, n) in zip(lines, where, strict=True):
        orig = originals.get(f)
        if orig is not None and 1 <= n <= len(orig) and not ln.lstrip().startswith("#"):
            o = orig[n - 1]
            if o != ln and not o.lstrip().startswith("#") and _tokens_of(o) == _tokens_of(ln):
                ln = o
        out.append(ln)
    return "\n".join(out)


def _defines(math_mode: str) -> list[str]:
    d = ["-D__METAL_VERSION__=320", "-D__METAL__=1"]
    if math_mode in ("fast", "relaxed"):
        d.append("-D__FAST_MATH__=1")
    return d


def _preprocess(tc: Toolchain, tagged: str, math_mode: str, work: Path) -> str:
    src = work / "user.metal.cpp"
    src.write_text(tagged)
    cmd = [
        *tc.cxx, "-E", "-C", "-x", "c++", "-std=c++20", "-nostdinc", "-nostdinc++",
        "-DMETALSIM_PREPROCESS_ONLY=1", *_defines(math_mode),
        f"-I{preamble.INCLUDE_DIR / 'metalsim'}", str(src),
    ]  # fmt: skip
    res = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if res.returncode != 0:
        raise MetalCompileError(_clean_paths(res.stderr.strip(), work))
    return res.stdout


def _clean_paths(msg: str, work: Path) -> str:
    # MLX's preamble marks its lines `#line N "mlx/backend/..."`; clang prefixes a directory.
    msg = re.sub(r"(?m)(^|\s)/\S*?/(mlx/backend/metal/kernels/)", r"\1\2", msg)
    return msg.replace(str(work) + os.sep, "")


# --------------------------------------------------------------------------- entry wrapper


def _entry(entry: EntrySpec, symbol: str) -> str:
    args = []
    i = 0  # args[] holds one entry per non-attr param (ARCHITECTURE.md, Interface 2)
    for p in entry.params:
        if p.kind == "buffer":
            args.append(f"({p.ctype}*)args[{i}]")
            i += 1
        elif p.kind == "scalar":
            args.append(f"*(const {p.ctype}*)args[{i}]")
            i += 1
        elif p.kind == "attr":
            args.append(f"::metalsim::attr<{p.ctype}>(attrs->{p.name})")
        else:
            raise ValueError(f"unknown parameter kind {p.kind!r} for {p.name!r}")
    call = entry.kernel_name + (entry.template_def or "")
    joined = ",\n      ".join(args)
    return (
        f'\n#line 1 "{ENTRY_FILE}"\n'
        f'extern "C" __attribute__((visibility("default"))) void {symbol}(\n'
        "    void *const *args, const metalsim_thread_attrs *attrs) {\n"
        "  (void)args; (void)attrs;\n"
        f"  {call}(\n      {joined});\n"
        "}\n"
    )


# --------------------------------------------------------------------------- diagnostics


class _SourceMap:
    """Maps positions in the compiled text back to the user's <header>/<source> text."""

    def __init__(self, respaced: str, res: rewrite.RewriteResult,
                 originals: dict[str, list[str]]) -> None:
        self.input = res.input_text or respaced
        self.res = res
        self.originals = originals
        self.in_where = _line_files(self.input)
        self.in_starts = _line_starts(self.input)
        out_where = _line_files(res.text)
        out_starts = _line_starts(res.text)
        self.out_index: dict[tuple[str, int], int] = {}
        for idx, fl in enumerate(out_where):
            if fl[1] > 0:
                self.out_index.setdefault(fl, out_starts[idx])

    def from_output(self, f: str, line: int, col: int) -> tuple[str, int, int]:
        start = self.out_index.get((f, line))
        if start is None:
            return f, line, col
        ipos = self.res.to_input(start + col - 1)
        return self.from_input(ipos)

    def from_input(self, ipos: int) -> tuple[str, int, int]:
        import bisect

        idx = bisect.bisect_right(self.in_starts, ipos) - 1
        f, line = self.in_where[idx]
        return f, line, ipos - self.in_starts[idx] + 1

    def excerpt(self, f: str, line: int, col: int) -> str:
        orig = self.originals.get(f)
        if not orig or not 1 <= line <= len(orig):
            return ""
        text = orig[line - 1].rstrip()
        caret = " " * (max(col, 1) - 1) + "^"
        return f"    {text}\n    {caret}"


def _line_starts(text: str) -> list[int]:
    starts = [0]
    for m in re.finditer("\n", text):
        starts.append(m.end())
    return starts


_DIAG = re.compile(r"^(?P<file>[^\n:]*?):(?P<line>\d+):(?P<col>\d+): (?P<rest>.*)$")


def _map_diagnostics(stderr: str, smap: _SourceMap, work: Path) -> str:
    """Rewrite clang's diagnostics in terms of the user's <header>/<source> text.

    An error raised inside a metalsim or MLX header (a static_assert in a template, say) is
    restated at the first user location among its notes, so the first line a user reads points
    at their own code.
    """
    lines = [ln for ln in stderr.splitlines() if not ln.startswith("In file included from")]
    parsed = [_DIAG.match(ln) for ln in lines]

    def user_loc(m: re.Match[str]) -> tuple[str, int, int] | None:
        if m.group("file") not in _USER_FILES:
            return None
        return smap.from_output(m.group("file"), int(m.group("line")), int(m.group("col")))

    out = []
    for idx, (ln, m) in enumerate(zip(lines, parsed, strict=True)):
        if m is None:
            out.append(ln)
            continue
        loc = user_loc(m)
        rest = m.group("rest")
        if loc is None and rest.startswith("error:"):
            for m2 in parsed[idx + 1 :]:
                if m2 is None:
                    continue
                if m2.group("rest").startswith("error:"):
                    break
                loc2 = user_loc(m2)
                if loc2 is not None:
                    f, line, col = loc2
                    out.append(f"{f}:{line}:{col}: {rest}")
                    ex = smap.excerpt(f, line, col)
                    if ex:
                        out.append(ex)
                    break
        if loc is None:
            out.append(ln)
            continue
        f, line, col = loc
        out.append(f"{f}:{line}:{col}: {rest}")
        ex = smap.excerpt(f, line, col)
        if ex:
            out.append(ex)
    return _clean_paths("\n".join(out), work)


# --------------------------------------------------------------------------- cache & compile

_lock = threading.Lock()
_memo: dict[str, CompiledKernel] = {}


@functools.cache
def _tree_hash() -> str:
    """Hash of everything in metalsim that changes generated code."""
    h = hashlib.sha256(_CODEGEN_VERSION.encode())
    here = Path(__file__).parent
    for p in [here / "compiler.py", here / "rewrite.py", here / "preamble.py",
              here / "runtime" / "metalsim_rt.h",
              *sorted((here / "include" / "metalsim").iterdir())]:
        if p.is_file():
            h.update(p.name.encode())
            h.update(p.read_bytes())
    return h.hexdigest()


def _pch(tc: Toolchain, math_mode: str) -> tuple[Path, Path | None]:
    """(prelude header, its precompiled header or None) for this toolchain and math mode."""
    pre = preamble.preamble_path(tc)
    flags = tc.compile_flags(math_mode=math_mode)
    key = hashlib.sha256(
        "|".join([tc.identity, " ".join(flags), " ".join(preamble.include_flags()), str(pre),
                  _tree_hash()]).encode()  # fmt: skip
    ).hexdigest()[:20]
    d = default_cache_dir() / "pch" / key
    header = d / "prelude.h"
    pch = d / "prelude.h.pch"
    if header.exists() and pch.exists():
        return header, pch
    d.mkdir(parents=True, exist_ok=True)
    text = (
        "// metalsim prelude: metalsim headers, MLX's metal::utils() preamble (host version)\n"
        + preamble.prelude_includes()
        + f'#include "{pre}"\n'
    )
    if not header.exists() or header.read_text() != text:
        tmp_h = d / f"prelude.{os.getpid()}.{threading.get_ident()}.tmp"
        tmp_h.write_text(text)
        # A fixed mtime: a concurrent writer of the same text must not invalidate a PCH that
        # another process just built from it (clang checks the size and mtime of its inputs).
        os.utime(tmp_h, (_FIXED_MTIME, _FIXED_MTIME))
        os.replace(tmp_h, header)
    tmp_p = d / f"prelude.{os.getpid()}.{threading.get_ident()}.pch.tmp"
    # No timestamps in the PCH: a fresh checkout (or a branch switch) rewrites the headers with
    # new mtimes but the same content, which the key already covers (_tree_hash); with stamps,
    # clang would reject the PCH ("has been modified since the precompiled header was built").
    cmd = [*tc.cxx, *flags, *_defines(math_mode), *preamble.include_flags(), "-w",
           "-Xclang", "-fno-pch-timestamp",
           "-x", "c++-header", str(header), "-o", str(tmp_p)]  # fmt: skip
    with first_run.announce(f"precompiling metalsim's headers ({math_mode} math)", "2-10 s"):
        res = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if res.returncode != 0:
        tmp_p.unlink(missing_ok=True)
        return header, None  # compile without a PCH (slower, same result)
    os.replace(tmp_p, pch)
    return header, pch


def _diag_flags() -> list[str]:
    # Not -w: it would also silence -Wimplicit-float-conversion, which finds implicit conversions
    # to bfloat (see _filter_warnings). Not -Wno-everything either: it also turns off the
    # warnings that are errors by default (-Wc++11-narrowing). Other warnings are dropped.
    return [
        "-Wimplicit-float-conversion",
        "-fno-caret-diagnostics",
        "-fno-color-diagnostics",
        "-ferror-limit=20",
    ]


# clang's -Wimplicit-float-conversion / -Wimplicit-int-float-conversion text, e.g.
#   implicit conversion loses floating-point precision: 'float' to 'bfloat16_t' (aka '__bf16')
#   implicit conversion from 'int' to 'bfloat' (aka '__bf16') may lose precision
# Not matched on purpose: "when assigning computation result" (compound assignment, `b += f`)
# and "changes value from 257 to 256" (an integer constant): whether Metal rejects those is not
# documented, so they stay accepted.
_TYPE = r"'[^']*'(?: \((?:aka '[^']*'|vector of \d+ '[^']*' values)\))?"
_BF16_CONV = re.compile(
    rf"^warning: implicit conversion (?:loses floating-point precision: (?P<s1>{_TYPE}) to "
    rf"(?P<d1>{_TYPE})|from (?P<s2>{_TYPE}) to (?P<d2>{_TYPE}) may lose precision) "
    r"\[-Wimplicit-(?:int-)?float-conversion\]$"
)
# zig's driver prints source excerpts even with -fno-caret-diagnostics: "    3 |   x = y;".
_CARET_LINE = re.compile(r"^\s*\d*\s*\|")
_SUMMARY = re.compile(r"^\d+ (?:warnings?|errors?)(?: and \d+ errors?)? generated\.?$")


def _metal_type_name(spelled: str, *, desugar: bool) -> str:
    """A clang type spelling as Metal would name it.

    ``'bfloat16_t' (aka '__bf16')`` -> ``bfloat16_t`` (``desugar``: ``bfloat``);
    ``'bfloat4' (vector of 4 '__bf16' values)`` -> ``bfloat4``; metalsim's own aliases
    (``'metalsim::fp1_t<float>' (aka 'float')``) always give the underlying type.
    """
    name = spelled[1 : spelled.index("'", 1)]
    aka = re.search(r"\(aka '([^']*)'\)", spelled)
    if aka and (desugar or "metalsim::" in name or "std::" in name):
        name = aka.group(1)
    m = re.fullmatch(r"(.*?)\s*__attribute__\(\(ext_vector_type\((\d+)\)\)\)", name)
    if m:
        name = m.group(1) + m.group(2)
    name = re.sub(r"\b__bf16\b", "bfloat", name)
    return re.sub(r"\b_Float16\b", "half", name)


def _bf16_conversion_error(rest: str) -> str | None:
    """The Metal error for a warning about an implicit conversion to bfloat, else None."""
    m = _BF16_CONV.match(rest)
    if m is None:
        return None
    src, dst = (m.group("s1"), m.group("d1")) if m.group("s1") else (m.group("s2"), m.group("d2"))
    if "__bf16" not in dst:
        return None
    return _bf16_message(src, dst)


def _bf16_message(src: str, dst: str) -> str:
    """The Metal error for an implicit conversion from ``src`` to ``dst`` (clang spellings)."""
    to = _metal_type_name(dst, desugar=False)
    return (
        f"error: implicit conversion from '{_metal_type_name(src, desugar=True)}' to '{to}': "
        f"Metal has no implicit conversion to bfloat; write {to}(x) or static_cast<{to}>(x)"
    )


def _filter_warnings(stderr: str) -> tuple[str, int]:
    """Turn implicit conversions to bfloat in the user's code into errors; drop other warnings.

    Metal rejects ``bfloat16_t y = x;`` for a float ``x`` ("assigning to 'bfloat16_t' from
    incompatible type 'float'", ml-explore/mlx-lm#814; MSL: nothing converts implicitly to
    bfloat), clang's ``__bf16`` accepts it. Only a conversion located in ``<source>`` or
    ``<header>`` counts (one inside MLX's preamble or metalsim's headers is not the user's).
    ``half`` converts implicitly in Metal, so float -> half stays a dropped warning, as do
    double -> float and the like. clang says nothing about a float constant that bfloat holds
    exactly (``out[i] = 0.0f;``, a ``?:`` branch like ``-INFINITY``): ``_ast_bf16_conversions``
    finds those (ARCHITECTURE.md, language-layer limits).

    Returns the remaining diagnostics and how many conversions became errors; notes and
    excerpt lines follow the fate of the diagnostic they belong to.
    """
    out: list[str] = []
    keep = True
    found = 0
    for ln in stderr.splitlines():
        m = _DIAG.match(ln)
        if m is None:  # "In file included from", linker messages, summary, zig's caret lines
            if _SUMMARY.match(ln.strip()) and "warning" in ln:
                continue
            if keep or not _CARET_LINE.match(ln):
                out.append(ln)
            continue
        rest = m.group("rest")
        if rest.startswith("warning:"):
            err = None
            if m.group("file") in (HEADER_FILE, SOURCE_FILE):
                err = _bf16_conversion_error(rest)
            keep = err is not None
            if err is not None:
                found += 1
                out.append(f"{m.group('file')}:{m.group('line')}:{m.group('col')}: {err}")
            continue
        if rest.startswith("note:"):
            if keep:
                out.append(ln)
            continue
        keep = True
        out.append(ln)
    return "\n".join(out), found


def _mentions_bfloat(metal_source: str) -> bool:
    """Whether a kernel can involve bfloat at all (MLX signature, template argument, user text).

    Only such kernels pay for ``_ast_bf16_conversions``.
    """
    return "bfloat" in metal_source or "__bf16" in metal_source


# Implicit casts that produce a bfloat from a floating value. IntegralToFloating is left out on
# purpose: integer variables are caught by the warning, and integer constants
# (`bfloat16_t z = 0;`) stay accepted (ARCHITECTURE.md, language-layer limits).
_AST_BF16_CASTS = frozenset({"FloatingCast"})


def _ast_dump(tc: Toolchain, cmd: list[str], work: Path) -> object:
    """Run ``cmd`` (``-fsyntax-only -Xclang -ast-dump=json``) and parse its output.

    zig's driver always expects an object file from clang and, with ``-fsyntax-only``, fails
    after the dump ("failed to rename '...kernel.o'"); that error alone is not a failure.
    """
    res = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=work)
    errors = [ln for ln in res.stderr.splitlines() if "error:" in ln]
    if res.returncode == 0 or (
        tc.kind == "zig" and errors and all("failed to rename" in ln for ln in errors)
    ):
        try:
            return json.loads(res.stdout)
        except ValueError:
            pass
    raise ToolchainError(f"clang -ast-dump failed: {res.stderr.strip()}")


def _spelled(t: dict) -> str:
    """An AST JSON type as clang's diagnostics spell it: ``'bfloat16_t' (aka '__bf16')``."""
    q = t.get("qualType", "")
    d = t.get("desugaredQualType")
    return f"'{q}' (aka '{d}')" if d and d != q else f"'{q}'"


_AstHit = tuple[str, tuple[int, int], tuple[int, int], str]  # file, begin, end, error text


def _ast_bf16_conversions(ast: object, tu_path: str, tu_text: str) -> list[_AstHit]:
    """Implicit float -> bfloat casts in the user's code, from clang's ``-ast-dump=json``.

    clang warns (-Wimplicit-float-conversion) only where the conversion loses precision, so a
    float constant that bfloat holds exactly (``out[i] = 0.0f;``, the ``-INFINITY`` branch of
    ``bit ? x : -INFINITY``, ml-explore/mlx-lm#814) needs the AST: every ``ImplicitCastExpr``
    with castKind FloatingCast whose type is ``__bf16`` (or a vector of it) and that is not part
    of an explicit cast. Returns ``(file, (line, col) of its start, (line, col) of its end,
    error text)`` for those whose start is in ``<source>`` or ``<header>``, as presumed
    (``#line``) positions in ``tu_text``.

    The JSON dump writes a location's ``file`` only when it differs from the previous location
    printed, so locations are followed in document order; offsets are bytes in the actual file.
    """
    data = tu_text.encode()
    starts = [0] + [i + 1 for i, b in enumerate(data) if b == 10]
    where = _line_files(tu_text)

    def presumed(offset: int) -> tuple[str, int, int]:
        idx = bisect.bisect_right(starts, offset) - 1
        f, line = where[idx]
        col = len(data[starts[idx] : offset].decode(errors="replace")) + 1
        return f, line, col

    found: list[_AstHit] = []
    last_file = ""

    def bare(loc: dict) -> tuple[str, int] | None:
        # A bare location: update the current file, and return (file, offset).
        nonlocal last_file
        if "file" in loc:
            last_file = loc["file"]
        return (last_file, loc["offset"]) if "offset" in loc else None

    def point(loc: dict) -> tuple[str, int] | None:
        """(actual file, offset) where the user wrote ``loc`` (a macro's expansion site)."""
        if "spellingLoc" in loc or "expansionLoc" in loc:
            sp = bare(loc.get("spellingLoc", {}))
            ex = bare(loc.get("expansionLoc", {}))
            return ex or sp
        return bare(loc)

    def walk(node: object, parent: dict | None) -> None:
        if isinstance(node, list):
            for v in node:
                walk(v, parent)
            return
        if not isinstance(node, dict):
            return
        begin = end = None
        for k, v in node.items():
            if k == "loc" and isinstance(v, dict):
                point(v)
            elif k == "range" and isinstance(v, dict):
                begin = point(v.get("begin", {}))
                end = point(v.get("end", {}))
            elif isinstance(v, (dict, list)):
                walk(v, node)
        if (
            node.get("kind") == "ImplicitCastExpr"
            and node.get("castKind") in _AST_BF16_CASTS
            and not node.get("isPartOfExplicitCast")
            and begin is not None and begin[0] == tu_path
        ):  # fmt: skip
            dst = node.get("type", {})
            if "__bf16" not in (dst.get("desugaredQualType") or dst.get("qualType", "")):
                return
            f, line, col = presumed(begin[1])
            if f not in (HEADER_FILE, SOURCE_FILE):
                return
            e = (line, col)
            if end is not None and end[0] == tu_path:
                fe, le, ce = presumed(end[1])
                if fe == f:
                    e = (le, ce)
            inner = node.get("inner") or [{}]
            src = inner[0].get("type", {})
            if parent is not None and parent.get("castKind") == "VectorSplat":
                dst = parent.get("type", dst)  # `bfloat4 v = 0.0f;`: name the vector type
            found.append((f, (line, col), e, _bf16_message(_spelled(src), _spelled(dst))))

    walk(ast, None)
    return found


def _merge_ast_errors(diags: str, ast_found: list[_AstHit]) -> tuple[str, int]:
    """Append the AST pass's errors to ``diags``, once per location and not where a warning
    already reported the same conversion (a warning's position inside the cast's range)."""
    reported: list[tuple[str, int, int]] = []
    for ln in diags.splitlines():
        m = _DIAG.match(ln)
        if m and "Metal has no implicit conversion to bfloat" in m.group("rest"):
            reported.append((m.group("file"), int(m.group("line")), int(m.group("col"))))
    extra = []
    seen: set[tuple[str, tuple[int, int]]] = set()
    for f, b, e, err in sorted(ast_found, key=lambda x: (x[0] != HEADER_FILE, x[1])):
        if (f, b) in seen or any(rf == f and b <= (rl, rc) <= e for rf, rl, rc in reported):
            continue
        seen.add((f, b))
        extra.append(f"{f}:{b[0]}:{b[1]}: {err}")
    if not extra:
        return diags, 0
    return "\n".join([*([diags] if diags.strip() else []), *extra]), len(extra)


def compile_kernel(
    metal_source: str,
    entry: EntrySpec,
    *,
    math_mode: str = "safe",
    sanitize: bool = False,
) -> CompiledKernel:
    """Compile MLX's generated Metal text (header + signature + body + instantiation).

    Raises MetalCompileError with ``<source>:L:C`` / ``<header>:L:C`` positions.
    """
    if math_mode not in MATH_MODES:
        raise ValueError(f"math_mode must be one of {MATH_MODES}, got {math_mode!r}")
    tc = find_toolchain(sanitize)
    flags = tc.flags(math_mode=math_mode)
    key_src = json.dumps(
        [metal_source, entry.kernel_name, entry.template_def,
         [[p.name, p.kind, p.ctype] for p in entry.params],
         tc.identity, flags, preamble.mlx_version(), _tree_hash(), math_mode, sanitize]
    )  # fmt: skip
    key = hashlib.sha256(key_src.encode()).hexdigest()[:32]
    memo = _memo.get(key)
    if memo is not None and memo.path.exists():
        return memo
    kdir = default_cache_dir() / "kernels" / key[:2]
    so = kdir / f"{key}.so"
    meta = kdir / f"{key}.json"
    if so.exists() and meta.exists():
        try:
            info = json.loads(meta.read_text())
            ck = CompiledKernel(so, info["entry_symbol"], bool(info["uses_sync"]))
            _memo[key] = ck
            return ck
        except (ValueError, KeyError):
            pass
    ck = _build(metal_source, entry, tc, math_mode, key, kdir)
    with _lock:
        _memo[key] = ck
    return ck


def _build(metal_source: str, entry: EntrySpec, tc: Toolchain, math_mode: str, key: str,
           kdir: Path) -> CompiledKernel:
    symbol = f"metalsim_entry_{key[:16]}"
    parts = split_source(metal_source, entry)
    tagged, originals = _tagged(parts, metal_source)
    kdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="metalsim-k-") as tmp:
        work = Path(tmp)
        pp = _preprocess(tc, tagged, math_mode, work)
        respaced = _respace(pp, originals)
        try:
            rw = rewrite.rewrite(respaced)
        except rewrite.RewriteError as exc:
            dummy = rewrite.RewriteResult(text=respaced, input_text=respaced)
            smap = _SourceMap(respaced, dummy, originals)
            f, line, col = smap.from_input(exc.pos)
            ex = smap.excerpt(f, line, col)
            raise MetalCompileError(
                f"{f}:{line}:{col}: error: {exc.message}" + (f"\n{ex}" if ex else "")
            ) from None
        smap = _SourceMap(respaced, rw, originals)
        has_atomic = re.search(r"\batomic", rewrite.mask(respaced)) is not None
        uses_sync = rw.uses_sync or (rw.uses_threadgroup_memory and has_atomic)
        header, pch = _pch(tc, math_mode)
        tu = work / "kernel.cpp"
        tu.write_text(rw.text + _entry(entry, symbol))
        out = kdir / f"{key}.{os.getpid()}.{threading.get_ident()}.so.tmp"
        base = [*tc.cxx, *tc.flags(math_mode=math_mode), *_defines(math_mode),
                *preamble.include_flags(), *_diag_flags()]  # fmt: skip
        pch_args = ["-include-pch", str(pch)] if pch is not None else []
        cmd = [*base, *pch_args, "-include", str(header), str(tu), "-o", str(out)]
        res = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=work)
        if res.returncode != 0 and pch is not None and (
            "PCH" in res.stderr or "precompiled" in res.stderr or "AST file" in res.stderr
        ):
            cmd = [*base, "-include", str(header), str(tu), "-o", str(out)]
            res = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=work)
        diags, bf16_errors = _filter_warnings(res.stderr)
        if res.returncode == 0 and _mentions_bfloat(metal_source):
            used_pch = pch_args if "-include-pch" in cmd else []
            ast_cmd = [*base, *used_pch, "-include", str(header), "-fsyntax-only",
                       "-Xclang", "-ast-dump=json", str(tu)]  # fmt: skip
            try:
                ast = _ast_dump(tc, ast_cmd, work)
            except ToolchainError:
                out.unlink(missing_ok=True)
                raise
            diags, n = _merge_ast_errors(diags, _ast_bf16_conversions(ast, str(tu), tu.read_text()))
            bf16_errors += n
        if res.returncode != 0 or bf16_errors:
            out.unlink(missing_ok=True)
            if "error:" not in diags:
                raise ToolchainError(f"compiler failed: {res.stderr.strip()}")
            raise MetalCompileError(_map_diagnostics(diags.strip(), smap, work))
        meta = kdir / f"{key}.json"
        tmp_meta = kdir / f"{key}.{os.getpid()}.{threading.get_ident()}.json.tmp"
        tmp_meta.write_text(json.dumps({"entry_symbol": symbol, "uses_sync": uses_sync,
                                        "kernel_name": entry.kernel_name}))
        os.replace(tmp_meta, meta)
        so = kdir / f"{key}.so"
        os.replace(out, so)
    return CompiledKernel(so, symbol, bool(uses_sync))


def translate(metal_source: str, entry: EntrySpec) -> str:
    """The host C++ that compile_kernel compiles (after the prelude), for debugging."""
    tc = find_toolchain()
    parts = split_source(metal_source, entry)
    tagged, originals = _tagged(parts, metal_source)
    with tempfile.TemporaryDirectory(prefix="metalsim-k-") as tmp:
        pp = _preprocess(tc, tagged, "safe", Path(tmp))
    rw = rewrite.rewrite(_respace(pp, originals))
    return rw.text + _entry(entry, "metalsim_entry")
