"""MLX's real ``metal::utils()`` preamble, made host-compilable.

MLX compiles every custom kernel as ``metal::utils() + source``, where ``metal::utils()`` is
``mlx/backend/metal/kernels/utils.h`` and the headers it includes, concatenated in dependency
order with ``#line 1 "<header>"`` markers, minus ``#include "..."`` and ``#pragma once`` lines
(``make_compiled_preamble.sh``). We rebuild that text from the headers the installed mlx wheel
ships, then:

1. run metalsim's rewriter over it (literal suffixes such as ``1.0h``, vector constructors such
   as ``vec<T, 2>(real, imag)``; no rejection checks);
2. compile it after metalsim's headers, the ``__metal_*`` intrinsics shim and the address-space
   macros, and let clang find the overloads that differ only in address space (``thread`` /
   ``threadgroup`` / ``device`` / ``constant`` erase to the same C++ signature): each
   "redefinition" / "cannot be redeclared" / "instantiate to the same signature" error names the
   later definition, which is blanked; repeat until it compiles.

The result is cached per MLX version (and per hash of the inputs) under the metalsim cache dir.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import os
import re
import subprocess
import tempfile
from pathlib import Path

from metalsim import first_run
from metalsim.errors import MetalsimError
from metalsim.language import lexer, rewriter
from metalsim.toolchain import Toolchain, default_cache_dir, find_toolchain

PREAMBLE_VERSION = "1"
INCLUDE_DIR = Path(__file__).parent / "include"
ROOT_HEADER = "mlx/backend/metal/kernels/utils.h"
_LOCAL_INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
_PRAGMA_ONCE = re.compile(r"^\s*#\s*pragma\s+once")
_DUP_ERRORS = (
    "redefinition of",
    "cannot be redeclared",
    "instantiate to the same signature",
    "functions that differ only in their return type cannot be overloaded",
)


@functools.cache
def mlx_version() -> str:
    try:
        return importlib.metadata.version("mlx")
    except importlib.metadata.PackageNotFoundError as exc:
        raise MetalsimError("mlx is not installed; metalsim needs MLX's Metal headers") from exc


def mlx_include_dir() -> Path:
    """``.../site-packages/mlx/include`` of the installed wheel."""
    import mlx  # the namespace package; its headers live next to it

    for base in list(getattr(mlx, "__path__", [])):
        cand = Path(base) / "include"
        if (cand / ROOT_HEADER).exists():
            return cand
    raise MetalsimError(f"the installed mlx wheel has no {ROOT_HEADER} (needed by metalsim)")


def header_order(include_dir: Path, root: str = ROOT_HEADER) -> list[str]:
    """The MLX headers reachable from ``root`` by ``#include "..."``, dependencies first."""
    seen: set[str] = set()
    order: list[str] = []

    def visit(name: str) -> None:
        if name in seen:
            return
        seen.add(name)
        path = include_dir / name
        for line in path.read_text().splitlines():
            m = _LOCAL_INCLUDE.match(line)
            if m and (include_dir / m.group(1)).exists():
                visit(m.group(1))
        order.append(name)

    visit(root)
    return order


def concatenated(include_dir: Path) -> str:
    """The preamble text as MLX's make_compiled_preamble.sh builds it."""
    out = ["// MLX metal::utils() preamble, rebuilt by metalsim from the installed mlx headers", ""]
    for name in header_order(include_dir):
        out.append(f'#line 1 "{name}"')
        for line in (include_dir / name).read_text().splitlines():
            if _LOCAL_INCLUDE.match(line) or _PRAGMA_ONCE.match(line):
                # keep the line count so the #line markers stay true
                out.append("")
                continue
            out.append(line)
        out.append("")
    return "\n".join(out) + "\n"


def prelude_includes() -> str:
    """What precedes the preamble in every translation unit (also used for the PCH)."""
    return (
        '#include "metalsim/metal_stdlib.h"\n'
        '#include "metalsim/metal_mlx_shim.h"\n'
        '#include "metalsim/metal_keywords.h"\n'
    )


def include_flags() -> list[str]:
    return [f"-I{INCLUDE_DIR}", f"-I{INCLUDE_DIR / 'metalsim'}"]


def _syntax_cmd(tc: Toolchain, src: Path, work: Path, math_mode: str = "safe") -> list[str]:
    flags = [*tc.compile_flags(math_mode=math_mode, optimize="-O0"), "-ferror-limit=0"]
    if tc.kind == "zig":  # zig's driver cannot do -fsyntax-only
        return [*tc.cxx, *flags, *include_flags(), "-c", str(src), "-o", str(work / "x.o")]
    return [*tc.cxx, *flags, *include_flags(), "-fsyntax-only", str(src)]


