"""Checks of ml-explore/mlx-lm: the Metal kernels of its models and its distillation losses,
each against the project's own pure-MLX fallback (or, where it has none, one written here)."""

from __future__ import annotations

import types
from pathlib import Path
from typing import Any

from tools.ecosystem.harness import as_if_on_a_mac, load_module
from tools.ecosystem.registry import TOLERANCE, Comparison, check, compare


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


def _loss_inputs(vocab: int, dtype: Any) -> tuple[Any, Any]:
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
