"""Run Metal kernels from the MLX ecosystem, unmodified, under metalsim.

Each check loads a kernel from a checkout of its project (nothing from those projects is
copied into this repository), runs it through the emulator and compares the result with a
pure-MLX path: the project's own fallback where it has one, otherwise a reference written
here. Every check runs in its own subprocess so that a crash in one kernel cannot hide the
others.

Usage::

    python tools/check_ecosystem_kernels.py --mlx ../mlx --mlx-lm ../mlx-lm \
        --mlx-examples ../mlx-examples [--only NAME ...] [--json results.json]

The checkouts are plain clones of ml-explore/mlx, ml-explore/mlx-lm and
ml-explore/mlx-examples. Results are EMULATED on the CPU: they say whether the kernel logic
agrees with its reference, nothing about speed on a GPU.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import re
import subprocess
import sys
import time
import types
import unittest
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

# Every check: name -> (project option, function). Filled by @check below.
CHECKS: dict[str, tuple[str, Callable[[Path], list[Comparison]]]] = {}


@dataclass
class Comparison:
    """One output of one configuration compared with its reference."""

    what: str
    max_abs_err: float
    ok: bool
    note: str = ""


@dataclass
class Result:
    name: str
    status: str  # "pass", "mismatch", "error", "skipped"
    seconds: float
    comparisons: list[Comparison] = field(default_factory=list)
    message: str = ""
    # `git rev-parse HEAD` of the checkout the kernel came from, so a run can be reproduced.
    commit: str = ""


def checkout_commit(root: Path) -> str:
    """The commit a checkout is at, or why it is not known."""
    proc = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True
    )
    return proc.stdout.strip() if proc.returncode == 0 else "unknown (not a git checkout)"


def check(name: str, project: str) -> Callable:
    def register(fn: Callable[[Path], list[Comparison]]) -> Callable:
        CHECKS[name] = (project, fn)
        return fn

    return register


# --------------------------------------------------------------------------- helpers


def compare(what: str, got, want, *, rtol: float, atol: float, note: str = "") -> Comparison:
    import mlx.core as mx

    got = got.astype(mx.float32)
    want = want.astype(mx.float32)
    if got.shape != want.shape:
        return Comparison(what, float("inf"), False, f"shape {got.shape} != {want.shape}")
    err = mx.abs(got - want).max().item() if got.size else 0.0
    ok = bool(mx.allclose(got, want, rtol=rtol, atol=atol).item())
    return Comparison(what, float(err), ok, note)


TOLERANCE = {  # (rtol, atol) per dtype name: float32 ~1e-5 ulp noise, half/bf16 rounding
    "float32": (1e-4, 1e-4),
    "float16": (1e-2, 1e-2),
    "bfloat16": (5e-2, 5e-2),
}


@contextlib.contextmanager
def as_if_on_a_mac() -> Iterator[None]:
    """Make availability checks answer as on Apple silicon, with metalsim as the GPU.

    The projects decide at import time whether to build their kernels, from
    ``mx.metal.is_available()``, ``mx.is_available(mx.gpu)`` or ``mx.default_device()``.
    """
    import mlx.core as mx

    import metalsim

    saved = (mx.metal.is_available, mx.is_available, mx.default_device)
    gpu = mx.Device(mx.gpu)
    mx.metal.is_available = lambda: True
    mx.is_available = lambda device: True
    mx.default_device = lambda: gpu
    metalsim.install(force=True)
    try:
        yield
    finally:
        metalsim.uninstall()
        mx.metal.is_available, mx.is_available, mx.default_device = saved


def load_module(path: Path, name: str, package_root: Path | None = None) -> types.ModuleType:
    """Import one file of a checkout without running its package's ``__init__``.

    ``package_root`` is the directory of the top-level package, so relative imports in the
    file (``from .base import ...``) resolve inside the checkout.
    """
    if package_root is not None:
        parts = name.split(".")
        for depth in range(1, len(parts)):
            pkg_name = ".".join(parts[:depth])
            if pkg_name not in sys.modules:
                pkg = types.ModuleType(pkg_name)
                pkg.__path__ = [str(package_root.joinpath(*parts[1:depth]))]
                sys.modules[pkg_name] = pkg
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def rst_python_blocks(text: str) -> list[str]:
    """The ``.. code-block:: python`` bodies of an rST page, dedented."""
    blocks, lines, i = [], text.splitlines(), 0
    while i < len(lines):
        if re.match(r"\s*\.\. code-block:: python\s*$", lines[i]):
            i += 1
            body: list[str] = []
            while i < len(lines) and (not lines[i].strip() or lines[i].startswith((" ", "\t"))):
                body.append(lines[i])
                i += 1
            indent = min(len(x) - len(x.lstrip()) for x in body if x.strip())
            blocks.append("\n".join(x[indent:] for x in body).strip() + "\n")
        else:
            i += 1
    return blocks


# --------------------------------------------------------------------------- MLX


def _docs_blocks(mlx_root: Path) -> dict[str, str]:
    page = (mlx_root / "docs/src/dev/custom_metal_kernels.rst").read_text()
    blocks = rst_python_blocks(page)
    named: dict[str, str] = {}
    for block in blocks:
        if 'name="myexp"' in block:
            named["myexp"] = block
        elif 'name="myexp_strided"' in block:
            named["strided"] = block
        elif "def grid_sample_ref" in block:
            named["grid_sample_ref"] = block
        elif 'name="grid_sample"' in block:
            named["grid_sample"] = block
        elif 'name="grid_sample_grad"' in block:
            named["grid_sample_vjp"] = block
    return named


def _run_blocks(*blocks: str) -> dict:
    import mlx.core as mx
    import numpy as np

    namespace: dict = {"mx": mx, "np": np}  # the page assumes both are imported
    for block in blocks:
        exec(compile(block, "<custom_metal_kernels.rst>", "exec"), namespace)
    return namespace


@check("mlx-docs-myexp", "mlx")
def mlx_docs_myexp(root: Path) -> list[Comparison]:
    with as_if_on_a_mac():
        ns = _run_blocks(_docs_blocks(root)["myexp"])  # the block asserts allclose itself
    return [
        compare(
            "b vs mx.exp(a) (page's own assert passed)",
            ns["b"],
            __import__("mlx.core").core.exp(ns["a"]),
            rtol=1e-2,
            atol=1e-2,
        )
    ]


@check("mlx-docs-strided", "mlx")
def mlx_docs_strided(root: Path) -> list[Comparison]:
    import mlx.core as mx

    with as_if_on_a_mac():
        ns = _run_blocks(_docs_blocks(root)["strided"])
    return [
        compare(
            "exp of a[::2] (page's own assert passed)",
            ns["b"],
            mx.exp(ns["a"]),
            rtol=1e-2,
            atol=1e-2,
        )
    ]


def _grid_sample_inputs(dtype, image_shape=(2, 9, 13, 3)):
    import mlx.core as mx

    mx.random.seed(0)
    x = mx.random.normal(image_shape).astype(dtype)
    # Sample points stay inside the image, with all four neighbours in range: the page's
    # reference gathers before it masks, and an out-of-range gather reads undefined memory
    # (it gave NaN here), so border handling cannot be compared against it.
    grid = mx.random.uniform(-0.85, 0.85, (2, 5, 7, 2)).astype(dtype)
    return x, grid


@check("mlx-docs-grid-sample", "mlx")
def mlx_docs_grid_sample(root: Path) -> list[Comparison]:
    import mlx.core as mx

    blocks = _docs_blocks(root)
    out = []
    with as_if_on_a_mac():
        ns = _run_blocks(blocks["grid_sample_ref"], blocks["grid_sample"])
        # Not bfloat16: the kernel computes the sampling coordinates in T, and `grid + 1`
        # rounded to bfloat16 moves the sample point by design, so no float32 reference
        # matches it to a meaningful tolerance.
        for dtype in (mx.float32, mx.float16):
            x, grid = _grid_sample_inputs(dtype)
            rtol, atol = TOLERANCE[str(dtype).split(".")[-1]]
            # The page's reference gathers at out-of-range indices and masks afterwards; in
            # half precision the garbage it reads can be NaN (and NaN * 0 is NaN). So the
            # reference runs in float32 on the same rounded inputs.
            want = ns["grid_sample_ref"](x.astype(mx.float32), grid.astype(mx.float32))
            out.append(
                compare(f"forward {dtype}", ns["grid_sample"](x, grid), want, rtol=rtol, atol=atol)
            )
    return out


@check("mlx-docs-grid-sample-vjp", "mlx")
def mlx_docs_grid_sample_vjp(root: Path) -> list[Comparison]:
    import mlx.core as mx

    blocks = _docs_blocks(root)
    # MLX refuses to differentiate the reference's gathers with respect to their indices, so
    # the reference is re-run with its floor()ed indices wrapped in stop_gradient (a run-time
    # edit of the page's text; the page itself is not changed).
    ref_src = blocks["grid_sample_ref"]
    for axis in ("ix", "iy"):
        ref_src = ref_src.replace(
            f"mx.floor({axis}).astype(mx.int32)",
            f"mx.stop_gradient(mx.floor({axis}).astype(mx.int32))",
        )
    ref = _run_blocks(ref_src)["grid_sample_ref"]
    out = []
    with as_if_on_a_mac():
        forward = _run_blocks(blocks["grid_sample_ref"], blocks["grid_sample"])
        # The page rebinds the global name `kernel` to the gradient kernel. Run in one
        # namespace, the forward pass would then launch the gradient kernel, so the VJP block
        # gets a copy: `grid_sample` keeps its own globals, the VJP sees the new `kernel`.
        ns = dict(forward)
        exec(compile(blocks["grid_sample_vjp"], "<custom_metal_kernels.rst>", "exec"), ns)
        for shape, note in (
            ((2, 8, 12, 3), ""),
            (
                (2, 9, 13, 3),
                "odd H and W: the kernel's `T gix_mult = W / 2;` and `H / 2` are integer divisions",
            ),
        ):
            x, grid = _grid_sample_inputs(mx.float32, shape)
            cot = mx.random.normal((2, 5, 7, 3))
            _, (dx, dgrid) = mx.vjp(lambda a, b: ns["grid_sample"](a, b), [x, grid], [cot])
            _, (rdx, rdgrid) = mx.vjp(lambda a, b: ref(a, b), [x, grid], [cot])
            out.append(compare(f"x_grad {shape}", dx, rdx, rtol=1e-4, atol=1e-4))
            out.append(
                compare(f"grid_grad {shape}", dgrid, rdgrid, rtol=1e-3, atol=1e-3, note=note)
            )
    return out


@check("mlx-tests-custom-kernel", "mlx")
def mlx_tests_custom_kernel(root: Path) -> list[Comparison]:
    """MLX's own ``test_custom_kernel_*`` tests from python/tests/test_fast.py."""
    tests_dir = root / "python/tests"
    sys.path.insert(0, str(tests_dir))
    out = []
    with as_if_on_a_mac():
        module = load_module(tests_dir / "test_fast.py", "mlx_test_fast")
        # MLXTestCase restores the default device in tearDown; with the GPU device that is
        # impossible on a CPU-only build, and it is not what these tests check.
        module.TestFast.setUp = lambda self: None
        module.TestFast.tearDown = lambda self: None
        loader = unittest.TestLoader()
        names = sorted(n for n in dir(module.TestFast) if n.startswith("test_custom_kernel"))
        for name in names:
            result = unittest.TestResult()
            loader.loadTestsFromName(name, module.TestFast).run(result)
            problems = result.failures + result.errors
            note = problems[0][1].strip().splitlines()[-1] if problems else ""
            if result.skipped:
                note = "skipped: " + result.skipped[0][1]
            out.append(
                Comparison(
                    name,
                    0.0 if not problems else float("nan"),
                    not problems and not result.skipped,
                    note,
                )
            )
    return out


