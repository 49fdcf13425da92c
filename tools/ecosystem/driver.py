"""Run Metal kernels from the MLX ecosystem, unmodified, under metalsim.

Each check loads a kernel from a checkout of its project (nothing from those projects is
copied into this repository), runs it through the emulator and compares the result with a
pure-MLX path: the project's own fallback where it has one, otherwise a reference written
here. Every check runs in its own subprocess so that a crash in one kernel cannot hide the
others.

Usage (from the repository root)::

    python -m tools.ecosystem --mlx ../mlx --mlx-lm ../mlx-lm \
        --mlx-examples ../mlx-examples [--only NAME ...] [--json results.json]

The checkouts are plain clones of ml-explore/mlx, ml-explore/mlx-lm and
ml-explore/mlx-examples. Results are EMULATED on the CPU: they say whether the kernel logic
agrees with its reference, nothing about speed on a GPU.

Exit status: 0 when every check passes (or is skipped), ``MISMATCH_EXIT`` (3) when the checks
ran and some disagree with their reference (the results are still written), 1 on an error.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

# Importing the per-project modules registers their checks in CHECKS.
from tools.ecosystem import checks_mlx, checks_mlx_examples, checks_mlx_lm  # noqa: F401
from tools.ecosystem.registry import CHECKS, Comparison, Result

REPO_ROOT = Path(__file__).resolve().parents[2]

# The checks ran and some disagree: distinct from 1, which a crash also gives.
MISMATCH_EXIT = 3


def checkout_commit(root: Path) -> str:
    """The commit a checkout is at, or why it is not known."""
    proc = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True
    )
    return proc.stdout.strip() if proc.returncode == 0 else "unknown (not a git checkout)"


def run_one(name: str, root: Path) -> Result:
    start = time.perf_counter()
    try:
        comparisons = CHECKS[name][1](root)
    except Exception as exc:  # report, don't hide: the next check still runs
        return Result(
            name,
            "error",
            time.perf_counter() - start,
            message=f"{type(exc).__name__}: {exc}"[:2000],
        )
    status = "pass" if all(c.ok for c in comparisons) else "mismatch"
    return Result(name, status, time.perf_counter() - start, comparisons)


def child_environment() -> dict[str, str]:
    """The environment of a check's subprocess: this one, with `tools` importable from any
    working directory (the checkout paths stay relative to the caller's)."""
    env = os.environ.copy()
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    return env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.ecosystem", description=(__doc__ or "").split("\n\n")[0]
    )
    parser.add_argument("--mlx", type=Path, help="checkout of ml-explore/mlx")
    parser.add_argument("--mlx-lm", dest="mlx_lm", type=Path, help="checkout of mlx-lm")
    parser.add_argument(
        "--mlx-examples", dest="mlx_examples", type=Path, help="checkout of ml-explore/mlx-examples"
    )
    parser.add_argument("--only", nargs="*", choices=sorted(CHECKS), help="checks to run")
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:  # inside the subprocess: run one check, print its JSON
        project = CHECKS[args.child][0]
        result = run_one(args.child, getattr(args, project))
        print("RESULT " + json.dumps(asdict(result)))
        return 0

    results = []
    for name in args.only or sorted(CHECKS):
        project = CHECKS[name][0]
        root = getattr(args, project)
        if root is None:
            results.append(Result(name, "skipped", 0.0, message=f"--{project} not given"))
            continue
        cmd = [
            sys.executable,
            "-m",
            "tools.ecosystem",
            "--child",
            name,
            f"--{project.replace('_', '-')}",
            str(root),
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, env=child_environment())
        line = next((x for x in proc.stdout.splitlines() if x.startswith("RESULT ")), None)
        if line is None:
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
            results.append(
                Result(
                    name,
                    "error",
                    0.0,
                    message=f"subprocess exit {proc.returncode}: " + " | ".join(tail),
                )
            )
        else:
            data = json.loads(line[len("RESULT ") :])
            data["comparisons"] = [Comparison(**c) for c in data["comparisons"]]
            data["commit"] = checkout_commit(root)
            results.append(Result(**data))

    for r in results:
        print(f"{r.status:8} {r.name} ({r.seconds:.1f} s) {r.message}")
        for c in r.comparisons:
            mark = "ok " if c.ok else "BAD"
            print(f"    {mark} {c.what}: max|err| = {c.max_abs_err:.3g} {c.note}")
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=2))
    return 0 if all(r.status in ("pass", "skipped") for r in results) else MISMATCH_EXIT
