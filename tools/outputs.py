"""Regenerate every generated file the pages show, with one command.

Usage (from the repository root; ``make outputs`` runs the first form)::

    python -m tools.outputs [--upstream DIR] [--only NAME ...] [--list]

``--upstream DIR`` points at a folder holding clones of ml-explore/mlx, mlx-lm and
mlx-examples (``DIR/mlx``, ``DIR/mlx-lm``, ``DIR/mlx-examples``); generators that read those
checkouts are skipped, with a message, when it is not given. Tests fail when a committed output
drifts from what its generator produces, so run this after changing what a page shows and
commit the result.

To add a generator, append one `Generator` to `GENERATORS` (order matters: a generator runs
after the ones whose files it reads). `tests/site/test_site_outputs.py` fails when a file under
an ``_output/`` folder, or an SVG figure, is written by no registered generator.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
TESTING_ON_LINUX = "src/metal_guide/testing_on_linux/_output"

# The upstream checkouts a generator may read, as `{name}` placeholders in its arguments.
UPSTREAM = {"mlx": "mlx", "mlx_lm": "mlx-lm", "mlx_examples": "mlx-examples"}


@dataclass(frozen=True)
class Generator:
    """One command that rewrites files shown on the site."""

    name: str
    args: tuple[str, ...]  # after `python`, run from the repository root
    writes: tuple[str, ...]  # the files it rewrites, as globs relative to the repository root
    needs: tuple[str, ...] = ()  # upstream checkouts (keys of UPSTREAM) it reads
    stdout: str | None = None  # a command that prints its output: the file that receives it
    success: tuple[int, ...] = (0,)  # exit statuses after which its files are valid


GENERATORS: tuple[Generator, ...] = (
    Generator(
        "kernel-patterns-snapshots",
        ("-m", "metal_guide.kernel_patterns.generated_source", "--write"),
        ("src/metal_guide/kernel_patterns/_output/*.metal",),
    ),
    Generator(
        "kernel-patterns-signature-figure",
        ("-m", "metal_guide.kernel_patterns.signature_figure", "--write"),
        ("docs/guides/figures/generated-signature.svg",),
    ),
    Generator(
        "kernel-patterns-memory-figure",
        ("-m", "metal_guide.kernel_patterns.memory_figure", "--write"),
        ("docs/guides/figures/address-spaces.svg",),
    ),
    Generator(
        "quick-start-launch-figure",
        ("-m", "metal_guide.quick_start.launch_figure", "--write"),
        ("docs/guides/figures/launch-geometry.svg",),
    ),
    Generator(
        "metalsim-benchmark",
        ("-m", "tools.benchmark_metalsim", "--markdown", f"{TESTING_ON_LINUX}/benchmark.md"),
        (f"{TESTING_ON_LINUX}/benchmark.md",),
    ),
    Generator(
        "ecosystem-checks",
        (
            "-m",
            "tools.ecosystem",
            "--mlx",
            "{mlx}",
            "--mlx-lm",
            "{mlx_lm}",
            "--mlx-examples",
            "{mlx_examples}",
            "--json",
            f"{TESTING_ON_LINUX}/ecosystem.json",
        ),
        (f"{TESTING_ON_LINUX}/ecosystem.json",),
        needs=("mlx", "mlx_lm", "mlx_examples"),
        # 3: some checks disagree with their reference, which the page reports on purpose.
        success=(0, 3),
    ),
    Generator(
        "grid-sample-vjp",
        (
            "-m",
            "tools.ecosystem.grid_sample_vjp",
            "--mlx",
            "{mlx}",
            "--json",
            f"{TESTING_ON_LINUX}/grid_sample_vjp.json",
        ),
        (f"{TESTING_ON_LINUX}/grid_sample_vjp.json",),
        needs=("mlx",),
    ),
    Generator(
        "precision-accuracy",
        ("-m", "metalsim", "run", "-m", "metal_guide.precision.accuracy"),
        (
            "src/metal_guide/precision/_output/ff_ops_errors.md",
            "src/metal_guide/precision/_output/dot_accuracy.json",
            "src/metal_guide/precision/_output/qr_ratios.md",
            "docs/assets/precision/dot_accuracy.svg",
        ),
    ),
    *(
        Generator(
            f"precision-{demo}",
            ("-m", "metalsim", "run", "-m", f"metal_guide.precision.{demo}"),
            (f"src/metal_guide/precision/_output/{demo}.txt",),
            stdout=f"src/metal_guide/precision/_output/{demo}.txt",
        )
        for demo in ("fast_math", "atomic_sum")
    ),
    Generator(
        "exercise-figures",
        ("-m", "metal_guide.exercises.figures", "docs/exercises/figures"),
        ("docs/exercises/figures/*.svg",),
    ),
    Generator(
        "wwdc16-address-spaces",
        ("-m", "metal_guide.wwdc16_optimization.address_spaces_figure"),
        ("docs/assets/wwdc16/address-spaces-*.svg",),
    ),
    Generator(
        "stream-pages",
        ("-m", "tools.streams_figures"),
        (
            "src/metal_guide/devices_and_streams/_output/*",
            "src/metal_guide/streams_guide/_output/*",
            "src/metal_guide/streams_and_banding/_output/*",
            "docs/guides/figures/banding-timeline.svg",
            "docs/guides/figures/two-threads.svg",
        ),
    ),
    Generator(
        "ecosystem-table",
        (
            "-m",
            "tools.ecosystem.table",
            "--results",
            f"{TESTING_ON_LINUX}/ecosystem.json",
            "--grid-sample",
            f"{TESTING_ON_LINUX}/grid_sample_vjp.json",
            "--output",
            f"{TESTING_ON_LINUX}/ecosystem.md",
        ),
        (f"{TESTING_ON_LINUX}/ecosystem.md",),
    ),
)


def command(generator: Generator, upstream: Path | None) -> list[str] | None:
    """The command line of `generator`, or None when it needs checkouts that are not given."""
    if generator.needs and upstream is None:
        return None
    checkouts = {}
    if upstream is not None:
        checkouts = {key: str(upstream / folder) for key, folder in UPSTREAM.items()}
    return [sys.executable, *(arg.format(**checkouts) for arg in generator.args)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream", type=Path, help="folder with mlx, mlx-lm, mlx-examples")
    names = [g.name for g in GENERATORS]
    parser.add_argument("--only", nargs="*", choices=names, help="generators to run")
    parser.add_argument("--list", action="store_true", help="list generators and exit")
    args = parser.parse_args(argv)
    failed = []
    for generator in GENERATORS:
        if args.list:
            print(f"{generator.name}: {', '.join(generator.writes)}")
            continue
        if args.only and generator.name not in args.only:
            continue
        cmd = command(generator, args.upstream)
        if cmd is None:
            print(f"skipped {generator.name}: needs --upstream ({', '.join(generator.needs)})")
            continue
        print(f"running {generator.name}: {' '.join(cmd[1:])}", flush=True)
        if generator.stdout is None:
            ok = subprocess.run(cmd, cwd=REPO_ROOT).returncode in generator.success
        else:
            run = subprocess.run(cmd, cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True)
            ok = run.returncode in generator.success
            if ok:
                (REPO_ROOT / generator.stdout).write_text(run.stdout)
        if not ok:
            failed.append(generator.name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
