"""``python -m metal_guide.bench``: run the suite, write JSON, print a table, draw a plot.

On a Mac this times the GPU. On Linux it runs the kernels through metalsim, which checks that
the harness works; the file then says ``"speed_meaningful": false``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import mlx.core as mx

from metal_guide.bench import provenance, report, suite
from metal_guide.bench.timer import time_call

_DTYPES = {"float32": mx.float32, "float16": mx.float16, "bfloat16": mx.bfloat16}


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m metal_guide.bench", description=__doc__)
    ap.add_argument("--size", type=int, default=1 << 22, help="elements per input")
    ap.add_argument("--dtype", choices=sorted(_DTYPES), default="float32")
    ap.add_argument("--repeats", type=int, default=50)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--only", action="append", help="run only this pair (repeatable)")
    ap.add_argument("--no-builtins", action="store_true", help="skip MLX's built-ins")
    ap.add_argument("--json", type=Path, default=Path("bench-results.json"))
    ap.add_argument("--plot", type=Path, help="also write an SVG plot here")
    ap.add_argument("--render", type=Path, help="only render an existing JSON file")
    return ap


def main(argv: list[str] | None = None) -> int:
    ns = _parser().parse_args(argv)
    from rich.console import Console
    from rich.progress import track

    console = Console()
    if ns.render is not None:
        data = report.load(ns.render)
    else:
        if provenance.backend() == "none":
            import metalsim

            metalsim.install()  # no Metal here: run the kernels in the emulator
        prov = provenance.collect()
        if not prov["speed_meaningful"]:
            console.print(f"[bold yellow]{prov['not_meaningful_reason']}[/]")
        dtype = _DTYPES[ns.dtype]
        cases = list(suite.pair_cases(ns.size, dtype, set(ns.only) if ns.only else None))
        if not ns.no_builtins:
            cases += list(suite.builtin_cases(ns.size, dtype))
        cases += list(suite.library_cases(ns.size, dtype))
        results = []
        for case in track(cases, description="timing", console=console):
            timing = time_call(case.fn, *case.inputs, warmup=ns.warmup, repeats=ns.repeats)
            out = case.fn(*case.inputs)
            results.append(report.Result.of(
                case.case, case.variant, ns.dtype, case.inputs[0].size,
                suite.bytes_moved(case, out), case.flops, timing))
        data = report.to_json(prov, results)
        report.write_json(ns.json, data)
        console.print(f"wrote {ns.json}")
    console.print(report.table(data))
    if ns.plot is not None:
        report.plot(data, ns.plot)
        console.print(f"wrote {ns.plot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
