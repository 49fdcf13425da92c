"""Compile the Metal source MLX generates for a custom kernel into a host shared object.

Pipeline (ARCHITECTURE.md, Interface 2):

1. split MLX's text into the user's ``header``, the generated signature, the user's ``source``
   (the kernel body) and the template instantiation, and tag each part with ``#line`` so
   diagnostics read ``<header>:L:C`` / ``<source>:L:C``;
2. preprocess with ``clang -E -C`` (user macros expand, so a macro that declares a
   ``threadgroup`` array is seen; ``<metal_stdlib>`` & co. expand to nothing here), then put
   back the user's original spelling on every line that no macro touched, so columns are exact;
3. rewrite MSL into host C++ (``metalsim.language.rewriter``; positions map back through
   ``metalsim.language.source_map``, Metal's extra rules are ``metalsim.language.checks``);
4. append an ``extern "C"`` entry wrapper that unpacks ``args`` and the thread attributes;
5. compile with the prelude (metalsim headers + MLX's real preamble, ``metalsim.preamble``)
   as a precompiled header, into a ``.so`` cached by a hash of everything that affects it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from metalsim import first_run, preamble
from metalsim.errors import MetalCompileError, ToolchainError
from metalsim.interfaces import CompiledKernel, EntrySpec
from metalsim.language import fibers, rewriter
from metalsim.language.checks import (
    ast_bf16_conversions,
    ast_dump,
    diagnostic_flags,
    filter_warnings,
    mentions_bfloat,
    merge_ast_errors,
)
from metalsim.language.lexer import mask
from metalsim.language.source_map import (
    ENTRY_FILE,
    HEADER_FILE,
    SIGNATURE_FILE,
    SOURCE_FILE,
    SourceMap,
    clean_paths,
    map_diagnostics,
    respace,
)
from metalsim.toolchain import MATH_MODES, Toolchain, default_cache_dir, find_toolchain

_CODEGEN_VERSION = "3"
_FIXED_MTIME = 1_700_000_000


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
        return f'#line 1 "{SOURCE_FILE}"\n{metal_source}\n', {SOURCE_FILE: metal_source.split("\n")}
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
        raise MetalCompileError(clean_paths(res.stderr.strip(), work))
    return res.stdout


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


# --------------------------------------------------------------------------- cache & compile

_lock = threading.Lock()
_memo: dict[str, CompiledKernel] = {}


PACKAGE_DIR = Path(__file__).parent


def compile_inputs() -> list[Path]:
    """Every file of metalsim whose content can change a compiled kernel or the prelude.

    Derived from the tree, not listed by hand, so a new module of the language layer, a new
    runtime header or a new file under ``include/`` is covered the day it is added.
    """
    files = [
        PACKAGE_DIR / "compiler.py",
        PACKAGE_DIR / "preamble.py",
        *(PACKAGE_DIR / "language").rglob("*.py"),
        *(PACKAGE_DIR / "runtime").glob("*.h"),
        *(p for p in (PACKAGE_DIR / "include").rglob("*") if p.is_file()),
    ]
    return sorted({p for p in files if p.is_file()})


@functools.cache
def _tree_hash() -> str:
    """Hash of everything in metalsim that changes generated code (``compile_inputs``).

    Files are named by their path inside the package, never by an absolute path, so the hash is
    the same in every checkout and venv that holds the same files.
    """
    h = hashlib.sha256(_CODEGEN_VERSION.encode())
    for p in compile_inputs():
        h.update(p.relative_to(PACKAGE_DIR).as_posix().encode() + b"\0")
        h.update(hashlib.sha256(p.read_bytes()).digest())
    return h.hexdigest()


def toolchain_key(tc: Toolchain) -> str:
    """The compiler's part of a kernel's cache key, without the directories it was found in.

    ``tc.identity`` names the compiler by its path, which for the ziglang wheel lies inside the
    venv: every new venv or checkout would recompile every kernel. The same compiler version
    with the same flags builds the same shared object wherever it is installed, so the key uses
    the executable's name and the version line. (The precompiled header keeps the full identity
    and the include directory: clang records the absolute paths of the headers in it.)
    """
    words = [Path(w).name if os.path.isabs(w) else w for w in tc.cxx]
    return f"{tc.kind}|{' '.join(words)}|{tc.version_string}|san={tc.sanitize}"


def _pch(tc: Toolchain, math_mode: str) -> tuple[Path, Path | None]:
    """(prelude header, its precompiled header or None) for this toolchain and math mode."""
    pre = preamble.preamble_path(tc)
    flags = tc.compile_flags(math_mode=math_mode)
    key = hashlib.sha256(
        "|".join(
            [
                tc.identity,
                " ".join(flags),
                " ".join(preamble.include_flags()),
                str(pre),
                _tree_hash(),
            ]
        ).encode()  # fmt: skip
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
         toolchain_key(tc), flags, preamble.mlx_version(), _tree_hash(), math_mode, sanitize]
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


def _build(
    metal_source: str, entry: EntrySpec, tc: Toolchain, math_mode: str, key: str, kdir: Path
) -> CompiledKernel:
    symbol = f"metalsim_entry_{key[:16]}"
    parts = split_source(metal_source, entry)
    tagged, originals = _tagged(parts, metal_source)
    kdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="metalsim-k-") as tmp:
        work = Path(tmp)
        pp = _preprocess(tc, tagged, math_mode, work)
        respaced = respace(pp, originals)
        try:
            rw = rewriter.rewrite(respaced)
        except rewriter.RewriteError as exc:
            dummy = rewriter.RewriteResult(text=respaced, input_text=respaced)
            smap = SourceMap(respaced, dummy, originals)
            f, line, col = smap.from_input(exc.pos)
            ex = smap.excerpt(f, line, col)
            raise MetalCompileError(
                f"{f}:{line}:{col}: error: {exc.message}" + (f"\n{ex}" if ex else "")
            ) from None
        smap = SourceMap(respaced, rw, originals)
        uses_sync = fibers.needs_fibers(
            has_sync_call=rw.uses_sync,
            uses_threadgroup_memory=rw.uses_threadgroup_memory,
            masked_source=mask(respaced),
        )
        header, pch = _pch(tc, math_mode)
        tu = work / "kernel.cpp"
        tu.write_text(rw.text + _entry(entry, symbol))
        out = kdir / f"{key}.{os.getpid()}.{threading.get_ident()}.so.tmp"
        base = [*tc.cxx, *tc.flags(math_mode=math_mode), *_defines(math_mode),
                *preamble.include_flags(), *diagnostic_flags()]  # fmt: skip
        pch_args = ["-include-pch", str(pch)] if pch is not None else []
        cmd = [*base, *pch_args, "-include", str(header), str(tu), "-o", str(out)]
        res = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=work)
        if (
            res.returncode != 0
            and pch is not None
            and ("PCH" in res.stderr or "precompiled" in res.stderr or "AST file" in res.stderr)
        ):
            cmd = [*base, "-include", str(header), str(tu), "-o", str(out)]
            res = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=work)
        diags, bf16_errors = filter_warnings(res.stderr)
        if res.returncode == 0 and mentions_bfloat(metal_source):
            used_pch = pch_args if "-include-pch" in cmd else []
            ast_cmd = [*base, *used_pch, "-include", str(header), "-fsyntax-only",
                       "-Xclang", "-ast-dump=json", str(tu)]  # fmt: skip
            try:
                ast = ast_dump(tc, ast_cmd, work)
            except ToolchainError:
                out.unlink(missing_ok=True)
                raise
            diags, n = merge_ast_errors(diags, ast_bf16_conversions(ast, str(tu), tu.read_text()))
            bf16_errors += n
        if res.returncode != 0 or bf16_errors:
            out.unlink(missing_ok=True)
            if "error:" not in diags:
                raise ToolchainError(f"compiler failed: {res.stderr.strip()}")
            raise MetalCompileError(map_diagnostics(diags.strip(), smap, work))
        meta = kdir / f"{key}.json"
        tmp_meta = kdir / f"{key}.{os.getpid()}.{threading.get_ident()}.json.tmp"
        tmp_meta.write_text(
            json.dumps(
                {"entry_symbol": symbol, "uses_sync": uses_sync, "kernel_name": entry.kernel_name}
            )
        )
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
    rw = rewriter.rewrite(respace(pp, originals))
    return rw.text + _entry(entry, "metalsim_entry")
