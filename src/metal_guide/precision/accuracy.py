"""Measured accuracy of the precision kernels, as shown on the guide page (emulated).

`python -m metalsim run -m metal_guide.precision.accuracy` rewrites the files in `_output/`:

- `ff_ops_errors.md`: largest measured relative error of each float-float operation, against
  exact rational arithmetic, next to its proven bound;
- `dot_accuracy.json` and `docs/assets/precision/dot_accuracy.svg`: relative error of
  float32, float-float and float64 dot products of ill-conditioned vectors, against the exact
  value;
- `qr_ratios.md`: LAPACK-style accuracy ratios of `qr` (512 x 256 included).

The tests regenerate each file and fail when the committed copy differs.
"""

from __future__ import annotations

import io
import json
import platform
from fractions import Fraction
from pathlib import Path
from typing import Any

import mlx.core as mx
import numpy as np

from metal_guide.kernels.float_float import ERROR_BOUNDS, U, ff_dot, ff_ops
from metal_guide.kernels.qr import qr

OUTPUT = Path(__file__).parent / "_output"
# Pages can only show images that live under docs/.
REPO = Path(__file__).resolve().parents[3]
FIGURE = REPO / "docs" / "assets" / "precision" / "dot_accuracy.svg"
U2 = U * U
WHERE = "emulated: metalsim on a Linux CPU, MLX " + mx.__version__


def _exact(hi: float, lo: float) -> Fraction:
    return Fraction(float(hi)) + Fraction(float(lo))


def random_pairs(rng: np.random.Generator, n: int) -> np.ndarray:
    """n normalized float-float numbers (2 x n float32) with exponents in [-20, 20]."""
    hi = (rng.uniform(1, 2, n) * 2.0 ** rng.integers(-20, 20, n)).astype(np.float32)
    hi *= rng.choice(np.array([-1, 1], dtype=np.float32), n)
    lo = rng.uniform(-0.5, 0.5, n) * np.spacing(np.abs(hi)).astype(np.float64)
    return np.stack([hi, lo.astype(np.float32)])


