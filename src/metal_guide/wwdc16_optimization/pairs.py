"""Every before/after pair of the page, for the tests and the benchmark harness."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import mlx.core as mx

from metal_guide.wwdc16_optimization import (
    address_spaces,
    fma,
    integer_division,
    reductions,
    select,
    signed_offsets,
    sixteen_bit,
    stack_arrays,
    wide_loads,
    work_per_thread,
)


@dataclass(frozen=True)
class Pair:
    """Two kernels that compute the same thing, and the pure-MLX reference for both."""

    name: str  # the guide section
    before: Callable[..., mx.array]
    after: Callable[..., mx.array]
    reference: Callable[..., mx.array]
    make_inputs: Callable[[int, mx.Dtype], tuple[mx.array, ...]]
    # bytes read + written and floating-point operations per element, for the harness
    flops_per_element: float = 1.0
    exact: bool = False  # integer outputs: compare exactly


def _vector(n: int, dtype: mx.Dtype) -> tuple[mx.array, ...]:
    return (mx.random.normal((n,)).astype(dtype),)


def _unit(n: int, dtype: mx.Dtype) -> tuple[mx.array, ...]:
    return (mx.random.uniform(-1.0, 1.0, (n,)).astype(dtype),)


def _matrix(n: int, dtype: mx.Dtype) -> tuple[mx.array, ...]:
    # `n` elements as about 3 rows; the columns cross a SIMD-group boundary
    cols = max(1, n // 3)
    return (mx.random.normal((max(1, n // cols), cols)).astype(dtype),)


def _matrix_and_bias(n: int, dtype: mx.Dtype) -> tuple[mx.array, ...]:
    (x,) = _matrix(n, dtype)
    return x, mx.random.normal((x.shape[1],)).astype(dtype)


def _histogram_input(n: int, dtype: mx.Dtype) -> tuple[mx.array, ...]:
    cols = max(1, n // 5)
    return (mx.random.uniform(-0.2, 1.2, (max(1, n // cols), cols)).astype(dtype),)


PAIRS: tuple[Pair, ...] = (
    Pair("address-spaces", address_spaces.blur_taps_in_device,
         address_spaces.blur_taps_in_constant, address_spaces.blur_reference, _vector, 18),
    Pair("work-per-thread", work_per_thread.silu_one_per_thread,
         work_per_thread.silu_n_per_thread, work_per_thread.silu_reference, _vector, 4),
    Pair("barrier-scope", lambda x: reductions.row_sum(x, "threadgroup_barrier"),
         lambda x: reductions.row_sum(x, "simdgroup_barrier"),
         reductions.row_sum_reference, _matrix, 1),
    Pair("reductions", lambda x: reductions.row_sum(x, "threadgroup_barrier"),
         lambda x: reductions.row_sum(x, "simd_sum"), reductions.row_sum_reference,
         _matrix, 1),
    Pair("16-bit-types-and-no-double", sixteen_bit.affine_promoted,
         sixteen_bit.affine_native, sixteen_bit.affine_reference, _vector, 2),
    Pair("built-ins-and-fma", lambda x: fma.horner(x, "plain"),
         lambda x: fma.horner(x, "fma"), fma.horner_reference, _unit, 6),
    Pair("integer-division-and-modulo",
         lambda x, b: integer_division.add_column_bias(x, b, "modulo"),
         lambda x, b: integer_division.add_column_bias(x, b, "stepped"),
         integer_division.add_column_bias_reference, _matrix_and_bias, 1),
    Pair("select-instead-of-branches-and-tricks", lambda x: select.leaky_relu(x, "mask"),
         lambda x: select.leaky_relu(x, "ternary"), select.leaky_relu_reference, _vector, 2),
    Pair("thread-local-arrays", lambda x: stack_arrays.row_histogram(x, "dynamic"),
         lambda x: stack_arrays.row_histogram(x, "constant"),
         stack_arrays.row_histogram_reference, _histogram_input, 3, exact=True),
    Pair("wide-loads-and-coalescing", lambda x: wide_loads.two_x_plus_one(x, "scalar"),
         lambda x: wide_loads.two_x_plus_one(x, "vector"),
         wide_loads.two_x_plus_one_reference, _vector, 2),
    Pair("signed-and-unsigned-offsets", signed_offsets.times_two_uint,
         signed_offsets.times_two_int, signed_offsets.times_two_reference, _vector, 1),
    Pair("occupancy-and-register-pressure",
         lambda x: reductions.row_sum(x, "threadgroup_barrier", partials=1024),
         lambda x: reductions.row_sum(x, "threadgroup_barrier", partials=32),
         reductions.row_sum_reference, _matrix, 1),
)
