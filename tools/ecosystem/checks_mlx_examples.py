"""Checks of ml-explore/mlx-examples: the custom kernels of its example programs."""

from __future__ import annotations

from pathlib import Path

from tools.ecosystem.harness import as_if_on_a_mac, load_module
from tools.ecosystem.registry import Comparison, check, compare


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
