"""Rewrite Metal Shading Language source into host C++ that clang accepts with metalsim's headers.

Runs on PREPROCESSED text (``clang -E``), so declarations produced by macros are seen. Lines that
start with ``#`` (line markers, pragmas) are left alone. All scanning happens on a masked copy in
which comments, string and character literals and preprocessor lines are blanked, so nothing
inside them is ever rewritten.

What changes:

- ``[[...]]`` attributes are blanked (same length, so columns stay put);
- ``threadgroup`` variable declarations become references into the runtime's per-threadgroup
  arena (``auto &name = ::metalsim::tg_var<T[..]>(site, align, col);``); ``threadgroup`` used as
  a pointee or member qualifier stays and is erased later by a macro;
- vector constructors, functional casts, ``static_cast`` and C casts to Metal vector types, to
  ``half``/``bfloat``, to aliases of those and to template type parameters go through
  ``::metalsim::make<T>(...)``, which converts by value (clang's own ``float4(int4)`` would be a
  silent bit-cast, and clang forbids ``half`` <-> ``bfloat`` casts that Metal allows);
- direct initialisation of those types inside functions, ``float4 v(a, b, c, d);``, becomes
  ``float4 v = ::metalsim::make<float4>(a, b, c, d);``;
- literal suffixes ``0.5h`` -> ``0.5f16`` and ``1.0bf`` -> ``((bfloat)1.0)``; unsuffixed floating
  literals are floats in Metal (no double), so ``0.1`` -> ``0.1f``;
- ``#pragma METAL fp ...`` becomes the matching clang pragma.

What is rejected (as Metal does), with the position of the offending token: ``double``,
``long double``, ``long long``, ``goto``, exceptions, ``new``/``delete``, ``virtual``,
``dynamic_cast``/``typeid``, ``thread_local``, ``register``, ``static`` local variables, and
initialisers on ``threadgroup`` variables.
"""

from __future__ import annotations

import re

from metalsim.language import fibers
from metalsim.language.checks import REJECTED_KEYWORDS, RewriteError
from metalsim.language.lexer import Tok, mask, match_angle, match_bracket, tokenize
from metalsim.language.source_map import RewriteResult
from metalsim.language.threadgroup_decls import ThreadgroupDecls

VECTOR_BASES = (
    "bool", "char", "uchar", "short", "ushort", "int", "uint", "long", "ulong", "half",
    "bfloat", "float",
)  # fmt: skip
VECTOR_NAMES = frozenset(f"{b}{n}" for b in VECTOR_BASES for n in (2, 3, 4)) | frozenset(
    f"packed_{b}{n}" for b in VECTOR_BASES if b not in ("bool", "ulong") for n in (2, 3, 4)
)
# Scalar types whose explicit conversions clang handles differently from Metal.
CONVERT_SCALARS = frozenset({"half", "bfloat", "float16_t", "bfloat16_t"})
SCALAR_TYPES = frozenset(
    {
        "bool", "char", "uchar", "short", "ushort", "int", "uint", "long", "ulong", "float",
        "half", "bfloat", "unsigned", "signed", "size_t", "ptrdiff_t", "int8_t", "int16_t",
        "int32_t", "int64_t", "uint8_t", "uint16_t", "uint32_t", "uint64_t", "float16_t",
        "bfloat16_t",
    }
)  # fmt: skip

MAKE = "::metalsim::make"

# ------------------------------------------------------------------------------------ rewriter


