"""Reversed, offset, sliced and broadcast views read in place with ``elem_to_loc``.

MLX binds an input that is not row-contiguous, under ``ensure_row_contiguous=False``, at the
array's offset (``set_input_array`` -> ``setBuffer(buf, a.offset(), idx)``) and passes its strides
as ``int64_t`` (``mlx/backend/metal/custom_kernel.cpp``); a reversed view's strides are negative,
so the kernel reaches the rest of it below its first element. Every expected value here is
computed by MLX from the same view. The last part covers the ``uint`` index that wraps a negative
offset (metalsim's hint in ``buffers.wrapped_offset_hint``), and ``ensure_row_contiguous=True``,
where MLX copies the view first.
"""

from __future__ import annotations

import mlx.core as mx
import numpy as np
import pytest

import metalsim
from metalsim import buffers, diagnostics

FLOATS = [mx.float32, mx.float16, mx.bfloat16]
SIZES = [1, 31, 33, 1000]
BATCH = 3

# Signed 64-bit index, as MLX's own kernels use for views that may have negative strides.
NEGATE_INT64 = """
    uint elem = thread_position_in_grid.x;
    if (elem >= uint(out_size)) return;
    int64_t loc = elem_to_loc(int64_t(elem), x_shape, x_strides, x_ndim);
    out[elem] = -x[loc];
"""
# The same with a `uint` index: elem_to_loc then computes the offset in uint.
NEGATE_UINT = """
    uint elem = thread_position_in_grid.x;
    if (elem >= uint(out_size)) return;
    out[elem] = -x[elem_to_loc(elem, x_shape, x_strides, x_ndim)];
"""

# A signed offset stored in a `uint` wraps the same way.
NEGATE_UINT_STORED = """
    uint elem = thread_position_in_grid.x;
    if (elem >= uint(out_size)) return;
    uint loc = elem_to_loc(int64_t(elem), x_shape, x_strides, x_ndim);
    out[elem] = -x[loc];
"""


def _values(shape: tuple[int, ...], dtype: mx.Dtype, seed: int) -> mx.array:
    """Distinct-looking values (an addressing mistake changes the result)."""
    return mx.random.normal(shape, key=mx.random.key(seed)).astype(dtype)


def views(n: int, dtype: mx.Dtype) -> dict[str, mx.array]:
    """Views with n elements along their last axis (some batched), none of them row-contiguous
    except where slicing keeps it so (``offset``)."""
    return {
        "reversed": _values((n,), dtype, 1)[::-1],
        "reversed_rows_and_cols": _values((BATCH, n), dtype, 2)[::-1, ::-1],
        "cols_reversed": _values((BATCH, n), dtype, 3)[:, ::-1],
        "transposed_reversed": _values((BATCH, n, 3), dtype, 4).transpose(0, 2, 1)[:, ::-1, :],
        "batched_transposed_reversed": _values((BATCH, 2, n), dtype, 5).transpose(2, 0, 1)[::-1],
        "offset": _values((n + 2,), dtype, 6)[2:],
        "every_other_col": _values((BATCH, 2 * n), dtype, 7)[:, 1::2],
        "broadcast_reversed": mx.broadcast_to(_values((n,), dtype, 8)[::-1], (BATCH, n)),
        "broadcast_batch": mx.broadcast_to(_values((1, n), dtype, 9), (BATCH, n)),
    }


def negate(source: str, x: mx.array, *, erc: bool) -> mx.array:
    k = metalsim.metal_kernel(name="ms_negate_view", input_names=["x", "out_size"],
                             output_names=["out"], source=source,
                             ensure_row_contiguous=erc)  # fmt: skip
    return k(inputs=[x, x.size], output_shapes=[x.shape], output_dtypes=[x.dtype],
             grid=(x.size, 1, 1), threadgroup=(32, 1, 1))[0]  # fmt: skip