# --------------------------------------------------------------------------- mlx-lm


def _lm_module(root: Path, name: str) -> types.ModuleType:
    return load_module(
        root / "mlx_lm" / (name.replace(".", "/") + ".py"),
        f"mlx_lm.{name}",
        package_root=root / "mlx_lm",
    )


@check("mlx-lm-gated-delta", "mlx_lm")
def mlx_lm_gated_delta(root: Path) -> list[Comparison]:
    import mlx.core as mx

    out = []
    with as_if_on_a_mac():
        gd = _lm_module(root, "models.gated_delta")
        B, T, Hk, Hv, Dk, Dv = 2, 5, 2, 4, 64, 32
        for dtype in (mx.float32, mx.float16, mx.bfloat16):
            for vectorized in (False, True):
                for masked in (False, True):
                    mx.random.seed(1)
                    q, k = (mx.random.normal((B, T, Hk, Dk)).astype(dtype) / 8 for _ in "qk")
                    v = mx.random.normal((B, T, Hv, Dv)).astype(dtype)
                    gshape = (B, T, Hv, Dk) if vectorized else (B, T, Hv)
                    g = mx.exp(-mx.random.uniform(0.01, 1.0, gshape)).astype(dtype)
                    beta = mx.sigmoid(mx.random.normal((B, T, Hv))).astype(dtype)
                    state = mx.random.normal((B, Hv, Dv, Dk)) / 4
                    mask = (mx.random.uniform(shape=(B, T)) > 0.3) if masked else None
                    y, s = gd.gated_delta_kernel(q, k, v, g, beta, state, mask)
                    ry, rs = gd.gated_delta_ops(q, k, v, g, beta, state, mask)
                    rtol, atol = TOLERANCE[str(dtype).split(".")[-1]]
                    tag = (
                        f"{dtype} {'vec' if vectorized else 'scalar'} g{' mask' if masked else ''}"
                    )
                    out.append(compare(f"state {tag}", s, rs, rtol=rtol, atol=atol))
                    if masked:
                        keep = mask[:, :, None, None]
                        out.append(
                            compare(
                                f"y at unmasked steps {tag}",
                                y * keep,
                                ry * keep,
                                rtol=rtol,
                                atol=atol,
                            )
                        )
                        out.append(
                            compare(
                                f"y at masked steps {tag}",
                                y * ~keep,
                                ry * ~keep,
                                rtol=rtol,
                                atol=atol,
                                note="kernel and ops fallback may define y here differently",
                            )
                        )
                    else:
                        out.append(compare(f"y {tag}", y, ry, rtol=rtol, atol=atol))
    return out


