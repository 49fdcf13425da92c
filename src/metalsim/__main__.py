"""Command line: ``python -m metalsim`` (also installed as ``metalsim``).

Commands:

``run [options] FILE.py [ARGS...]`` / ``run [options] -m MODULE [ARGS...]``
    Run a script with ``mx.fast.metal_kernel`` swapped for the emulator (when Metal is missing,
    or always with ``--force``).

``source FILE.py [ARGS...]``
    Run a script under the emulator and print, for every distinct kernel call, the exact Metal
    source MLX would compile (what ``verbose=True`` prints). ``--no-run`` skips compiling and
    running the kernels (outputs then hold poison); ``--raw`` prints the bare source.

``source --spec SPEC.json``
    Print the source for a kernel described in JSON, without running anything::

        {"name": "myexp", "input_names": ["inp"], "output_names": ["out"],
         "source": "uint i = thread_position_in_grid.x; out[i] = metal::exp(inp[i]);",
         "header": "", "ensure_row_contiguous": true, "atomic_outputs": false,
         "inputs": [{"dtype": "float16", "shape": [4, 16]}, 3, 2.5, true],
         "output_dtypes": ["float16"], "output_shapes": [[4, 16]],
         "template": [["T", "float32"], ["N", 4], ["B", true]]}

    Inputs are arrays (dtype + shape) or JSON numbers/bools (Python scalars: int -> int32,
    float -> float32, bool -> bool). Template strings name MLX dtypes. ``source_file`` /
    ``header_file`` may replace ``source`` / ``header`` (paths relative to the spec).

``lint [--json] [--rules] PATH...``
    Performance lint of the kernels built and launched in Python files (directories: every
    ``*.py`` below), without running them; exits 1 on findings (``metalsim.lint``).

``info``
    Versions of metalsim, MLX, the compiler and the runtime.
"""

from __future__ import annotations

import argparse
import json
import runpy
import sys
from pathlib import Path
from typing import Any

import mlx.core as mx