def ff_op_errors(n: int = 20_000, seed: int = 0) -> dict[str, Fraction]:
    """Largest relative error of each operation over n random pairs, in units of u^2."""
    rng = np.random.default_rng(seed)
    x, y = random_pairs(rng, n), random_pairs(rng, n)
    y[:, : n // 4] = -x[:, : n // 4] * np.float32(1 + 2.0**-10)  # cancellation for add
    out = ff_ops((mx.array(x[0]), mx.array(x[1])), (mx.array(y[0]), mx.array(y[1])))
    got = {op: np.array(mx.stack(pair)) for op, pair in out.items()}
    worst = {op: Fraction(0) for op in ERROR_BOUNDS}
    for i in range(n):
        xv, yv, yh = _exact(*x[:, i]), _exact(*y[:, i]), Fraction(float(y[0, i]))
        exact = {"add_f": xv + yh, "add": xv + yv, "mul_f": xv * yh, "mul": xv * yv,
                 "div": xv / yv}  # fmt: skip
        for op, value in exact.items():
            if value:
                err = abs(_exact(*got[op][:, i]) - value) / abs(value)
                worst[op] = max(worst[op], err / U2)
        # sqrt of |x|: compare r^2 with |x| (relative error of r is about half of r^2's).
        if x[0, i] > 0:
            r = _exact(*got["sqrt"][:, i])
            worst["sqrt"] = max(worst["sqrt"], abs(r * r / xv - 1) / 2 / U2)
    return worst


OP_NAMES = {
    "add_f": ("`ff_add_f`: pair + float", "DWPlusFP, JMP17 Alg. 4"),
    "add": ("`ff_add`: pair + pair", "AccurateDWPlusDW, JMP17 Alg. 6"),
    "mul_f": ("`ff_mul_f`: pair x float", "DWTimesFP3, JMP17 Alg. 9"),
    "mul": ("`ff_mul`: pair x pair", "DWTimesDW3, JMP17 Alg. 12; MR22"),
    "div": ("`ff_div`: pair / pair", "DWDivDW3, JMP17 §7"),
    "sqrt": ("`ff_sqrt`", "SQRTDWtoDW, Lefèvre et al. 2023"),
}


def ops_table(worst: dict[str, Fraction], n: int) -> str:
    lines = [
        f"Largest relative error over {n} random pairs ({WHERE}), in units of u² = 2⁻⁴⁸:",
        "",
        "| operation | algorithm | proven bound | measured |",
        "|---|---|---|---|",
    ]
    for op, (name, algorithm) in OP_NAMES.items():
        lines.append(
            f"| {name} | {algorithm} | {float(ERROR_BOUNDS[op]):.3f} u² | "
            f"{float(worst[op]):.3f} u² |"
        )
    return "\n".join(lines) + "\n"


def ill_conditioned_dot(rng: np.random.Generator, n: int, log10_cond: float):
    """x, y (float32) whose exact dot product is about 10^-log10_cond * sum |x_i y_i|.

    Random terms with spread exponents; the last three y's are chosen so that the exact sum
    cancels down to the target (the idea of Ogita, Rump and Oishi's GenDot, SISC 2005).
    """
    x = (rng.standard_normal(n) * 2.0 ** rng.integers(0, 20, n)).astype(np.float32)
    y = rng.standard_normal(n).astype(np.float32)
    terms = [Fraction(float(a)) * Fraction(float(b)) for a, b in zip(x, y, strict=True)]
    scale = sum(abs(t) for t in terms[:-3])
    target = scale * Fraction(10.0**-log10_cond) * (1 if rng.random() < 0.5 else -1)
    partial = sum(terms[:-3], Fraction(0))
    for j in (n - 3, n - 2, n - 1):
        y[j] = np.float32(float((target - partial) / Fraction(float(x[j]))))
        partial += Fraction(float(x[j])) * Fraction(float(y[j]))
    return x, y


def dot_accuracy(samples: int = 60, n: int = 200, seed: int = 1) -> list[dict[str, float]]:
    """Relative errors of float32 (MLX), float-float (ff_dot) and float64 (sequential) dots."""
    rng = np.random.default_rng(seed)
    rows = []
    for log10_cond in np.linspace(1, 22, samples):
        x, y = ill_conditioned_dot(rng, n, float(log10_cond))
        exact = sum(
            (Fraction(float(a)) * Fraction(float(b)) for a, b in zip(x, y, strict=True)),
            Fraction(0),
        )
        if exact == 0:
            continue
        abs_sum = sum(
            abs(Fraction(float(a)) * Fraction(float(b))) for a, b in zip(x, y, strict=True)
        )
        xa, ya = mx.array(x), mx.array(y)
        f32 = mx.sum(xa * ya, stream=mx.cpu).item()
        hi, lo = ff_dot(xa, ya)
        # The textbook loop, left to right in float64: np.dot goes through BLAS,
        # whose order (and so its rounding) changes with the CPU it runs on.
        f64 = 0.0
        for a, b in zip(x.tolist(), y.tolist(), strict=True):
            f64 += a * b

        def rel(value: Fraction, exact: Fraction = exact) -> float:
            return min(float(abs(value - exact) / abs(exact)), 1.0)

        rows.append({
            "cond": float(abs_sum / abs(exact)),
            "float32": rel(Fraction(f32)),
            "float-float": rel(_exact(hi.item(), lo.item())),
            "float64": rel(Fraction(f64)),
        })  # fmt: skip
    return rows


def dot_figure(rows: list[dict[str, float]]) -> str:
    """An SVG of relative error against condition number, readable on light and dark themes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    grey = "#808080"
    style = {
        "svg.hashsalt": "metal-guide-precision", "svg.fonttype": "path",
        "text.color": grey, "axes.labelcolor": grey, "axes.edgecolor": grey,
        "xtick.color": grey, "ytick.color": grey, "font.size": 10,
    }  # fmt: skip
    # rc_context, not rcParams.update: other figures drawn in the same process keep their style
    with plt.rc_context(style):
        return _draw_dot_figure(plt, rows)


def _draw_dot_figure(plt: Any, rows: list[dict[str, float]]) -> str:
    fig, ax = plt.subplots(figsize=(7, 4.2))
    cond = np.array([r["cond"] for r in rows])
    floor = 1e-20  # exact results (error 0) are drawn on the bottom edge
    styles = {"float32": ("#d62728", "o"), "float-float": ("#1f77b4", "s"),
              "float64": ("#2ca02c", "^")}  # fmt: skip
    for name, (color, marker) in styles.items():
        err = np.maximum([r[name] for r in rows], floor)
        ax.loglog(cond, err, marker, color=color, label=name, markersize=4, alpha=0.85)
    line = np.logspace(0, 23, 50)
    for unit, color in ((2.0**-24, "#d62728"), (2.0**-48, "#1f77b4"), (2.0**-53, "#2ca02c")):
        ax.loglog(line, np.minimum(unit * line, 1), "--", color=color, linewidth=0.8)
    ax.set_xlabel("condition number  Σ|xᵢyᵢ| / |Σxᵢyᵢ|")
    ax.set_ylabel("relative error (capped at 1)")
    ax.set_ylim(floor / 2, 3)
    ax.set_title(f"Dot products of length 200 ({WHERE}); dashed: u·cond", fontsize=9)
    ax.legend(frameon=False, loc="upper left")
    fig.patch.set_alpha(0)
    ax.patch.set_alpha(0)
    fig.tight_layout()
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    return buf.getvalue()


QR_SIZES = ((1, 1), (64, 64), (200, 100), (512, 256))


def qr_ratios(seed: int = 0) -> str:
    """Markdown table of ||A - QR|| / (m ||A|| eps) and ||I - Q^T Q|| / (m eps), eps = 2^-24."""
    rng = np.random.default_rng(seed)
    eps = 2.0**-24
    lines = [
        f"Random normal matrices ({WHERE}); 1-norms, ε = 2⁻²⁴:",
        "",
        "| m × n | ‖A − QR‖ / (m‖A‖ε) | ‖I − QᵀQ‖ / (mε) |",
        "|---|---|---|",
    ]
    for m, n in QR_SIZES:
        a = rng.standard_normal((m, n)).astype(np.float32)
        q, r = (np.array(t).astype(np.float64) for t in qr(mx.array(a)))
        a64 = a.astype(np.float64)
        res = np.linalg.norm(a64 - q @ r, 1) / (m * np.linalg.norm(a64, 1) * eps)
        orth = np.linalg.norm(np.eye(n) - q.T @ q, 1) / (m * eps)
        lines.append(f"| {m} × {n} | {res:.3f} | {orth:.3f} |")
    return "\n".join(lines) + "\n"


def generate() -> dict[Path, str]:
    """Every output file's text, keyed by its path."""
    n = 20_000
    rows = dot_accuracy()
    return {
        OUTPUT / "ff_ops_errors.md": ops_table(ff_op_errors(n), n),
        OUTPUT / "dot_accuracy.json": json.dumps(rows, indent=1) + "\n",
        FIGURE: dot_figure(rows),
        OUTPUT / "qr_ratios.md": qr_ratios(),
    }


if __name__ == "__main__":
    for path, text in generate().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        print(f"wrote {path.name} ({platform.machine()})")