class _Rewriter(ThreadgroupDecls):
    def __init__(self, text: str, next_site: int, check: bool) -> None:
        self.text = text
        self.masked = mask(text)
        self.toks = tokenize(self.masked)
        self.edits: list[tuple[int, int, str]] = []
        self.site = next_site
        self.check = check
        self.convert_names: set[str] = set(VECTOR_NAMES) | CONVERT_SCALARS
        self.uses_sync = False
        self.uses_tg = False
        self.cast_closers: set[int] = set()  # ')' of casts already rewritten

    # -------------------------------------------------------------- helpers
    def edit(self, start: int, end: int, repl: str) -> None:
        self.edits.append((start, end, repl))

    def tok(self, i: int) -> str:
        return self.toks[i].text if 0 <= i < len(self.toks) else ""

    def is_convert_type(self, i: int, j: int) -> bool:
        """Is toks[i:j] a type whose conversions go through make<> (no pointer/reference)?"""
        words = [t.text for t in self.toks[i:j] if t.text not in ("const", "volatile")]
        if words[:2] in (["metal", "::"], ["::", "metal"]):
            words = words[2:] if words[0] == "metal" else words[3:]
        if not words:
            return False
        if len(words) == 1:
            return words[0] in self.convert_names
        if words[0] == "vec" and words[1] == "<" and words[-1] == ">":
            return True
        return False

    def is_type_text(self, i: int, j: int) -> bool:
        words = [t.text for t in self.toks[i:j]]
        if not words:
            return False
        if self.is_convert_type(i, j):
            return True
        allowed = SCALAR_TYPES | {"const", "volatile", "*", "metal", "::"}
        return all(w in allowed for w in words) and any(w in SCALAR_TYPES for w in words)

    # -------------------------------------------------------------- passes
    def collect_names(self) -> None:
        toks = self.toks
        # template type parameters
        for i, t in enumerate(toks):
            if t.text == "template" and self.tok(i + 1) == "<":
                end = match_angle(toks, i + 1)
                if end is None:
                    continue
                k = i + 2
                depth = 0
                param: list[str] = []
                params: list[list[str]] = []
                while k < end:
                    s = toks[k].text
                    if s in ("<", "(", "["):
                        depth += 1
                    elif s in (">", ")", "]"):
                        depth -= 1
                    if s == "," and depth == 0:
                        params.append(param)
                        param = []
                    else:
                        param.append(s)
                    k += 1
                params.append(param)
                for p in params:
                    if p and p[0] in ("typename", "class"):
                        rest = [w for w in p[1:] if w != "..."]
                        if rest and re.match(r"[A-Za-z_]\w*$", rest[0]):
                            self.convert_names.add(rest[0])
        # aliases of vector / convertible types: typedef X name; using name = X;
        for _ in range(3):
            before = len(self.convert_names)
            for i, t in enumerate(toks):
                if t.text == "typedef":
                    k = i + 1
                    while k < len(toks) and toks[k].text != ";":
                        k += 1
                    if k - 1 > i + 1 and toks[k - 1].kind == "id":
                        if self.is_convert_type(i + 1, k - 1):
                            self.convert_names.add(toks[k - 1].text)
                elif t.text == "using" and self.tok(i + 2) == "=" and toks[i + 1].kind == "id":
                    k = i + 3
                    while k < len(toks) and toks[k].text != ";":
                        k += 1
                    if self.is_convert_type(i + 3, k):
                        self.convert_names.add(toks[i + 1].text)
            if len(self.convert_names) == before:
                break

    def run(self) -> None:
        self.collect_names()
        toks = self.toks
        scopes: list[str] = []  # "ns" | "class" | "func" | "block" | "init"
        head_start = 0  # first token of the current statement / declaration head
        i = 0
        n = len(toks)
        while i < n:
            t = toks[i]
            s = t.text
            # ---- attributes
            if s == "[" and self.tok(i + 1) == "[" and toks[i + 1].start == t.end:
                j = match_bracket(toks, i)
                if j < n:
                    span = self.text[t.start : toks[j].end]
                    self.edit(t.start, toks[j].end, re.sub(r"[^\n]", " ", span))
                    i = j + 1
                    continue
            # ---- scopes
            if s == "{":
                scopes.append(self.classify_brace(head_start, i, scopes))
                head_start = i + 1
                i += 1
                continue
            if s == "}":
                if scopes:
                    scopes.pop()
                head_start = i + 1
                i += 1
                continue
            if s == ";":
                head_start = i + 1
                i += 1
                continue
            if t.kind == "num":
                self.literal(t)
                i += 1
                continue
            if t.kind != "id":
                if s == "(":
                    r = self.c_cast(i)
                    if r is not None:
                        i = r
                        continue
                i += 1
                continue
            # ---- identifiers
            if fibers.is_sync_call(s):
                self.uses_sync = True
            if s == "constant" and self.tok(i - 1) != ")":
                # Read-only memory; a program-scope `constant` variable is initialised with a
                # compile-time constant (MSL 4.2), so as `const` it can be an array bound or a
                # template argument. Padded to keep columns. After `)` it qualifies a member
                # function (`f() constant`), and the keyword macro erases it.
                self.edit(t.start, t.end, "const   ")
                i += 1
                continue
            if s == "threadgroup":
                j = self.threadgroup(i, head_start)
                if j is not None:
                    head_start = j
                    i = j
                    continue
                i += 1
                continue
            if self.check:
                self.reject(i, scopes)
            if s == "static_cast" and self.tok(i + 1) == "<":
                end = match_angle(toks, i + 1)
                if (
                    end is not None
                    and self.tok(end + 1) == "("
                    and self.is_convert_type(i + 2, end)
                ):
                    ty = self.text[toks[i + 2].start : toks[end - 1].end]
                    self.edit(t.start, toks[end].end, f"{MAKE}<{ty}>")
                    self.mask_arg(end + 1)
                    i = end + 1
                    continue
            prev = self.tok(i - 1)
            if prev in ("operator", "~", ".", "->") or (
                prev == "::" and self.tok(i - 2) != "metal"
            ):
                i += 1
                continue
            if (
                s in self.convert_names
                and toks[i + 1 : i + 2]
                and toks[i + 1].kind == "id"
                and self.tok(i + 2) == "("
                and scopes
                and scopes[-1] in ("func", "block")
                and prev not in ("::", "typename", "return")
            ):
                # direct initialisation `float4 v(a, b, c, d);` (clang rejects it for vectors)
                close = match_bracket(toks, i + 2)
                if close < n and self.tok(close + 1) in (";", ","):
                    self.edit(toks[i + 2].start, toks[i + 2].end, f" = {MAKE}<{s}>(")
                    i += 3
                    continue
            if s in self.convert_names and self.tok(i + 1) == "(":
                start = toks[i - 2].start if prev == "::" else t.start
                self.edit(start, t.end, f"{MAKE}<{s}>")
                self.mask_arg(i + 1)
                i += 1
                continue
            if s == "vec" and self.tok(i + 1) == "<":
                end = match_angle(toks, i + 1)
                if end is not None and self.tok(end + 1) == "(":
                    start = toks[i - 2].start if prev == "::" else t.start
                    ty = self.text[t.start : toks[end].end]
                    self.edit(start, toks[end].end, f"{MAKE}<{ty} >")
                    self.mask_arg(end + 1)
                    i = end + 1
                    continue
            i += 1

    # -------------------------------------------------------------- pieces
    def classify_brace(self, head: int, i: int, scopes: list[str]) -> str:
        words = [t.text for t in self.toks[head:i]]
        if any(w in ("struct", "class", "union", "enum") for w in words) and "(" not in words:
            return "class"
        if "namespace" in words or (words[:1] == ["extern"]):
            return "ns"
        if words and words[-1] in ("=", ",", "(", "[", "return", "{"):
            return "init"
        if "=" in words and ")" not in words:
            return "init"
        if scopes and scopes[-1] in ("func", "block"):
            return "block"
        if scopes and scopes[-1] == "init":
            return "init"
        if ")" in words or (words and words[-1] in ("const", "mutable", "noexcept")):
            return "func"
        return "block" if scopes and scopes[-1] != "ns" and scopes[-1] != "class" else "ns"

    def reject(self, i: int, scopes: list[str]) -> None:
        t = self.toks[i]
        s = t.text
        if s in REJECTED_KEYWORDS:
            if s == "delete" and self.tok(i - 1) == "=":
                return
            raise RewriteError(REJECTED_KEYWORDS[s], t.start)
        if s == "long" and self.tok(i + 1) in ("long", "double"):
            raise RewriteError(f"Metal does not support 'long {self.tok(i + 1)}'", t.start)
        if (
            s == "static"
            and scopes
            and scopes[-1] in ("func", "block")
            and not {self.tok(i + 1), self.tok(i + 2)} & {"constexpr", "constant"}
        ):
            # `static constexpr` / `static constant` locals are accepted (unsure whether Metal
            # does; rejecting valid code is the worse failure).
            raise RewriteError(
                "Metal does not support static local variables (only program-scope constant "
                "variables may be static)",
                t.start,
            )

    def literal(self, t: Tok) -> None:
        s = t.text
        if s.lower().startswith("0x"):
            return
        if re.fullmatch(r"(?:\d+\.\d*|\.\d+)(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+", s):
            # Metal has no double: an unsuffixed floating literal is a float (WWDC16 606: "2.0
            # makes a half expression a float operation"); in C++ it would be a double.
            self.edit(t.end, t.end, "f")
            return
        m = re.fullmatch(r"((?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(h|H|bf|BF)", s)
        if not m:
            return
        num, suf = m.groups()
        if not re.search(r"[.eE]", num):
            num += ".0"
        if suf in ("h", "H"):
            self.edit(t.start, t.end, f"{num}f16")
        else:
            self.edit(t.start, t.end, f"((bfloat){num})")

    def c_cast(self, i: int) -> int | None:
        """``(T)operand`` with T a convertible type -> ``make<T>(operand)``."""
        toks = self.toks
        j = match_bracket(toks, i)
        if j >= len(toks) or j == i + 1:
            return None
        if not self.is_convert_type(i + 1, j):
            return None
        prev = toks[i - 1] if i > 0 else None
        if prev is not None and (
            (prev.kind in ("id", "num") and prev.text not in ("return", "case", "else", "do"))
            or (prev.text in (")", "]") and i - 1 not in self.cast_closers)
        ):
            return None
        end = self.operand_end(j + 1)
        if end is None:
            return None
        ty = self.text[toks[i + 1].start : toks[j - 1].end]
        self.cast_closers.add(j)
        self.edit(toks[i].start, toks[j].end, f"{MAKE}<{ty}>(")
        if self.tok(j + 1) == "(" and match_bracket(toks, j + 1) == end - 1:
            self.mask_arg(j + 1)
        self.edit(toks[end - 1].end, toks[end - 1].end, ")")
        return j + 1  # keep scanning inside the operand (nested casts, literals)

    def mask_arg(self, open_idx: int) -> None:
        """``float4(a > b)``: clang's comparison gives -1 per true lane, Metal's bool vector 1.

        If the single argument of the call opened at ``open_idx`` is a comparison or logical
        expression, wrap it in ``::metalsim::as_bool(...)`` (an integer mask vector becomes a
        bool vector; scalars pass through).
        """
        toks = self.toks
        close = match_bracket(toks, open_idx)
        if close >= len(toks) or close == open_idx + 1:
            return
        k = open_idx + 1
        found = toks[k].text == "!"
        while k < close:
            s = toks[k].text
            if s in ("(", "[", "{"):
                k = match_bracket(toks, k) + 1
                continue
            if s in (",", "?"):
                return  # several arguments, or a ternary: not a plain mask
            if s == "<" and toks[k - 1].kind == "id":
                e = match_angle(toks, k)
                if e is not None and e < close and self.tok(e + 1) in ("(", "::", "{"):
                    k = e + 1
                    continue
            if s in ("==", "!=", "<=", ">=", "<", ">", "&&", "||"):
                found = True
            k += 1
        if found:
            self.edit(toks[open_idx].end, toks[open_idx].end, "::metalsim::as_bool(")
            self.edit(toks[close].start, toks[close].start, ")")

    def operand_end(self, i: int) -> int | None:
        """Token index just past the unary-expression operand starting at toks[i]."""
        toks = self.toks
        n = len(toks)
        if i >= n:
            return None
        s = toks[i].text
        if s in ("-", "+", "!", "~", "*", "&", "++", "--"):
            return self.operand_end(i + 1)
        if s == "(":
            j = match_bracket(toks, i)
            if j >= n:
                return None
            if self.is_type_text(i + 1, j):
                inner = self.operand_end(j + 1)
                if inner is not None:
                    return inner
            k = j + 1
        elif toks[i].kind in ("id", "num", "str"):
            k = i + 1
            if s in ("sizeof", "alignof") and self.tok(k) == "(":
                return match_bracket(toks, k) + 1
            while True:
                if self.tok(k) == "::" and k + 1 < n and toks[k + 1].kind == "id":
                    k += 2
                    continue
                if self.tok(k) == "<" and toks[k - 1].kind == "id":
                    e = match_angle(toks, k)
                    if e is not None and self.tok(e + 1) in ("(", "::", "{"):
                        k = e + 1
                        continue
                break
        else:
            return None
        while k < n:
            s = toks[k].text
            if s in ("(", "["):
                k = match_bracket(toks, k) + 1
            elif s in (".", "->"):
                k += 2
                if self.tok(k - 1) == "template":
                    k += 1
            elif s in ("++", "--"):
                k += 1
            else:
                break
        return k

    # -------------------------------------------------------------- output
    def result(self) -> RewriteResult:
        edits = sorted(self.edits, key=lambda e: (e[0], e[1]))
        out: list[str] = []
        mapping: list[tuple[int, int, int, int]] = []
        pos = 0
        opos = 0
        for a, b, repl in edits:
            if a < pos:
                continue  # overlapping edit (should not happen); keep the first
            out.append(self.text[pos:a])
            opos += a - pos
            out.append(repl)
            mapping.append((a, b, opos, opos + len(repl)))
            opos += len(repl)
            pos = b
        out.append(self.text[pos:])
        return RewriteResult(
            text="".join(out),
            edits=mapping,
            uses_sync=self.uses_sync,
            uses_threadgroup_memory=self.uses_tg,
            next_site=self.site,
        )


_PRAGMA_RE = re.compile(
    r"^([ \t]*)#[ \t]*pragma[ \t]+METAL[ \t]+fp[ \t]+(\w+)[ \t]*\((\w+)\)", re.MULTILINE
)


def _pragmas(text: str) -> str:
    def repl(m: re.Match[str]) -> str:
        indent, what, arg = m.groups()
        if what == "contract" and arg in ("off", "on", "fast"):
            return f"{indent}#pragma clang fp contract({arg})"
        if what == "math_mode" and arg == "safe":
            return f"{indent}#pragma float_control(precise, on)"
        return f"{indent}// (metalsim: pragma METAL fp {what}({arg}) has no host equivalent)"

    return _PRAGMA_RE.sub(repl, text)


def rewrite(text: str, *, next_site: int = 1, check: bool = True) -> RewriteResult:
    """Rewrite preprocessed MSL ``text`` into host C++ (see the module docstring).

    ``check=False`` skips the rejection of constructs Metal does not support (used for MLX's own
    preamble). Raises RewriteError for rejected constructs.
    """
    text = _pragmas(text)  # only '#' lines change: line numbers stay put
    rw = _Rewriter(text, next_site, check)
    rw.run()
    res = rw.result()
    res.input_text = text
    return res
