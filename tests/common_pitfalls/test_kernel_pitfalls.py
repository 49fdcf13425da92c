"""Each kernel pitfall: the broken form fails the way the page says, the fixed form works.

A test that only checked the fixed form would pass even if the page described a bug that does
not exist; so every test below first shows the failure (wrong values, exact error text or a
metalsim diagnostic), then the fix. Kernels run under metalsim on Linux.
"""

from __future__ import annotations

import math

import mlx.core as mx
import pytest

import metalsim
from metal_guide.kernels.testing import assert_matches_reference
from metalsim import diagnostics

pytestmark = pytest.mark.metal


@pytest.mark.parametrize("n", [1, 33, 1000, 4097])
def test_grid_in_threadgroups_computes_one_element_per_group(n: int) -> None:
    from metal_guide.common_pitfalls.grid_pitfall import broken, fixed

    x = mx.arange(1, n + 1, dtype=mx.float32)
    groups = math.ceil(n / 256)
    out = broken(x)
    assert mx.array_equal(out[:groups], 2 * x[:groups])
    assert int((out != 0).sum().item()) == groups  # the other n - groups stay at 0
    assert mx.array_equal(fixed(x), 2 * x)


@pytest.mark.parametrize("dtype", [mx.float32, mx.float16, mx.bfloat16])
def test_grid_fixed_in_every_dtype(dtype: mx.Dtype) -> None:
    from metal_guide.common_pitfalls.grid_pitfall import fixed

    x = mx.arange(1000).astype(dtype)
    assert_matches_reference(fixed(x), 2 * x)


def test_threadgroup_limit_error_text_and_what_metalsim_cannot_see() -> None:
    from metal_guide.common_pitfalls.threadgroup_limit_pitfall import broken, fixed

    x = mx.arange(4096, dtype=mx.float32)
    with pytest.raises(ValueError) as err:
        broken(x, threads=2048)
    assert str(err.value) == (
        "Thread group size (2048) is greater than  the maximum allowed threads per "
        "threadgroup (1024)."
    )
    # metalsim knows only the 1024 hard limit, not a pipeline's lower one (896 on M2
    # Ultra): the broken default runs here. The page says so.
    assert mx.array_equal(broken(x), 2 * x)
    assert mx.array_equal(fixed(x), 2 * x)


def test_empty_grid_leaves_the_zero_fill_and_the_check_catches_it() -> None:
    from metal_guide.common_pitfalls.did_it_run_pitfall import broken, fixed
    from metal_guide.common_pitfalls.grid_pitfall import double

    x = mx.arange(1, 1001, dtype=mx.float32)
    assert mx.array_equal(broken(x), mx.zeros_like(x))  # looks like a result
    report = diagnostics.unwritten_outputs(
        double, inputs=[x], output_shapes=[x.shape], output_dtypes=[x.dtype],
        grid=(0, 1, 1), threadgroup=(256, 1, 1),
    )  # fmt: skip
    assert report and report.outputs[0].count == x.size  # nothing was written at all
    assert mx.array_equal(fixed(x, check=True), 2 * x)


def test_output_without_init_value_keeps_garbage() -> None:
    from metal_guide.common_pitfalls.init_value_pitfall import broken, fixed, keep_positive

    x = mx.array([-2.0, -1.0, 0.0, 1.0, 2.0] * 7)
    out = broken(x)
    # metalsim's poison (NaN) where nothing was written; a GPU would leave old data.
    assert mx.array_equal(mx.isnan(out), x <= 0)
    assert mx.array_equal(mx.where(x > 0, out, 0), mx.maximum(x, 0))
    report = diagnostics.unwritten_outputs(
        keep_positive, inputs=[x], output_shapes=[x.shape], output_dtypes=[x.dtype],
        grid=(x.size, 1, 1), threadgroup=(256, 1, 1),
    )  # fmt: skip
    assert report and report.outputs[0].count == int((x <= 0).sum().item())
    assert mx.array_equal(fixed(x), mx.maximum(x, 0))


def _swapped(x: mx.array) -> mx.array:
    return x.reshape(-1, 2)[:, ::-1].reshape(-1)