@check("mlx-lm-ssm", "mlx_lm")
def mlx_lm_ssm(root: Path) -> list[Comparison]:
    import mlx.core as mx

    out = []
    with as_if_on_a_mac():
        ssm = _lm_module(root, "models.ssm")
        n, h, d, g, ds = 2, 4, 16, 2, 64
        for dtype in (mx.float32, mx.float16, mx.bfloat16):
            mx.random.seed(2)
            x = mx.random.normal((n, 1, h, d)).astype(dtype)
            A_log = mx.random.normal((h,)) / 4
            Bm = mx.random.normal((n, 1, g, ds)).astype(dtype)
            Cm = mx.random.normal((n, 1, g, ds)).astype(dtype)
            D = mx.random.normal((h,))
            dt = mx.random.normal((n, 1, h)).astype(dtype)
            dt_bias = mx.random.normal((h,))
            state = mx.random.normal((n, h, d, ds)) / 4
            y, s = ssm.ssm_update_kernel(x, A_log, Bm, Cm, D, dt, dt_bias, state, (0.001, 100.0))
            ry, rs = ssm.ssm_attn(x, A_log, Bm, Cm, D, dt, dt_bias, state, (0.001, 100.0))
            rtol, atol = TOLERANCE[str(dtype).split(".")[-1]]
            # The kernel uses fast::exp; allow a little more than ulp noise in float32.
            rtol, atol = max(rtol, 1e-3), max(atol, 1e-3)
            out.append(compare(f"y {dtype}", y, ry, rtol=rtol, atol=atol))
            out.append(compare(f"state {dtype}", s, rs, rtol=rtol, atol=atol))
    return out


