"""The generated-source snapshots the guide shows must be what the installed MLX generates."""

from __future__ import annotations

import mlx.core as mx
import pytest

from metal_guide.kernel_patterns import generated_source as gs


@pytest.mark.parametrize("filename", sorted(gs.SNAPSHOTS))
def test_snapshot_matches_mlx(filename: str) -> None:
    stored = (gs.OUTPUT_DIR / filename).read_text(encoding="ascii")
    current = gs.SNAPSHOTS[filename]()
    assert current == stored, (
        f"{filename} drifted from what MLX {mx.__version__} generates; review the diff, then "
        "run `python -m metal_guide.kernel_patterns.generated_source --write` and update the guide"
    )


def test_every_snapshot_file_is_produced_by_the_script() -> None:
    on_disk = {p.name for p in gs.OUTPUT_DIR.glob("*.metal")}
    assert on_disk == set(gs.SNAPSHOTS)


def _snapshot(name: str) -> str:
    return (gs.OUTPUT_DIR / name).read_text(encoding="ascii")


def test_first_kernel_signature_facts_stated_in_the_guide() -> None:
    text = _snapshot("first_kernel_float32.metal")
    assert text.startswith("template <typename T>\n[[kernel]] void ")
    # custom_kernel_ + name + _ + template hash (which starts with _) + dtype suffixes.
    name = "custom_kernel_quick_start_swiglu__float_float_float_float"
    assert f"void {name}(" in text
    assert "  const device float* gate [[buffer(0)]],\n" in text
    assert "  const device float* up [[buffer(1)]],\n" in text
    assert "  device float* out [[buffer(2)]],\n" in text
    assert "  uint3 thread_position_in_grid [[thread_position_in_grid]]) {\n" in text
    assert f"decltype({name}<float>) {name}<float>;" in text


def test_small_and_scalar_inputs_go_to_constant_space() -> None:
    text = _snapshot("swiglu_bfloat16_small.metal")
    assert "template <typename T, int N>" in text
    assert "  const constant bfloat16_t* gate [[buffer(0)]],\n" in text
    assert "  const constant uint32_t& size [[buffer(2)]],\n" in text
    # c = constant-space array, s = scalar (0-d) input.
    assert "patterns_swiglu_n__bfloat16_t_4_bfloat16_tc_bfloat16_tc_uint32_ts_bfloat16_t(" in text
    assert "<bfloat16_t, 4>" in text
    assert "uint3 threads_per_grid [[threads_per_grid]]" in text


def test_header_is_pasted_verbatim_and_comments_declare_attributes() -> None:
    broken = _snapshot("header_no_newline.metal")
    assert broken.startswith("#define SCALE 2.0f[[kernel]] void ")
    fixed = _snapshot("header_with_newline.metal")
    assert fixed.startswith("#define SCALE 2.0f\n[[kernel]] void ")
    assert "uint3 threadgroup_position_in_grid [[threadgroup_position_in_grid]]" in fixed


def test_capture_refuses_output_without_exactly_one_kernel() -> None:
    with pytest.raises(RuntimeError, match="expected one generated kernel"):
        gs.generated_source(lambda x: x + 1, mx.zeros((4,)))


def test_python_ints_become_int32_or_int64() -> None:
    text = _snapshot("int64_scalar.metal")
    assert "  const constant int32_t& small [[buffer(1)]],\n" in text
    assert "  const constant int64_t& big [[buffer(2)]],\n" in text
    assert "custom_kernel_patterns_scalars__float_float_int32_ts_int64_ts_float(" in text


def test_template_kinds_and_bools_print_as_digits() -> None:
    text = _snapshot("poly_float16.metal")
    assert text.startswith("template <typename T, int DEGREE, bool CLAMP>\n")
    assert "custom_kernel_patterns_poly__float16_t_2_0_float16_t_floatc_floats_float16_t(" in text
    assert "<float16_t, 2, 0>;" in text


def test_shape_parameters_have_the_stated_types() -> None:
    text = _snapshot("strided_float32.metal")
    assert "  const constant int* x_shape [[buffer(1)]],\n" in text
    assert "  const constant int64_t* x_strides [[buffer(2)]],\n" in text
    assert "  const constant int& x_ndim [[buffer(3)]],\n" in text


def test_atomic_outputs_are_all_atomic_float() -> None:
    text = _snapshot("rms_norm_vjp_float16.metal")
    assert "  device atomic<float>* dx [[buffer(5)]],\n" in text
    assert "  device atomic<float>* dw [[buffer(6)]],\n" in text
    assert "  const constant uint32_t& n [[buffer(3)]],\n" in text
