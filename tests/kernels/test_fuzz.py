"""Hypothesis fuzzing of the public functions: no crash, only the documented errors.

Any call either returns a result that matches the reference, or raises TypeError/ValueError.
Example counts are small and derandomised so the run is fast and repeatable; shapes keep at
least 8 elements (or none) so that no extra `constant`-memory kernel variant is compiled.
"""

from __future__ import annotations

from collections.abc import Callable

import mlx.core as mx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metal_guide.kernels.layer_norm import layer_norm, layer_norm_reference
from metal_guide.kernels.matmul import matmul, matmul_reference
from metal_guide.kernels.reduce_sum import reduce_sum, reduce_sum_reference
from metal_guide.kernels.rms_norm import rms_norm, rms_norm_reference
from metal_guide.kernels.softmax import softmax, softmax_reference
from metal_guide.kernels.testing import assert_matches_reference
from metal_guide.kernels.transpose import transpose, transpose_reference

FUZZ = settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
DTYPES = st.sampled_from([mx.float32, mx.float16, mx.bfloat16, mx.int32, mx.bool_])
LEADING = st.sampled_from([(), (8,), (2, 4), (0,), (3, 3)])
LAST = st.sampled_from([0, 1, 31, 33])


def array(shape: tuple[int, ...], dtype: mx.Dtype) -> mx.array:
    return mx.random.normal(shape).astype(dtype)


def agrees(fn: Callable[[], mx.array], reference: Callable[[], mx.array]) -> None:
    """fn() matches reference(), or raises one of the documented errors."""
    try:
        got = fn()
    except (TypeError, ValueError):
        return
    assert_matches_reference(got, reference(), rtol=2e-2, atol=2e-2)


@pytest.mark.metal
@FUZZ
@given(dtype=DTYPES, leading=LEADING, last=LAST, axis=st.sampled_from([-1, None, 0]))
def test_reduce_sum(dtype: mx.Dtype, leading: tuple, last: int, axis: int | None) -> None:
    x = array((*leading, last), dtype)
    agrees(lambda: reduce_sum(x, axis), lambda: reduce_sum_reference(x, axis))


@pytest.mark.metal
@FUZZ
@given(dtype=DTYPES, leading=LEADING, last=LAST, online=st.booleans())
def test_softmax(dtype: mx.Dtype, leading: tuple, last: int, online: bool) -> None:
    x = array((*leading, last), dtype)
    agrees(lambda: softmax(x, online=online), lambda: softmax_reference(x))


@pytest.mark.metal
@FUZZ
@given(
    dtype=DTYPES,
    leading=LEADING,
    last=LAST,
    weight_len=st.sampled_from([None, 1, 31, 33]),
    eps=st.sampled_from([1e-5, 0.0, -1.0]),
)
def test_norms(
    dtype: mx.Dtype, leading: tuple, last: int, weight_len: int | None, eps: float
) -> None:
    x = array((*leading, last), dtype)
    w = None if weight_len is None else array((weight_len,), dtype) + 1
    agrees(lambda: rms_norm(x, w, eps), lambda: rms_norm_reference(x, w, eps))
    agrees(lambda: layer_norm(x, w, w, eps), lambda: layer_norm_reference(x, w, w, eps))


@pytest.mark.metal
@FUZZ
@given(
    dtype=DTYPES,
    m=st.sampled_from([0, 8, 9]),
    k=st.sampled_from([8, 17]),
    k2=st.sampled_from([8, 17]),
    n=st.sampled_from([8, 33]),
)
def test_matmul_and_transpose(dtype: mx.Dtype, m: int, k: int, k2: int, n: int) -> None:
    a, b = array((m, k), dtype), array((k2, n), dtype)
    agrees(lambda: matmul(a, b), lambda: matmul_reference(a, b))
    agrees(lambda: transpose(b), lambda: transpose_reference(b))