def _strides(x: mx.array) -> list[int]:
    return [s // x.itemsize for s in memoryview(x).strides]


@pytest.mark.parametrize("erc", [False, True], ids=["in_place", "copied"])
@pytest.mark.parametrize("view", sorted(views(4, mx.float32)))
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dtype", FLOATS, ids=str)
def test_int64_elem_to_loc_reads_the_view_like_mlx(
    dtype: mx.Dtype, n: int, view: str, erc: bool
) -> None:
    x = views(n, dtype)[view]
    got = negate(NEGATE_INT64, x, erc=erc)
    assert got.dtype == dtype
    assert mx.array_equal(got, -x).item(), f"strides {_strides(x)}"


def test_views_have_the_strides_under_test() -> None:
    # The cases above are only worth having if MLX really makes these views without a copy.
    v = views(33, mx.float32)
    assert _strides(v["reversed"]) == [-1]
    assert _strides(v["reversed_rows_and_cols"]) == [-33, -1]
    assert _strides(v["transposed_reversed"]) == [99, -1, 3]
    assert _strides(v["every_other_col"]) == [66, 2]
    assert _strides(v["broadcast_reversed"]) == [0, -1]
    assert _strides(v["broadcast_batch"]) == [0, 1]
    # x[::-1] is a view of x's memory that starts at x's last element (MLX's array offset).
    base = mx.arange(33, dtype=mx.float32)
    rev = base[::-1]
    mx.eval(base, rev)
    assert np.asarray(rev).ctypes.data == np.asarray(base).ctypes.data + 32 * base.itemsize


@pytest.mark.parametrize("source", [NEGATE_UINT, NEGATE_UINT_STORED], ids=["index", "stored"])
@pytest.mark.parametrize("dtype", FLOATS, ids=str)
def test_uint_offset_faults_with_the_wrapped_offset_named(dtype: mx.Dtype, source: str) -> None:
    x = views(33, dtype)["cols_reversed"]
    with pytest.raises(metalsim.KernelRuntimeError) as info:
        negate(source, x, erc=False)
    msg = str(info.value)
    assert msg.startswith("invalid memory access")  # the runtime's own message comes first
    # Thread 1 reads element (0, 1): offset -1, which uint turns into 2**32 - 1.
    assert "input `x` has a negative stride (strides [33, -1], in elements)" in msg
    assert "element 4294967295 = 2**32 - 1: the offset -1 wrapped" in msg
    assert "elem_to_loc(int64_t(i), ...)" in msg


def test_uint_index_is_fine_once_mlx_copies_the_view() -> None:
    # ensure_row_contiguous=True: MLX copies the reversed view first, so every stride is positive.
    x = views(1000, mx.float32)["reversed_rows_and_cols"]
    assert mx.array_equal(negate(NEGATE_UINT, x, erc=True), -x).item()


def test_uint_index_is_fine_for_positive_strides() -> None:
    x = views(33, mx.float32)["every_other_col"]
    assert mx.array_equal(negate(NEGATE_UINT, x, erc=False), -x).item()


# --- the hint on its own: given only at the address a wrapped offset lands on -----------------


def _fault(address: int) -> str:
    return f"invalid memory access: the kernel accessed invalid address {address:#x} (SIGSEGV)"


def test_hint_covers_exactly_the_addresses_a_wrapped_offset_reaches() -> None:
    base = np.zeros((4, 10), dtype=np.float32)
    view = base[::-1, ::-1]  # first element base[3, 9]; reaches 39 elements below it
    first = view.ctypes.data
    wrapped = first + 2**32 * view.itemsize  # where offset 0 would wrap to
    inside = [wrapped - 4, wrapped - 39 * 4, wrapped - 2]
    outside = [wrapped, wrapped - 40 * 4, first - 4, first + 2**32]
    for address in inside:
        assert buffers.wrapped_offset_hint(_fault(address), [("v", view)]) is not None
    for address in outside:
        assert buffers.wrapped_offset_hint(_fault(address), [("v", view)]) is None
    hint = buffers.wrapped_offset_hint(_fault(wrapped - 39 * 4), [("v", view)])
    assert hint is not None and "element 4294967257 = 2**32 - 39: the offset -39" in hint
    assert "(strides [-10, -1], in elements)" in hint


def test_no_hint_for_views_without_negative_strides_or_other_errors() -> None:
    base = np.zeros((4, 10), dtype=np.float32)
    for view in (base, base[:, ::2], base.T, np.broadcast_to(base[0], (3, 10))):
        wrapped = view.ctypes.data + 2**32 * view.itemsize
        assert buffers.wrapped_offset_hint(_fault(wrapped - 4), [("v", view)]) is None
    rev = base[::-1]
    wrapped = rev.ctypes.data + 2**32 * rev.itemsize
    assert buffers.wrapped_offset_hint("barrier not reached by all threads", [("v", rev)]) is None
    assert buffers.wrapped_offset_hint(_fault(wrapped - 4), [("v", rev)]) is not None


# --- AddressSanitizer: the signed read stays inside MLX's allocation ---------------------------


def test_reversed_read_is_clean_under_asan() -> None:
    x = views(33, mx.float32)["transposed_reversed"]
    k = metalsim.metal_kernel(name="ms_negate_view", input_names=["x", "out_size"],
                             output_names=["out"], source=NEGATE_INT64,
                             ensure_row_contiguous=False)  # fmt: skip
    try:
        report = diagnostics.run_with_asan(
            k, inputs=[x, x.size], output_shapes=[x.shape], output_dtypes=[x.dtype],
            grid=(x.size, 1, 1), threadgroup=(32, 1, 1),
        )  # fmt: skip
    except metalsim.ToolchainError as e:
        pytest.skip(f"no AddressSanitizer toolchain: {e}")
    assert report.ok, str(report)
    assert report.outputs is not None and mx.array_equal(report.outputs[0], -x).item()