def test_missing_barrier_reads_unwritten_tile_and_depends_on_schedule() -> None:
    from metal_guide.common_pitfalls.barrier_pitfall import call, swap, swap_racy

    x = mx.arange(512, dtype=mx.float32)
    (racy,) = swap_racy(**call(x))
    assert mx.isnan(racy[0::2]).all()  # even threads read before the odd ones store
    assert mx.array_equal(racy[1::2], x[0::2])
    assert diagnostics.compare_schedules(swap_racy, **call(x))
    assert not diagnostics.compare_schedules(swap, **call(x))
    for schedule in ("forward", "reverse", "random"):
        with metalsim.settings(schedule=schedule, seed=3):
            assert mx.array_equal(swap(**call(x))[0], _swapped(x))


@pytest.mark.parametrize("n", [32, 300, 1000])
def test_early_return_before_barrier_fails_strict_mode_and_guard_passes(n: int) -> None:
    from metal_guide.common_pitfalls.early_return_pitfall import (
        call,
        swap_early_return,
        swap_guarded,
    )

    x = mx.arange(n, dtype=mx.float32)
    surplus = (n + 255) // 256 * 256 - n
    # Lenient default, like Apple silicon: the broken kernel gives the right answer.
    assert mx.array_equal(swap_early_return(**call(x))[0], _swapped(x))
    with metalsim.settings(strict_barriers=True):
        if surplus:
            with pytest.raises(metalsim.KernelRuntimeError,
                               match=f"not reached by all threads of the threadgroup: "
                                     f"{surplus} returned before it"):  # fmt: skip
                swap_early_return(**call(x))
        assert mx.array_equal(swap_guarded(**call(x))[0], _swapped(x))


def test_same_name_different_source_gives_one_function_name() -> None:
    from metal_guide.common_pitfalls import same_name_pitfall as m

    x = mx.arange(8, dtype=mx.float32)
    broken = [k.prepare(**m.call(x)).generated for k in (m.times_two, m.times_three)]
    fixed = [k.prepare(**m.call(x)).generated for k in (m.scale_by_2, m.scale_by_3)]
    assert broken[0].kernel_name == broken[1].kernel_name  # the old cache key collided
    assert broken[0].source != broken[1].source
    assert fixed[0].kernel_name != fixed[1].kernel_name
    y2, y3 = m.times_two(**m.call(x))[0], m.times_three(**m.call(x))[0]
    mx.eval(y2, y3)
    assert mx.array_equal(y2, 2 * x) and mx.array_equal(y3, 3 * x)  # right on 0.32.1+


def test_dtype_churn_makes_one_source_per_dtype() -> None:
    from metal_guide.common_pitfalls import dtype_churn_pitfall as m

    state = mx.ones((64,))
    gates = [mx.full((64,), 0.5, mx.bfloat16), mx.full((64,), 0.5, mx.float32)]

    def names(cast: bool) -> set[str]:
        return {
            m.decay.prepare(
                inputs=[state, g.astype(mx.float32) if cast else g],
                output_shapes=[state.shape], output_dtypes=[mx.float32],
                grid=(64, 1, 1), threadgroup=(64, 1, 1),
            ).generated.kernel_name
            for g in gates
        }  # fmt: skip

    assert len(names(cast=False)) == 2  # the broken loop: two sources, two compilations
    assert len(names(cast=True)) == 1
    assert mx.array_equal(m.broken(state, gates), m.fixed(state, gates))
    assert mx.array_equal(m.fixed(state, gates), mx.full((64,), 0.25))


def test_implicit_bfloat_conversion_is_a_compile_error_only_for_bfloat() -> None:
    from metal_guide.common_pitfalls.bfloat_cast_pitfall import call, mask_broken, mask_fixed

    x = mx.arange(33, dtype=mx.bfloat16)
    keep = x > 7
    with pytest.raises(metalsim.MetalCompileError,
                       match="implicit conversion from 'float' to 'bfloat16_t'"):  # fmt: skip
        mask_broken(**call(x, keep))
    x32 = x.astype(mx.float32)  # the same kernel compiles for float32: a bf16-only bug
    assert mx.array_equal(mask_broken(**call(x32, keep))[0], mx.where(keep, x32, -mx.inf))
    for dtype in (mx.float32, mx.float16, mx.bfloat16):
        xd = x.astype(dtype)
        assert mx.array_equal(mask_fixed(**call(xd, keep))[0], mx.where(keep, xd, -mx.inf))


