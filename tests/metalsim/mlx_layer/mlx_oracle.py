"""Ground truth from the installed MLX: the source it generates for a ``metal_kernel`` call.

On a build without Metal, a kernel call made while ``mx.export_function`` traces reaches MLX's
real generator, and ``verbose=True`` prints the generated source through C++ ``std::cout``
(fd 1, invisible to ``sys.stdout`` redirection). We run the calls in a subprocess and split its
stdout at markers written with ``os.write(1, ...)``.

Cases are JSON-able dicts (see :func:`encode_input` / :func:`encode_template`) so the same case
can be rebuilt on both sides.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import mlx.core as mx
import numpy as np

_SCRIPT = r"""
import json, os, sys, tempfile
import mlx.core as mx
import numpy as np

def dt(name):
    return getattr(mx, name)

def build_input(spec):
    k = spec["kind"]
    if k == "array":
        shape = tuple(spec["shape"])
        n = int(np.prod(shape)) if shape else 1
        a = mx.arange(n).reshape(shape).astype(dt(spec["dtype"]))
        return a
    if k == "numpy":
        shape = tuple(spec["shape"])
        return np.arange(int(np.prod(shape)) if shape else 1).reshape(shape).astype(spec["dtype"])
    if k == "npscalar":
        return getattr(np, spec["dtype"])(spec["value"])
    return spec["value"]  # python int / float / bool

def build_template(t):
    out = []
    for name, kind, v in t:
        out.append((name, dt(v) if kind == "dtype" else v))
    return out

cases = json.load(sys.stdin)
tmp = tempfile.mkdtemp()
for i, c in enumerate(cases):
    os.write(1, b"\n@@CASE-BEGIN@@\n")
    try:
        k = mx.fast.metal_kernel(
            name=c["name"], input_names=c["input_names"], output_names=c["output_names"],
            source=c["source"], header=c["header"], ensure_row_contiguous=c["erc"],
            atomic_outputs=c["atomic"])
        inputs = [build_input(s) for s in c["inputs"]]
        kw = dict(inputs=inputs, output_shapes=[tuple(s) for s in c["output_shapes"]],
                  output_dtypes=[dt(d) for d in c["output_dtypes"]], grid=(1, 1, 1),
                  threadgroup=(1, 1, 1), verbose=True)
        if c["template"] is not None:
            kw["template"] = build_template(c["template"])
        f = lambda x: k(**kw)
        mx.export_function(os.path.join(tmp, "k%d.mlxfn" % i), f, mx.zeros((1,)))
    except Exception as e:
        os.write(1, ("\n@@CASE-ERROR@@" + type(e).__name__ + ": " + str(e)).encode())
    os.write(1, b"\n@@CASE-END@@\n")
"""


def mlx_verbose_outputs(cases: list[dict[str, Any]], timeout: float = 120) -> list[str]:
    """MLX's exact ``verbose=True`` text for each case (or ``@@CASE-ERROR@@...``)."""
    proc = subprocess.run(
        [sys.executable, "-c", _SCRIPT],
        input=json.dumps(cases).encode(),
        capture_output=True,
        timeout=timeout,
        check=False,
    )
    out = proc.stdout.decode()
    if proc.returncode != 0:
        raise RuntimeError(f"oracle subprocess failed ({proc.returncode}):\n{proc.stderr.decode()}")
    chunks = out.split("\n@@CASE-BEGIN@@\n")[1:]
    results = [c.split("\n@@CASE-END@@\n")[0] for c in chunks]
    if len(results) != len(cases):
        raise RuntimeError(f"oracle returned {len(results)} results for {len(cases)} cases")
    return results


def build_input(spec: dict[str, Any]) -> Any:
    """The same input the oracle subprocess builds (an array or a Python scalar)."""
    shape = tuple(spec.get("shape", ()))
    n = 1
    for s in shape:
        n *= s
    if spec["kind"] == "array":
        return mx.arange(n).reshape(shape).astype(getattr(mx, spec["dtype"]))
    if spec["kind"] == "numpy":
        return np.arange(n).reshape(shape).astype(spec["dtype"])
    if spec["kind"] == "npscalar":
        return getattr(np, spec["dtype"])(spec["value"])
    return spec["value"]


def build_template(t: list[list[Any]] | None) -> list[tuple[str, Any]] | None:
    if t is None:
        return None
    return [(name, getattr(mx, v) if kind == "dtype" else v) for name, kind, v in t]


def dtype_name(d: mx.Dtype) -> str:
    return str(d).rsplit(".", 1)[-1].replace("bool", "bool_")