@check("mlx-lm-rwkv7", "mlx_lm")
def mlx_lm_rwkv7(root: Path) -> list[Comparison]:
    import mlx.core as mx

    out = []
    with as_if_on_a_mac():
        rwkv = _lm_module(root, "models.rwkv7")
        B, T, H, D = 2, 4, 3, 64
        for dtype in (mx.float32, mx.float16, mx.bfloat16):
            mx.random.seed(3)
            r, k, v, a, b = (mx.random.normal((B, T, H, D)).astype(dtype) / 4 for _ in range(5))
            w = mx.exp(-mx.random.uniform(0.01, 1.0, (B, T, H, D))).astype(dtype)
            state = (mx.random.normal((B, H, D, D)) / 4).astype(dtype)
            y, s = rwkv.wkv7_kernel(r, w, k, v, a, b, state)
            rs, ys = state, []
            for t in range(T):
                yt, rs = rwkv._wkv7_step_ops(
                    r[:, t], w[:, t], k[:, t], v[:, t], a[:, t], b[:, t], rs
                )
                ys.append(yt)
            ry = mx.stack(ys, axis=1).reshape(B, T, H, D)
            rtol, atol = TOLERANCE[str(dtype).split(".")[-1]]
            out.append(compare(f"y {dtype}", y, ry, rtol=rtol, atol=atol))
            out.append(compare(f"state {dtype}", s, rs, rtol=rtol, atol=atol))
    return out


