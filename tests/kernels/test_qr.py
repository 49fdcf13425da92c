"""Blocked Householder QR: LAPACK-style accuracy ratios, shape of R, the sign convention
(NumPy's and MLX's), hard inputs, schedules, and input validation."""

from __future__ import annotations

import mlx.core as mx
import numpy as np
import pytest

from metal_guide.kernels.qr import PANEL, qr, qr_reference

EPS = 2.0**-24  # float32 unit roundoff, the epsilon of the ratios below
# LAPACK's xQRT01-style ratios must stay below this (Householder QR is backward stable, so
# they are O(1) to O(n) whatever the conditioning; the measured values are a few tenths).
RATIO_LIMIT = 10.0


def lapack_ratios(a: np.ndarray, q: np.ndarray, r: np.ndarray) -> tuple[float, float]:
    """(||A - QR||_1 / (m ||A||_1 eps), ||I - Q^T Q||_1 / (m eps)), in float64."""
    a64, q64, r64 = (t.astype(np.float64) for t in (a, q, r))
    m, n = a.shape
    norm_a = np.linalg.norm(a64, 1)
    residual = np.linalg.norm(a64 - q64 @ r64, 1) / (m * max(norm_a, 1e-300) * EPS)
    orthogonality = np.linalg.norm(np.eye(n) - q64.T @ q64, 1) / (m * EPS)
    return float(residual), float(orthogonality)


