"""``python -m metalsim lint``: the command line of the performance lint."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from typing import Any


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "lint",
        help="performance lint of the kernels in Python files (nothing is run)",
        description="Check the kernels built and launched in Python files against the "
        "performance checklist: clang's AST for the Metal side, Python's ast for the call "
        "side. Exit status 1 if anything is found.",
    )
    p.add_argument("paths", nargs="*", help="Python files, or directories to search for *.py")
    p.add_argument("--json", action="store_true", help="print a JSON report")
    p.add_argument("--rules", action="store_true", help="list the rules and exit")


def run(ns: argparse.Namespace) -> int:
    from metalsim.lint import RULES, lint_paths

    if ns.rules:
        for r in RULES:
            print(f"{r.id:28} {r.side:6} {r.summary}\n{'':35} checklist: {r.checklist_item}")
        return 0
    if not ns.paths:
        print("metalsim lint: give at least one file or directory", file=sys.stderr)
        return 2
    report = lint_paths(ns.paths)
    if ns.json:
        print(json.dumps({
            "kernels": report.kernels,
            "findings": [asdict(f) for f in report.findings],
            "suppressed": [{**asdict(f), "reason": why} for f, why in report.suppressed],
            "notes": report.notes,
        }, indent=2))
    else:
        for f in report.findings:
            print(f.format())
        for n in report.notes:
            print(f"note: {n}")
        print(f"{len(report.findings)} finding(s), {len(report.suppressed)} suppressed, "
              f"{report.kernels} kernel(s) read")
    return 1 if report.findings else 0
