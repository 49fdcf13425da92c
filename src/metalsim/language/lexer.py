"""Lexing Metal source: mask what must never be rewritten, split into tokens, match brackets.

Everything the language layer scans (the rewriter, the source map's re-spacing, the preamble's
MLX-version probe, the lint) runs on ``mask``'s copy of the text, in which comments, string
and character literals and preprocessor lines are blanked with the same length, so offsets in
the masked copy are offsets in the original.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# ------------------------------------------------------------------------------------ masking


def mask(text: str) -> str:
    """Blank comments, string/char literal contents and preprocessor lines; keep newlines."""
    out = list(text)
    n = len(text)
    i = 0
    line_start = True
    while i < n:
        c = text[i]
        if c == "\n":
            line_start = True
            i += 1
            continue
        if line_start and c in " \t":
            i += 1
            continue
        if line_start and c == "#":
            # preprocessor line (with backslash continuations)
            while i < n and text[i] != "\n":
                if text[i] == "\\" and i + 1 < n and text[i + 1] == "\n":
                    out[i] = " "
                    i += 2
                    continue
                out[i] = " "
                i += 1
            continue
        line_start = False
        if c == "/" and i + 1 < n and text[i + 1] == "/":
            while i < n and text[i] != "\n":
                out[i] = " "
                i += 1
            continue
        if c == "/" and i + 1 < n and text[i + 1] == "*":
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            for k in range(i, end):
                if text[k] != "\n":
                    out[k] = " "
            i = end
            continue
        if c == '"' or (c == "'" and not (i > 0 and text[i - 1].isalnum())):
            q = c
            k = i + 1
            while k < n and text[k] != q and text[k] != "\n":
                if text[k] == "\\":
                    out[k] = " "
                    k += 1
                    if k < n and text[k] != "\n":
                        out[k] = " "
                    k += 1
                    continue
                out[k] = " "
                k += 1
            i = k + 1
            continue
        i += 1
    return "".join(out)


# ------------------------------------------------------------------------------------ tokens

_TOKEN_RE = re.compile(
    r"""
    (?P<num>\.?\d(?:[eEpP][+-]|[\w.'])*)
  | (?P<id>[A-Za-z_]\w*)
  | (?P<punct>::|->|\+\+|--|<<=|>>=|<=|>=|==|!=|&&|\|\||[-+*/%&|^!~<>=]=?|[()\[\]{};,.?:#])
  | (?P<str>"[^"\n]*"|'[^'\n]*')
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class Tok:
    kind: str  # num | id | punct | str
    text: str
    start: int
    end: int


def tokenize(masked: str) -> list[Tok]:
    toks = []
    for m in _TOKEN_RE.finditer(masked):
        kind = m.lastgroup or "punct"
        toks.append(Tok(kind, m.group(), m.start(), m.end()))
    return toks


_OPEN = {"(": ")", "[": "]", "{": "}"}


def match_bracket(toks: list[Tok], i: int) -> int:
    """Index of the bracket closing toks[i] ((, [ or {); len(toks) if unbalanced."""
    stack = [toks[i].text]
    k = i + 1
    while k < len(toks):
        t = toks[k].text
        if t in _OPEN:
            stack.append(t)
        elif t in (")", "]", "}"):
            stack.pop()
            if not stack:
                return k
        k += 1
    return len(toks)


def match_angle(toks: list[Tok], i: int) -> int | None:
    """Index of the '>' closing the template argument list opened at toks[i] ('<'), or None."""
    depth = 0
    k = i
    while k < len(toks):
        t = toks[k].text
        if t == "<":
            depth += 1
        elif t == ">":
            depth -= 1
            if depth == 0:
                return k
        elif t == ">>":
            depth -= 2
            if depth <= 0:
                return k if depth == 0 else None
        elif t in ("(", "["):
            k = match_bracket(toks, k)
        elif t in (";", "{", "}", ")", "]", "&&", "||"):
            return None
        k += 1
    return None