def test_low_precision_state_drifts_and_float_state_does_not() -> None:
    from metal_guide.common_pitfalls import state_drift_pitfall as m

    x = mx.random.uniform(shape=(256, 33), key=mx.random.key(0)).astype(mx.bfloat16)
    decay = mx.full((33,), 0.99, mx.bfloat16)
    want = m.reference(x, decay).astype(mx.bfloat16)
    with pytest.raises(AssertionError, match="max abs error"):
        assert_matches_reference(m.run(m.scan_low_precision, x, decay), want)
    assert_matches_reference(m.run(m.scan, x, decay), want)


def test_fast_math_drops_the_infinity_check() -> None:
    from metal_guide.common_pitfalls.fast_math_pitfall import masked_exp, masked_exp_fast, run

    masked = mx.full((8,), -mx.inf)
    assert mx.isnan(run(masked_exp_fast, masked)).all()  # the -inf test was folded away
    assert mx.array_equal(run(masked_exp, masked), mx.zeros(8))
    scores = mx.arange(8, dtype=mx.float32)
    want = mx.exp(scores - scores.max())
    assert mx.allclose(run(masked_exp, scores), want)
    assert mx.allclose(run(masked_exp_fast, scores), want)  # fine without infinities


def test_writing_to_an_input_does_not_compile() -> None:
    from metal_guide.common_pitfalls.write_input_pitfall import call, double_in_place, double_out

    x = mx.arange(8, dtype=mx.float32)
    with pytest.raises(metalsim.MetalCompileError, match="read-only variable is not assignable"):
        double_in_place(**call(x))
    assert mx.array_equal(double_out(**call(x))[0], 2 * x)


def test_32_bit_offset_wraps() -> None:
    from metal_guide.common_pitfalls.index_overflow_pitfall import offset, offset_i64, offset_u32

    row, col, cols = 109_999, 39_999, 40_000
    exact = row * cols + col
    assert exact > 2**32
    assert offset(offset_u32, row, col, cols) == exact % 2**32
    assert offset(offset_i64, row, col, cols) == exact
    assert offset(offset_u32, 10, 3, cols) == offset(offset_i64, 10, 3, cols)  # small: fine


def test_half_accumulator_overflows_to_inf() -> None:
    from metal_guide.common_pitfalls.half_overflow_pitfall import rms, rms_half, run

    x = mx.full((4, 512), 16.0, mx.float16)
    assert mx.isinf(run(rms_half, x)).all()
    assert mx.array_equal(run(rms, x), mx.full((4,), 16.0, mx.float16))
    small = mx.full((4, 512), 1.0, mx.float16)  # 512 < 65504: the bug hides
    assert mx.array_equal(run(rms_half, small), run(rms, small))


@pytest.mark.parametrize("n", [1, 33, 1000])
def test_local_array_forms_agree(n: int) -> None:
    from metal_guide.common_pitfalls.local_array_pitfall import pick_dynamic, pick_select, run

    x = mx.arange(n, dtype=mx.float32)
    which = mx.arange(n, dtype=mx.uint32) % 4
    choices = mx.stack([x, 2 * x, x * x, mx.ones_like(x)])
    want = mx.take_along_axis(choices, which[None].astype(mx.int32), axis=0)[0]
    assert mx.array_equal(run(pick_dynamic, x, which), want)  # only slower, not wrong
    assert mx.array_equal(run(pick_select, x, which), want)


def test_ignored_strides_read_the_buffer_order() -> None:
    from metal_guide.common_pitfalls.strides_pitfall import copy_flat, copy_strided, run

    x = mx.arange(6, dtype=mx.float32).reshape(2, 3)
    xt = x.T
    assert run(copy_flat, xt).tolist() == [[0, 1], [2, 3], [4, 5]]  # x's memory order
    assert mx.array_equal(run(copy_strided, xt), xt)
    assert mx.array_equal(run(copy_flat, x), x)  # contiguous input: the bug hides
    sliced = mx.arange(66, dtype=mx.float32)[::2]
    assert mx.array_equal(run(copy_strided, sliced), sliced)
    rev = mx.arange(33, dtype=mx.float32)[::-1]  # negative stride, bound at its first element
    assert mx.array_equal(run(copy_strided, rev), rev)
    assert run(copy_flat, rev).tolist() != rev.tolist()  # the broken form reads elsewhere
    cols_reversed = mx.arange(3 * 33, dtype=mx.float32).reshape(3, 33)[::-1, ::-1]
    assert mx.array_equal(run(copy_strided, cols_reversed), cols_reversed)