def _add_run_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--schedule",
        default=None,
        help="thread order inside threadgroups: forward (default), reverse, random[:SEED]",
    )
    p.add_argument(
        "--strict-barriers", action="store_true", help="fail on barriers in divergent code"
    )
    p.add_argument("--force", action="store_true", help="emulate even if Metal is available")
    # REMAINDER on -m itself: everything after the module name belongs to the module, options
    # included (`run -m pkg.mod --flag`), as with `python -m`.
    p.add_argument(
        "-m",
        dest="module",
        nargs=argparse.REMAINDER,
        default=None,
        metavar="MODULE [ARGS]",
        help="run a module (like python -m); later arguments go to the module",
    )
    p.add_argument("target", nargs="?", help="the script to run")
    p.add_argument("args", nargs=argparse.REMAINDER, help="arguments for the script")


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="metalsim",
        description="Run MLX custom Metal kernels (mx.fast.metal_kernel) on the CPU.",
        epilog=__doc__.split("Commands:", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = ap.add_subparsers(dest="command", required=True, metavar="{run,source,lint,info}")
    run = sub.add_parser("run", help="run a Python script with the emulator installed")
    _add_run_options(run)
    src = sub.add_parser(
        "source",
        help="print the exact Metal source MLX generates for kernel calls",
        description="Print the exact Metal source MLX would compile (see `metalsim --help`).",
    )
    src.add_argument("--spec", type=Path, help="JSON description of one kernel call")
    src.add_argument("--raw", action="store_true", help="bare source, not verbose=True text")
    src.add_argument(
        "--no-run", action="store_true", help="do not compile or run kernels (outputs poisoned)"
    )
    src.add_argument("-o", "--output", type=Path, help="write to this file instead of stdout")
    _add_run_options(src)
    from metalsim.lint.cli import add_parser as _add_lint_parser

    _add_lint_parser(sub)
    rep = sub.add_parser("replay")  # internal: used by diagnostics.run_with_asan
    rep.add_argument("directory", type=Path)
    sub.add_parser("info", help="show versions of metalsim, MLX, compiler and runtime")
    return ap


def _apply_run_options(ns: argparse.Namespace) -> None:
    from metalsim import run_settings

    changes: dict[str, Any] = {}
    if ns.schedule:
        changes["schedule"], changes["seed"] = run_settings.parse_schedule(ns.schedule)
    if ns.strict_barriers:
        changes["strict_barriers"] = True
    if changes:
        run_settings.configure(**changes)


def _run_target(ns: argparse.Namespace, ap: argparse.ArgumentParser) -> int:
    import metalsim

    metalsim.install(force=ns.force)
    args = list(ns.args or [])
    if args and args[0] == "--":
        args = args[1:]
    try:
        if ns.module is not None:
            if not ns.module:
                ap.error("-m needs a module name")
            module, *module_args = ns.module
            # `run -m MOD -- --flag` (the older spelling): argparse ends -m at `--`.
            if ns.target is not None:
                module_args += [ns.target, *args]
            sys.argv = [module, *module_args]
            runpy.run_module(module, run_name="__main__", alter_sys=True)
        elif ns.target:
            sys.argv = [ns.target, *args]
            sys.path.insert(0, str(Path(ns.target).resolve().parent))
            runpy.run_path(ns.target, run_name="__main__")
        else:
            ap.error("give a script (FILE.py) or -m MODULE")
    except SystemExit as e:
        code = e.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    return 0


def _spec_call(spec_path: Path) -> tuple[Any, dict[str, Any]]:
    from metalsim import kernel

    spec = json.loads(spec_path.read_text())
    base = spec_path.parent
    source = spec.get("source")
    if source is None:
        source = (base / spec["source_file"]).read_text()
    header = spec.get("header", "")
    if "header_file" in spec:
        header = (base / spec["header_file"]).read_text()
    k = kernel.metal_kernel(
        spec["name"],
        spec["input_names"],
        spec["output_names"],
        source,
        header,
        spec.get("ensure_row_contiguous", True),
        spec.get("atomic_outputs", False),
        spec.get("compile_options"),
    )
    inputs: list[Any] = []
    for item in spec.get("inputs", []):
        if isinstance(item, dict):
            shape = tuple(item["shape"])
            inputs.append(mx.zeros(shape, dtype=getattr(mx, item["dtype"])))
        else:
            inputs.append(item)
    template = None
    if "template" in spec:
        template = [
            (n, getattr(mx, v) if isinstance(v, str) else v) for n, v in spec["template"]
        ]
    n_out = len(spec["output_names"])
    call = dict(
        inputs=inputs,
        output_shapes=[tuple(s) for s in spec.get("output_shapes", [[1]] * n_out)],
        output_dtypes=[getattr(mx, d) for d in spec["output_dtypes"]],
        grid=tuple(spec.get("grid", (1, 1, 1))),
        threadgroup=tuple(spec.get("threadgroup", (1, 1, 1))),
        template=template,
    )
    return k, call


def _source(ns: argparse.Namespace, ap: argparse.ArgumentParser) -> int:
    from metalsim import kernel, run_settings, signature

    out = open(ns.output, "w") if ns.output else sys.stdout  # noqa: SIM115 - closed below
    seen: set[tuple[str, str]] = set()

    def show(k: Any, gen: signature.GeneratedKernel) -> None:
        key = (gen.kernel_name, gen.source)
        if key in seen:
            return
        seen.add(key)
        out.write(gen.source if ns.raw else signature.verbose_text(k.name, gen.source))
        out.flush()

    kernel.source_observers.append(show)
    try:
        if ns.spec:
            k, call = _spec_call(ns.spec)
            k.prepare(**call)
            return 0
        if ns.no_run:
            run_settings.configure(dry_run=True)
        return _run_target(ns, ap)
    finally:
        kernel.source_observers.remove(show)
        if ns.output:
            out.close()


def _info() -> int:
    import metalsim

    print(f"metalsim {metalsim.__version__}")
    print(f"MLX {mx.__version__} (Metal available: {metalsim.metal_available()})")
    try:
        from metalsim import toolchain

        tc = toolchain.find_toolchain()
        print(f"compiler: {tc.version_string}")
    except Exception as e:  # noqa: BLE001 - info reports what is missing
        print(f"compiler: unavailable ({e})")
    try:
        from metalsim import launch

        print(f"runtime: {launch.runtime_info()}")
    except Exception as e:  # noqa: BLE001
        print(f"runtime: unavailable ({e})")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = _parser()
    ns = ap.parse_args(argv)
    if ns.command == "run":
        _apply_run_options(ns)
        return _run_target(ns, ap)
    if ns.command == "source":
        _apply_run_options(ns)
        return _source(ns, ap)
    if ns.command == "lint":
        from metalsim.lint.cli import run as _lint

        return _lint(ns)
    if ns.command == "replay":
        from metalsim import diagnostics

        diagnostics.replay(ns.directory)
        return 0
    return _info()


if __name__ == "__main__":
    sys.exit(main())
