"""Threadgroup variable declarations -> references into the runtime's per-threadgroup arena.

``threadgroup float t[32][33], u;`` inside a kernel becomes one
``auto &t = ::metalsim::tg_var<float[32][33]>(site, align, col);`` per declarator, so every thread
of a threadgroup shares the variable (ARCHITECTURE.md, Interface 2: ``metalsim_tg_alloc_at``).
A mixin of the rewriter (``metalsim.language.rewriter``), which calls ``threadgroup`` at
each ``threadgroup`` keyword; kept apart because the declaration grammar is its own concern.
"""

from __future__ import annotations

from metalsim.language.checks import RewriteError
from metalsim.language.lexer import Tok, match_bracket

_TG_PARSE = (
    "metalsim cannot read this threadgroup declaration (it handles `threadgroup T a[N][M], b;` "
    "with optional alignas/volatile/const); erasing the keyword would make it per-thread"
)


class ThreadgroupDecls:
    """The rewriter's handling of ``threadgroup`` declarations (state lives in the rewriter)."""

    text: str
    toks: list[Tok]
    site: int
    uses_tg: bool

    def edit(self, start: int, end: int, repl: str) -> None:
        raise NotImplementedError  # the rewriter's

    def tok(self, i: int) -> str:
        raise NotImplementedError  # the rewriter's

    def threadgroup(self, i: int, head: int) -> int | None:
        """Rewrite a threadgroup variable declaration; None if `threadgroup` is a qualifier."""
        toks = self.toks
        # walk back over cv-qualifiers and alignas(...) to the start of the declaration
        start = i
        align_exprs: list[str] = []
        k = i - 1
        while k >= head:
            s = toks[k].text
            if s in ("const", "volatile", "static"):
                start = k
                k -= 1
                continue
            if s == ")":
                # alignas(...)?
                depth = 0
                m = k
                while m >= head:
                    if toks[m].text == ")":
                        depth += 1
                    elif toks[m].text == "(":
                        depth -= 1
                        if depth == 0:
                            break
                    m -= 1
                if m - 1 >= head and toks[m - 1].text == "alignas":
                    start = m - 1
                    k = m - 2
                    continue
            break
        if start != head:
            return None  # qualifier: parameter, cast, template argument, member function, ...
        # scan to the end of the statement; '<' '>' count as brackets at statement level (a
        # declaration has no comparisons outside its array bounds)
        e = i + 1
        depth = 0
        angle = 0
        init_at: int | None = None
        while e < len(toks):
            s = toks[e].text
            if s in ("(", "[", "{"):
                if depth == 0 and angle == 0 and init_at is None and s in ("(", "{") and (
                    toks[e - 1].text != "alignas"
                ):
                    init_at = e
                depth += 1
            elif s in (")", "]", "}"):
                depth -= 1
                if depth < 0:
                    raise RewriteError(_TG_PARSE, toks[i].start)
            elif depth == 0 and s == "<":
                angle += 1
            elif depth == 0 and s in (">", ">>"):
                angle = max(0, angle - len(s))
            elif depth == 0 and angle == 0 and s in ("*", "&", "&&"):
                return None  # pointer/reference to threadgroup memory
            elif depth == 0 and angle == 0 and s == "=" and init_at is None:
                init_at = e
            elif depth == 0 and s == ";":
                break
            e += 1
        if e >= len(toks):
            raise RewriteError(_TG_PARSE, toks[i].start)
        if init_at is not None:
            raise RewriteError(
                "threadgroup variables cannot have initializers in Metal", toks[init_at].start
            )
        self.uses_tg = True
        quals: list[str] = []
        for x in range(start, i):
            if toks[x].text in ("const", "volatile"):
                quals.append(toks[x].text)
            elif toks[x].text == "alignas":
                close = match_bracket(toks, x + 1)
                align_exprs.append(self.text[toks[x + 2].start : toks[close - 1].end])
        # split declarators at depth-0 commas; strip alignas inside the specifiers
        parts: list[list[int]] = [[]]
        depth = 0
        x = i + 1
        while x < e:
            s = toks[x].text
            if s == "alignas" and self.tok(x + 1) == "(":
                close = match_bracket(toks, x + 1)
                align_exprs.append(self.text[toks[x + 2].start : toks[close - 1].end])
                x = close + 1
                continue
            if s in ("(", "[", "<"):
                depth += 1
            elif s in (")", "]", ">"):
                depth -= 1
            if s == "," and depth == 0:
                parts.append([])
            else:
                parts[-1].append(x)
            x += 1
        first = parts[0]
        # the declarator name is the last identifier before the first '[' (or the end)
        name_pos = None
        for idx, x in enumerate(first):
            if toks[x].text == "[":
                break
            if toks[x].kind == "id" and toks[x].text not in ("const", "volatile"):
                name_pos = idx
        if name_pos is None or name_pos == 0:
            raise RewriteError(_TG_PARSE, toks[i].start)
        base_toks = first[:name_pos]
        base = " ".join(quals) + " " + self.text[toks[base_toks[0]].start : toks[base_toks[-1]].end]
        decls = [first[name_pos:]] + parts[1:]
        if not align_exprs:
            al = "0"
        elif len(align_exprs) == 1:
            al = f"({align_exprs[0]})"
        else:
            al = "::metalsim::max_align(" + ", ".join(f"({a})" for a in align_exprs) + ")"
        out = []
        for d in decls:
            if not d or toks[d[0]].kind != "id":
                raise RewriteError(_TG_PARSE, toks[i].start)
            name = toks[d[0]]
            arrays = self.text[toks[d[1]].start : toks[d[-1]].end] if len(d) > 1 else ""
            col = name.start - self.text.rfind("\n", 0, name.start)
            ty = f"{base.strip()}{arrays}"
            out.append(
                f"auto &{name.text} = ::metalsim::tg_var<{ty}>({self.site}, {al}, {col});"
            )
            self.site += 1
        # keep the newlines of the original statement so line numbers do not move
        original = self.text[toks[start].start : toks[e].end]
        repl = " ".join(out) + "\n" * original.count("\n")
        self.edit(toks[start].start, toks[e].end, repl)
        return e + 1

    def _depth0(self, a: int, b: int) -> bool:
        depth = 0
        for x in range(a, b):
            s = self.toks[x].text
            if s in ("(", "[", "<"):
                depth += 1
            elif s in (")", "]", ">"):
                depth -= 1
        return depth == 0
