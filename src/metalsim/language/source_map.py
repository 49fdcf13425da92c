"""Positions: from the text clang compiles back to the user's ``<header>``/``<source>`` text.

The compiler tags each part of MLX's generated text with ``#line`` markers naming one of the
pseudo-files below; after preprocessing, ``respace`` puts back the user's spelling on lines
no macro touched (so columns are exact), and ``SourceMap`` maps clang's diagnostics on the
rewritten text back through the rewriter's edits to the user's line and column.
"""

from __future__ import annotations

import bisect
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from metalsim.language.lexer import mask, tokenize

HEADER_FILE = "<header>"
SOURCE_FILE = "<source>"
SIGNATURE_FILE = "<signature>"
ENTRY_FILE = "<metalsim-entry>"
USER_FILES = (HEADER_FILE, SOURCE_FILE, SIGNATURE_FILE)

_MARKER = re.compile(r'^#\s*(?:line\s+)?(\d+)\s+"([^"]*)"')


def line_files(text: str) -> list[tuple[str, int]]:
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
    return [t.text for t in tokenize(mask(line))]


def respace(pp: str, originals: dict[str, list[str]]) -> str:
    """Put back the user's spelling on lines the preprocessor only re-spaced."""
    lines = pp.split("\n")
    where = line_files(pp)
    out = []
    for ln, (f, n) in zip(lines, where, strict=True):
        orig = originals.get(f)
        if orig is not None and 1 <= n <= len(orig) and not ln.lstrip().startswith("#"):
            o = orig[n - 1]
            if o != ln and not o.lstrip().startswith("#") and _tokens_of(o) == _tokens_of(ln):
                ln = o
        out.append(ln)
    return "\n".join(out)


def clean_paths(msg: str, work: Path) -> str:
    # MLX's preamble marks its lines `#line N "mlx/backend/..."`; clang prefixes a directory.
    msg = re.sub(r"(?m)(^|\s)/\S*?/(mlx/backend/metal/kernels/)", r"\1\2", msg)
    return msg.replace(str(work) + os.sep, "")


@dataclass
class RewriteResult:
    """The rewriter's output and the edit map back to its input (here, so that the rewriter
    and the checks can both use it without importing each other)."""

    text: str
    # (input_start, input_end, output_start, output_end) of every edit, in order; lets callers map
    # an output offset back to the input.
    edits: list[tuple[int, int, int, int]] = field(default_factory=list)
    uses_sync: bool = False
    uses_threadgroup_memory: bool = False
    next_site: int = 1
    input_text: str = ""  # the text the offsets of ``edits`` refer to

    def to_input(self, out_pos: int) -> int:
        """Map an offset in ``text`` back to the rewriter's input."""
        delta = 0
        for i0, i1, o0, o1 in self.edits:
            if out_pos < o0:
                break
            if out_pos < o1:
                return i0 if o1 - o0 != i1 - i0 else i0 + (out_pos - o0)
            delta = i1 - o1
        return out_pos + delta


class SourceMap:
    """Maps positions in the compiled text back to the user's <header>/<source> text."""

    def __init__(self, respaced: str, res: RewriteResult, originals: dict[str, list[str]]) -> None:
        self.input = res.input_text or respaced
        self.res = res
        self.originals = originals
        self.in_where = line_files(self.input)
        self.in_starts = line_starts(self.input)
        out_where = line_files(res.text)
        out_starts = line_starts(res.text)
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


def line_starts(text: str) -> list[int]:
    starts = [0]
    for m in re.finditer("\n", text):
        starts.append(m.end())
    return starts


DIAGNOSTIC_LINE = re.compile(r"^(?P<file>[^\n:]*?):(?P<line>\d+):(?P<col>\d+): (?P<rest>.*)$")


def map_diagnostics(stderr: str, smap: SourceMap, work: Path) -> str:
    """Rewrite clang's diagnostics in terms of the user's <header>/<source> text.

    An error raised inside a metalsim or MLX header (a static_assert in a template, say) is
    restated at the first user location among its notes, so the first line a user reads points
    at their own code.
    """
    lines = [ln for ln in stderr.splitlines() if not ln.startswith("In file included from")]
    parsed = [DIAGNOSTIC_LINE.match(ln) for ln in lines]

    def user_loc(m: re.Match[str]) -> tuple[str, int, int] | None:
        if m.group("file") not in USER_FILES:
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
    return clean_paths("\n".join(out), work)