def test_uint_index_wraps_on_a_reversed_view() -> None:
    from metal_guide.common_pitfalls.strides_pitfall import run

    # The form of MLX's documentation example: `uint` makes elem_to_loc's offset a uint.
    copy_uint = mx.fast.metal_kernel(
        name="pitfall_copy_uint", input_names=["inp"], output_names=["out"],
        source="""
            uint i = thread_position_in_grid.x;
            out[i] = inp[elem_to_loc(i, inp_shape, inp_strides, inp_ndim)];
        """,
        ensure_row_contiguous=False,
    )  # fmt: skip
    xt = mx.arange(6, dtype=mx.float32).reshape(2, 3).T
    assert mx.array_equal(run(copy_uint, xt), xt)  # positive strides: uint is enough
    rev = mx.arange(33, dtype=mx.float32)[::-1]
    with pytest.raises(metalsim.KernelRuntimeError,
                       match=r"input `inp` has a negative stride \(strides \[-1\].*2\*\*32 - 1: "
                             r"the offset -1 wrapped"):  # fmt: skip
        run(copy_uint, rev)


def test_threadgroup_memory_over_32_kib_fails() -> None:
    from metal_guide.common_pitfalls import threadgroup_memory_pitfall as m

    x = mx.arange(2 * 9000, dtype=mx.float32).reshape(2, 9000)
    with pytest.raises(metalsim.KernelRuntimeError,
                       match="threadgroup memory of 36000 bytes exceeds the limit of "
                             "32768 bytes"):  # fmt: skip
        m.run(m.reverse_staged, x, staged=True)
    small = mx.arange(2 * 4000, dtype=mx.float32).reshape(2, 4000)  # 16000 bytes: fits
    assert mx.array_equal(m.run(m.reverse_staged, small, staged=True), small[:, ::-1])
    assert mx.array_equal(m.run(m.reverse, x, staged=False), x[:, ::-1])


def test_template_per_length_is_a_source_per_length() -> None:
    from metal_guide.common_pitfalls import template_churn_pitfall as m

    def name(kernel: object, x: mx.array, template: list) -> str:
        return kernel.prepare(
            inputs=[x], output_shapes=[(x.shape[0],)], output_dtypes=[mx.float32],
            grid=(x.shape[0], 1, 1), threadgroup=(32, 1, 1), template=template,
        ).generated.kernel_name  # fmt: skip

    xs = [mx.ones((4, n)) for n in (8, 9, 10)]
    assert len({name(m.row_sum_templated, x, [("N", x.shape[1])]) for x in xs}) == 3
    assert len({name(m.row_sum, x, []) for x in xs}) == 1
    for x in xs:
        assert mx.array_equal(m.broken(x), m.fixed(x))
        assert mx.array_equal(m.fixed(x), x.sum(axis=1))


@pytest.mark.parametrize("n", [1, 33, 1000])
def test_bitmask_kernel_and_compiled_function_agree(n: int) -> None:
    from metal_guide.common_pitfalls.compile_first_pitfall import broken, fixed

    logits = mx.random.normal((n,), key=mx.random.key(n))
    words = (n + 31) // 32
    bitmask = mx.random.randint(-(2**31), 2**31 - 1, (words,), dtype=mx.int32,
                                key=mx.random.key(n + 1))  # fmt: skip
    assert mx.array_equal(broken(logits, bitmask), fixed(logits, bitmask))


def test_float64_is_refused_for_the_gpu() -> None:
    from metal_guide.common_pitfalls.float64_pitfall import broken, fixed

    x = mx.arange(4, dtype=mx.float32)
    with pytest.raises(ValueError, match="^float64 is not supported on the GPU$"):
        broken(x)
    assert fixed(x).dtype == mx.float64
    assert fixed(x).tolist() == [0.0, 1.0, 4.0, 9.0]