def run_qr(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    q, r = qr(mx.array(a))
    return np.array(q), np.array(r)


def check(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    q, r = run_qr(a)
    m, n = a.shape
    assert q.shape == (m, n) and r.shape == (n, n)
    assert q.dtype == np.float32 and r.dtype == np.float32
    assert not np.any(np.tril(r, -1)), "R must be exactly upper triangular"
    residual, orthogonality = lapack_ratios(a, q, r)
    assert residual < RATIO_LIMIT, f"||A - QR|| ratio {residual:.2f}"
    assert orthogonality < RATIO_LIMIT, f"||I - Q^T Q|| ratio {orthogonality:.2f}"
    return q, r


SHAPES = [(1, 1), (2, 1), (5, 3), (31, 31), (33, 32), (64, 33), (100, 70), (129, 65)]


@pytest.mark.metal
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_random_matrices_match_numpy_and_mlx(shape: tuple[int, int]) -> None:
    rng = np.random.default_rng(shape[0] * 1000 + shape[1])
    a = rng.standard_normal(shape).astype(np.float32)
    q, r = check(a)
    # Same convention as LAPACK: compare with NumPy (float64) and MLX's CPU QR (float32).
    q_np, r_np = np.linalg.qr(a.astype(np.float64), mode="reduced")
    q_mx, r_mx = (np.array(t) for t in qr_reference(mx.array(a)))
    cond = np.linalg.cond(a.astype(np.float64))
    tol = 50 * EPS * cond * max(shape)
    for name, q_ref, r_ref in (("numpy", q_np, r_np), ("mx.linalg.qr", q_mx, r_mx)):
        assert np.array_equal(np.sign(np.diag(r)), np.sign(np.diag(r_ref))), name
        scale = np.abs(r_ref).max()
        assert np.abs(r - r_ref).max() <= tol * scale, name
        assert np.abs(q - q_ref).max() <= tol, name


@pytest.mark.metal
def test_sign_convention_is_lapacks() -> None:
    # Pivot 3 >= 0: beta = -||(3, 4)|| = -5, and Q's column is -(3, 4)/5.
    q, r = run_qr(np.array([[3.0], [4.0]], dtype=np.float32))
    assert r[0, 0] == -5.0 and np.allclose(q[:, 0], [-0.6, -0.8], atol=1e-7)
    # Nothing below the pivot: no reflection (tau = 0), R keeps the pivot's sign.
    q, r = run_qr(np.array([[-2.0, 1.0], [0.0, 3.0], [0.0, 0.0]], dtype=np.float32))
    assert r[0, 0] == -2.0 and q[0, 0] == 1.0
    q_np, r_np = np.linalg.qr(np.array([[-2.0, 1.0], [0.0, 3.0], [0.0, 0.0]]))
    assert np.array_equal(np.sign(np.diag(r)), np.sign(np.diag(r_np)))


@pytest.mark.metal
def test_rank_deficient_inputs() -> None:
    rng = np.random.default_rng(5)
    low_rank = (rng.standard_normal((90, 5)) @ rng.standard_normal((5, 40))).astype(np.float32)
    check(low_rank)
    repeated = rng.standard_normal((40, 36)).astype(np.float32)
    repeated[:, 10] = repeated[:, 3]
    repeated[:, 20] = 0.0
    check(repeated)
    check(np.zeros((7, 4), dtype=np.float32))
    _, r = check(np.ones((50, 34), dtype=np.float32))
    assert np.abs(np.diag(r)[1:]).max() < 1e-5 * abs(r[0, 0])


@pytest.mark.metal
@pytest.mark.parametrize("log10_cond", [4, 7])
def test_ill_conditioned_inputs_keep_small_ratios(log10_cond: int) -> None:
    rng = np.random.default_rng(log10_cond)
    m, n = 80, 48
    u, _ = np.linalg.qr(rng.standard_normal((m, n)))
    v, _ = np.linalg.qr(rng.standard_normal((n, n)))
    sigma = np.logspace(0, -log10_cond, n)
    a = (u * sigma) @ v.T
    check(a.astype(np.float32))
    # Badly scaled columns (1e-6 .. 1e6): the power-of-two prescaling keeps them in range.
    scaled = rng.standard_normal((m, n)) * np.logspace(-6, 6, n)
    check(scaled.astype(np.float32))


@pytest.mark.metal
def test_entries_near_float32_limits() -> None:
    rng = np.random.default_rng(9)
    base = rng.standard_normal((40, 35))
    check((base * 1e37).astype(np.float32))
    check((base * 1e-40).astype(np.float32))  # subnormal entries


@pytest.mark.metal
def test_non_contiguous_input_gives_the_same_factors() -> None:
    wide = mx.array(np.random.default_rng(4).standard_normal((33, 40)).astype(np.float32))
    tall_view = wide.T  # a strided view
    q0, r0 = qr(mx.array(np.array(tall_view)))
    q1, r1 = qr(tall_view)
    assert mx.array_equal(q0, q1).item() and mx.array_equal(r0, r1).item()


@pytest.mark.metal
@pytest.mark.parametrize("schedule", ["reverse", "random"])
def test_same_bits_under_other_schedules(schedule: str) -> None:
    metalsim = pytest.importorskip("metalsim")
    if not metalsim.is_installed():
        pytest.skip("thread schedules are a metalsim setting")
    a = np.random.default_rng(2).standard_normal((70, PANEL + 9)).astype(np.float32)
    q0, r0 = run_qr(a)
    with metalsim.settings(schedule=schedule, seed=3):
        q1, r1 = run_qr(a)
    assert np.array_equal(q0, q1) and np.array_equal(r0, r1)


@pytest.mark.parametrize(
    ("a", "error", "match"),
    [
        (mx.zeros((4, 3), dtype=mx.float16), TypeError, "expected float32"),
        (mx.zeros((4, 3), dtype=mx.bfloat16), TypeError, "expected float32"),
        (mx.zeros((4, 3), dtype=mx.int32), TypeError, "expected float32"),
        (np.zeros((4, 3), dtype=np.float32), TypeError, "must be an mx.array"),
        (mx.zeros((4,)), ValueError, "must be 2-D"),
        (mx.zeros((2, 4, 3)), ValueError, "must be 2-D"),
        (mx.zeros((3, 4)), ValueError, "m >= n"),
        (mx.zeros((3, 0)), ValueError, "m >= n >= 1"),
    ],
    ids=["float16", "bfloat16", "int32", "numpy", "1-D", "3-D", "wide", "no-columns"],
)
def test_bad_inputs_are_rejected(a: object, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        qr(a)  # type: ignore[arg-type]


def test_non_finite_input_is_rejected() -> None:
    with pytest.raises(ValueError, match="NaN or infinity"):
        qr(mx.array([[1.0], [float("nan")]]))