@check("mlx-lm-bitlinear", "mlx_lm")
def mlx_lm_bitlinear(root: Path) -> list[Comparison]:
    """No fallback upstream: the reference unpacks the 2-bit ternary weights with MLX ops."""
    import mlx.core as mx

    out = []
    with as_if_on_a_mac():
        bl = _lm_module(root, "models.bitlinear_layers")
        in_f, out_f, batch = 256, 128, 3
        mx.random.seed(4)
        packed = mx.random.randint(0, 256, (out_f // 4, in_f)).astype(mx.uint8)
        for invert in (False, True):
            layer = bl.BitLinear(in_f, out_f, bias=False, invert_weight_scales=invert)
            layer.weight_scale = mx.array([0.5])
            x = mx.random.normal((batch, in_f))
            got = layer.execute_matmul_kernel(x, packed)
            # Byte j of packed row r holds output features r + k*(out/4) in bits 2k..2k+1,
            # stored as value+1 for values in {-1, 0, 1}.
            planes = [((packed.astype(mx.int32) >> (2 * k)) & 3) - 1 for k in range(4)]
            weights = mx.concatenate(planes, axis=0).astype(mx.float32)
            scale = 1 / 0.5 if invert else 0.5
            want = (x @ weights.T) * scale
            out.append(
                compare(f"matmul invert_weight_scales={invert}", got, want, rtol=1e-4, atol=1e-4)
            )
    return out


def _loss_inputs(vocab: int, dtype):
    import mlx.core as mx

    mx.random.seed(5)
    q = (mx.random.normal((3, 2, vocab)) * 2).astype(dtype)
    p = (mx.random.normal((3, 2, vocab)) * 2).astype(dtype)
    return q, p


@check("mlx-lm-kl-js-losses", "mlx_lm")
def mlx_lm_losses(root: Path) -> list[Comparison]:
    import mlx.core as mx
    import mlx.nn as nn

    out = []
    with as_if_on_a_mac():
        losses = _lm_module(root, "tuner.losses")

    def kl_ref(q, p):
        return nn.losses.kl_div_loss(
            q - mx.logsumexp(q, axis=-1, keepdims=True),
            p - mx.logsumexp(p, axis=-1, keepdims=True),
            axis=-1,
            reduction="none",
        )

    def js_ref(q, p):
        lp = p - mx.logsumexp(p, axis=-1, keepdims=True)
        lq = q - mx.logsumexp(q, axis=-1, keepdims=True)
        lm = lp + mx.log(1 + mx.exp(lq - lp)) - mx.log(2).astype(q.dtype)
        return 0.5 * (
            nn.losses.kl_div_loss(lm, lp, axis=-1, reduction="none")
            + nn.losses.kl_div_loss(lm, lq, axis=-1, reduction="none")
        )

    import metalsim

    metalsim.install(force=True)
    try:
        for vocab in (1000, 4096):
            for dtype in (mx.float32,):
                q, p = _loss_inputs(vocab, dtype)
                for label, kernel_fn, ref in (
                    ("kl", losses._kl_div_loss, kl_ref),
                    ("js", lambda a, b: losses._js_div_loss(a, b)[0], js_ref),
                ):
                    out.append(
                        compare(
                            f"{label} forward V={vocab}",
                            kernel_fn(q, p),
                            ref(q, p),
                            rtol=1e-4,
                            atol=1e-4,
                        )
                    )
                    g = mx.grad(lambda a, fn=kernel_fn, p=p: fn(a, p).sum())(q)
                    rg = mx.grad(lambda a, fn=ref, p=p: fn(a, p).sum())(q)
                    out.append(
                        compare(f"{label} d/dlogits_q V={vocab}", g, rg, rtol=1e-4, atol=1e-5)
                    )
    finally:
        metalsim.uninstall()
    return out


# --------------------------------------------------------------------------- mlx-examples


@check("mlx-examples-encodec-lstm", "mlx_examples")
def mlx_examples_encodec_lstm(root: Path) -> list[Comparison]:
    """One LSTM cell step; the reference is the textbook cell written with MLX ops.

    With batch > 1 the upstream launch uses grid (B, B*H) while the body indexes outputs as
    b*4H + y, so threads write past the (B, H) outputs. metalsim's guard regions stop that
    launch with a KernelRuntimeError, which is recorded here as the finding (a failed
    comparison carrying the emulator's message); ``metalsim.diagnostics.run_with_asan`` gives
    the line of the body.
    """
    import mlx.core as mx

    from metalsim.errors import KernelRuntimeError

    out = []
    with as_if_on_a_mac():
        enc = load_module(root / "encodec/encodec.py", "mlx_examples_encodec")
        hidden = 24
        for batch in (1, 2):
            mx.random.seed(6)
            steps = 3
            x = mx.random.normal((batch, steps, 4 * hidden))
            h_in = mx.random.normal((batch, 4 * hidden))
            cell = mx.random.normal((batch, hidden))
            t = 1
            try:
                hs, cs = enc.lstm_custom(x, h_in, cell, t)
            except KernelRuntimeError as exc:
                out.append(Comparison(f"launch batch={batch}", float("nan"), False, str(exc)))
                continue
            gates = h_in + x[:, t]
            i, f, g, o = (gates[:, j * hidden : (j + 1) * hidden] for j in range(4))
            c_ref = mx.sigmoid(f) * cell + mx.sigmoid(i) * mx.tanh(g)
            h_ref = mx.sigmoid(o) * mx.tanh(c_ref)
            out.append(compare(f"cell state batch={batch}", cs, c_ref, rtol=1e-4, atol=1e-4))
            out.append(compare(f"hidden state batch={batch}", hs, h_ref, rtol=1e-4, atol=1e-4))
    return out


# --------------------------------------------------------------------------- driver


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
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
            __file__,
            "--child",
            name,
            f"--{project.replace('_', '-')}",
            str(root),
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, env=os.environ.copy())
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
    return 0 if all(r.status in ("pass", "skipped") for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
