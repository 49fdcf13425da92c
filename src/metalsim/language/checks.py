"""Checks for what Metal rejects and clang's host C++ would accept.

Two kinds: keywords Metal does not have (the rewriter raises at the token, with
``REJECTED_KEYWORDS``'s message), and implicit conversions to bfloat, which clang's
``__bf16`` accepts and Metal rejects: found from clang's warnings (``filter_warnings``) and,
for float constants bfloat holds exactly, from clang's JSON AST (``ast_bf16_conversions``).
"""

from __future__ import annotations

import bisect
import json
import re
import subprocess
from pathlib import Path

from metalsim.errors import ToolchainError
from metalsim.language.source_map import DIAGNOSTIC_LINE, HEADER_FILE, SOURCE_FILE, line_files
from metalsim.toolchain import Toolchain


class RewriteError(Exception):
    """A construct Metal rejects; ``pos`` is the offset in the rewriter's input text."""

    def __init__(self, message: str, pos: int) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos



REJECTED_KEYWORDS = {
    "double": "Metal does not support 'double' (use float)",
    "goto": "Metal does not support 'goto'",
    "try": "Metal does not support exceptions ('try')",
    "catch": "Metal does not support exceptions ('catch')",
    "throw": "Metal does not support exceptions ('throw')",
    "new": "Metal does not support 'new'",
    "delete": "Metal does not support 'delete'",
    "virtual": "Metal does not support virtual functions",
    "dynamic_cast": "Metal does not support 'dynamic_cast' (no RTTI)",
    "typeid": "Metal does not support 'typeid' (no RTTI)",
    "thread_local": "Metal does not support 'thread_local'",
    "register": "Metal does not support 'register'",
}


def diagnostic_flags() -> list[str]:
    # Not -w: it would also silence -Wimplicit-float-conversion, which finds implicit conversions
    # to bfloat (see filter_warnings). Not -Wno-everything either: it also turns off the
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


def filter_warnings(stderr: str) -> tuple[str, int]:
    """Turn implicit conversions to bfloat in the user's code into errors; drop other warnings.

    Metal rejects ``bfloat16_t y = x;`` for a float ``x`` ("assigning to 'bfloat16_t' from
    incompatible type 'float'", ml-explore/mlx-lm#814; MSL: nothing converts implicitly to
    bfloat), clang's ``__bf16`` accepts it. Only a conversion located in ``<source>`` or
    ``<header>`` counts (one inside MLX's preamble or metalsim's headers is not the user's).
    ``half`` converts implicitly in Metal, so float -> half stays a dropped warning, as do
    double -> float and the like. clang says nothing about a float constant that bfloat holds
    exactly (``out[i] = 0.0f;``, a ``?:`` branch like ``-INFINITY``): ``ast_bf16_conversions``
    finds those (ARCHITECTURE.md, language-layer limits).

    Returns the remaining diagnostics and how many conversions became errors; notes and
    excerpt lines follow the fate of the diagnostic they belong to.
    """
    out: list[str] = []
    keep = True
    found = 0
    for ln in stderr.splitlines():
        m = DIAGNOSTIC_LINE.match(ln)
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


def mentions_bfloat(metal_source: str) -> bool:
    """Whether a kernel can involve bfloat at all (MLX signature, template argument, user text).

    Only such kernels pay for ``ast_bf16_conversions``.
    """
    return "bfloat" in metal_source or "__bf16" in metal_source


# Implicit casts that produce a bfloat from a floating value. IntegralToFloating is left out on
# purpose: integer variables are caught by the warning, and integer constants
# (`bfloat16_t z = 0;`) stay accepted (ARCHITECTURE.md, language-layer limits).
_AST_BF16_CASTS = frozenset({"FloatingCast"})


def ast_dump(tc: Toolchain, cmd: list[str], work: Path) -> object:
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


def ast_bf16_conversions(ast: object, tu_path: str, tu_text: str) -> list[_AstHit]:
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
    where = line_files(tu_text)

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


def merge_ast_errors(diags: str, ast_found: list[_AstHit]) -> tuple[str, int]:
    """Append the AST pass's errors to ``diags``, once per location and not where a warning
    already reported the same conversion (a warning's position inside the cast's range)."""
    reported: list[tuple[str, int, int]] = []
    for ln in diags.splitlines():
        m = DIAGNOSTIC_LINE.match(ln)
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