_DIAG = re.compile(r"^(?P<file>[^:\n]+):(?P<line>\d+):(?P<col>\d+): error: (?P<msg>.*)$", re.M)


def _definition_span(lines: list[str], masked_lines: list[str], line: int) -> tuple[int, int]:
    """Line range [a, b] (0-based, inclusive) of the declaration containing ``line``."""
    # start: walk back to the line after the previous statement/declaration end at brace depth 0
    a = line
    while a > 0:
        prev = masked_lines[a - 1].rstrip()
        if prev == "" or prev.endswith((";", "}", "{")) or prev.lstrip().startswith("#"):
            break
        a -= 1
    # end: from `a`, find the first '{' or ';' at paren depth 0, then match braces
    depth_paren = 0
    depth_brace = 0
    started = False
    for b in range(a, len(lines)):
        for ch in masked_lines[b]:
            if ch == "(":
                depth_paren += 1
            elif ch == ")":
                depth_paren -= 1
            elif ch == "{" and depth_paren == 0:
                depth_brace += 1
                started = True
            elif ch == "}" and depth_paren == 0:
                depth_brace -= 1
                if started and depth_brace == 0:
                    return a, b
            elif ch == ";" and depth_paren == 0 and not started:
                return a, b
    return a, line


def _dedupe(text: str, tc: Toolchain, max_rounds: int = 200) -> tuple[str, int]:
    """Blank the later of every pair of definitions that erase to the same C++ signature."""
    removed = 0
    with tempfile.TemporaryDirectory(prefix="metalsim-preamble-") as tmp:
        work = Path(tmp)
        name = "mlx_preamble.h"
        for _ in range(max_rounds):
            (work / name).write_text(text)
            src = work / "check.cpp"
            src.write_text(prelude_includes() + f'#include "{work / name}"\n')
            res = subprocess.run(_syntax_cmd(tc, src, work), capture_output=True, text=True,
                                 check=False)
            if res.returncode == 0:
                return text, removed
            lines = text.split("\n")
            masked_lines = lexer.mask(text).split("\n")
            # map '#line 1 "hdr"' markers: (hdr, line) -> index in `lines`
            marks: dict[str, int] = {}
            for idx, ln in enumerate(lines):
                m = re.match(r'#line 1 "([^"]+)"', ln)
                if m:
                    marks[m.group(1)] = idx + 1
            targets: list[int] = []
            for m in _DIAG.finditer(res.stderr):
                if not any(k in m.group("msg") for k in _DUP_ERRORS):
                    continue
                f = m.group("file")
                hdr = next((h for h in marks if f.endswith(h)), None)
                if hdr is None:
                    continue
                targets.append(marks[hdr] + int(m.group("line")) - 1)
            if not targets:
                raise MetalsimError(
                    "MLX's preamble does not compile on the host even after removing duplicate "
                    "address-space overloads:\n" + res.stderr[-4000:]
                )
            for t in sorted(set(targets), reverse=True):
                a, b = _definition_span(lines, masked_lines, t)
                for k in range(a, b + 1):
                    lines[k] = ""
                removed += 1
            text = "\n".join(lines)
    raise MetalsimError("MLX preamble de-duplication did not converge")


def _inputs_hash(include_dir: Path) -> str:
    h = hashlib.sha256(PREAMBLE_VERSION.encode())
    for name in header_order(include_dir):
        h.update(name.encode())
        h.update((include_dir / name).read_bytes())
    for p in sorted((INCLUDE_DIR / "metalsim").iterdir()):
        if p.is_file():
            h.update(p.name.encode())
            h.update(p.read_bytes())
    # The preamble goes through the rewriter, which uses every module of the language layer.
    for p in sorted(Path(rewriter.__file__).parent.rglob("*.py")):
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def build(tc: Toolchain | None = None) -> str:
    """Build the host-compilable preamble text (uncached)."""
    tc = tc or find_toolchain()
    inc = mlx_include_dir()
    text = rewriter.rewrite(concatenated(inc), check=False).text
    text, _ = _dedupe(text, tc)
    return text


def preamble_path(tc: Toolchain | None = None) -> Path:
    """Path of the cached host-compilable preamble for the installed MLX version."""
    tc = tc or find_toolchain()
    inc = mlx_include_dir()
    key = f"mlx-{mlx_version()}-{_inputs_hash(inc)}-{tc.kind}{tc.version[0]}"
    path = default_cache_dir() / "preamble" / f"{key}.h"
    if path.exists():
        return path
    with first_run.announce(f"adapting MLX {mlx_version()}'s Metal preamble", "1-5 s"):
        text = build(tc)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(text)
    # atomic, and with a fixed mtime: concurrent builders write identical text, and a PCH built
    # from the first copy stays valid when the second replaces it
    os.utime(tmp, (1_700_000_000, 1_700_000_000))
    os.replace(tmp, path)
    return path
