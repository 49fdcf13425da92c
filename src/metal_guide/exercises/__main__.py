"""Command line of the exercises: list them, start one, check a solution.

    python -m metal_guide.exercises list
    python -m metal_guide.exercises start 1 my_map.py
    python -m metal_guide.exercises check 1 my_map.py

A solution file is a Python file that sets ``BODY`` (the kernel body, a string) and optionally
``HEADER``. ``check`` exits with status 0 when every case passes, 1 when one fails, and 2 on a
usage error.
"""

from __future__ import annotations

import argparse
import runpy
import sys
from pathlib import Path

from metal_guide.exercises.exercise import all_exercises, get_exercise
from metal_guide.exercises.grader import grade

STARTER = '''"""Exercise {number}: {title}.

Write the kernel body below, then check it:

    python -m metal_guide.exercises check {number} {path}
"""

HEADER = """{header}"""

BODY = """{body}"""
'''


def _list() -> int:
    for ex in all_exercises():
        print(f"{ex.number:2d}  {ex.title}")
    return 0


def _start(number: int, path: Path) -> int:
    ex = get_exercise(number)
    if path.exists():
        print(f"{path} exists already; choose another name", file=sys.stderr)
        return 2
    path.write_text(
        STARTER.format(
            number=ex.number, title=ex.title, path=path, header=ex.header_stub, body=ex.stub
        )
    )
    print(f"wrote {path}: fill in BODY, then run "
          f"'python -m metal_guide.exercises check {number} {path}'")
    return 0


def _check(number: int, path: Path) -> int:
    ex = get_exercise(number)
    if not path.is_file():
        print(f"no such file: {path}", file=sys.stderr)
        return 2
    namespace = runpy.run_path(str(path))
    body = namespace.get("BODY")
    header = namespace.get("HEADER", "")
    if not isinstance(body, str) or not isinstance(header, str):
        print(f"{path} must set BODY (and optionally HEADER) to strings", file=sys.stderr)
        return 2
    report = grade(ex, body, header)
    print(report)
    return 0 if report.passed else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m metal_guide.exercises", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="list the exercises")
    for name, text in (("start", "write a starter file"), ("check", "grade a solution file")):
        p = sub.add_parser(name, help=text)
        p.add_argument("number", type=int)
        p.add_argument("path", type=Path)
    args = parser.parse_args(argv)
    try:
        if args.command == "list":
            return _list()
        if args.command == "start":
            return _start(args.number, args.path)
        return _check(args.number, args.path)
    except ValueError as e:  # an exercise number out of range
        print(e, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
