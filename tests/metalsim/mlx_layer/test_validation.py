"""Argument validation: same exception types, messages and order as MLX.

On a build without Metal, MLX runs all its argument checks before it raises
``[metal_kernel] No Metal back-end.``, so MLX itself is the reference: every case is run through
both MLX's ``mx.fast.metal_kernel`` and ``metalsim.metal_kernel``. A call MLX accepts must pass
metalsim's validation too (``prepare`` validates without running).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from typing import Any

import mlx.core as mx
import numpy as np
import pytest

import metalsim
from metalsim.swap import original_metal_kernel

NO_BACKEND = "[metal_kernel] No Metal back-end."
REAL = original_metal_kernel()


def _outcome(fn: Callable[[], Any]) -> tuple[str, str]:
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - we compare whatever is raised
        return type(e).__name__, str(e)
    return "ok", ""


A = ("k", ["x"], ["y"], "s")
CTOR_CASES: dict[str, tuple[tuple[Any, ...], dict[str, Any]]] = {
    "plain": (("k", ["x"], ["y"], "src"), {}),
    "keywords": (
        (),
        dict(
            name="k", input_names=["x"], output_names=["y"], source="s", header="h",
            ensure_row_contiguous=False, atomic_outputs=True, compile_options=None,
        ),
    ),
    "tuples": (("k", ("x",), ("y",), "src"), {}),
    "no_outputs": (("k", ["x"], [], "src"), {}),
    "co_list": (("k", ["x"], ["y"], "src"), {"compile_options": [1]}),
    "co_unknown_first": (A, {"compile_options": {"foo": 1, "math_mode": "x"}}),
    "co_bad_mode_first": (A, {"compile_options": {"math_mode": "x", "f": 1}}),
    "co_mode_not_str": (A, {"compile_options": {"math_mode": 1}}),
    "co_key_not_str": (A, {"compile_options": {1: "safe"}}),
    "co_empty": (A, {"compile_options": {}}),
    "co_fast": (A, {"compile_options": {"math_mode": "fast"}}),
    "co_before_no_outputs": (("k", ["x"], [], "s"), {"compile_options": [1]}),
    "name_int": ((1, ["x"], ["y"], "s"), {}),
    "names_str": (("k", "xy", ["y"], "s"), {}),
    "names_not_str": (("k", [1], ["y"], "s"), {}),
    "names_iter": (("k", iter(["x"]), ["y"], "s"), {}),
    "name_bytes": ((b"k", ["x"], ["y"], "s"), {}),
    "header_none": (("k", ["x"], ["y"], "s"), {"header": None}),
    "erc_int": (("k", ["x"], ["y"], "s"), {"ensure_row_contiguous": 1}),
    "erc_np_bool": (("k", ["x"], ["y"], "s"), {"ensure_row_contiguous": np.bool_(True)}),
    "atomic_none": (("k", ["x"], ["y"], "s"), {"atomic_outputs": None}),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(CTOR_CASES))
def test_constructor_matches_mlx(case: str) -> None:
    args, kwargs = CTOR_CASES[case]
    want = _outcome(lambda: REAL(*args, **kwargs))
    got = _outcome(lambda: metalsim.metal_kernel(*args, **kwargs))
    if want[0] == "TypeError":
        assert got[0] == "TypeError"
        assert got[1].startswith("metal_kernel(): incompatible function arguments")
    else:
        assert got == want


def test_too_many_positional_arguments() -> None:
    args = ("k", ["x"], ["y"], "src", "", True, False, None, 1)
    assert _outcome(lambda: REAL(*args))[0] == "TypeError"
    with pytest.raises(TypeError):
        metalsim.metal_kernel(*args)  # type: ignore[call-arg]


BASE: dict[str, Any] = dict(
    inputs=[mx.ones(3)],
    output_shapes=[(3,)],
    output_dtypes=[mx.float32],
    grid=(3, 1, 1),
    threadgroup=(3, 1, 1),
)
DROP = object()


def _kw(**changes: Any) -> dict[str, Any]:
    kw = dict(BASE)
    kw.update(changes)
    return {k: v for k, v in kw.items() if v is not DROP}


CALL_CASES: dict[str, dict[str, Any]] = {
    "ok": _kw(),
    "missing_grid": _kw(grid=DROP),
    "unknown_kw": _kw(foo=1),
    "grid_2": _kw(grid=(1, 1)),
    "grid_4": _kw(grid=(1, 1, 1, 1)),
    "grid_list": _kw(grid=[3, 1, 1]),
    "grid_float": _kw(grid=(1.0, 1, 1)),
    "grid_np_int": _kw(grid=(np.int64(3), 1, 1)),
    "grid_np_float": _kw(grid=(np.float32(3), 1, 1)),
    "grid_np_array": _kw(grid=np.array([3, 1, 1])),
    "grid_mx_array": _kw(grid=mx.array([3, 1, 1])),
    "grid_bool": _kw(grid=(True, 1, 1)),
    "grid_str": _kw(grid="abc"),
    "grid_iter": _kw(grid=iter((3, 1, 1))),
    "grid_2_31": _kw(grid=(2**31, 1, 1)),
    "grid_min_int": _kw(grid=(-(2**31), 1, 1)),
    "grid_below_min_int": _kw(grid=(-(2**31) - 1, 1, 1)),
    "tg_big_is_not_checked_at_call": _kw(threadgroup=(2048, 1, 1)),
    "template_dict": _kw(template={"a": 1}),
    "template_float": _kw(template=[("a", 1.5)]),
    "template_2_31": _kw(template=[("a", 2**31)]),
    "template_below_min": _kw(template=[("a", -(2**31) - 1)]),
    "template_np_int": _kw(template=[("a", np.int32(3))]),
    "template_np_bool": _kw(template=[("a", np.bool_(True))]),
    "template_triple": _kw(template=[("a", 1, 2)]),
    "template_name_not_str": _kw(template=[(1, 1)]),
    "template_list_pair": _kw(template=[["a", 1]]),
    "template_tuple": _kw(template=(("a", 1),)),
    "template_empty": _kw(template=[]),
    "template_all_kinds": _kw(template=[("a", True), ("b", -3), ("c", mx.float16)]),
    "template_before_size": _kw(template=[("a", 1.5)], inputs=[]),
    "inputs_dict": _kw(inputs={"x": mx.ones(3)}),
    "inputs_tuple": _kw(inputs=(mx.ones(3),)),
    "inputs_iter": _kw(inputs=iter([mx.ones(3)])),
    "inputs_nested_list": _kw(inputs=[[1, 2]]),
    "inputs_str": _kw(inputs=["s"]),
    "inputs_none": _kw(inputs=[None]),
    "inputs_object": _kw(inputs=[object()]),
    "inputs_before_template": _kw(inputs=[[1, 2]], template=[("a", 1.5)]),
    "inputs_before_size": _kw(inputs=[[1, 2], 1]),
    "inputs_huge_int": _kw(inputs=[2**70]),
    "inputs_np": _kw(inputs=[np.ones(3)]),
    "inputs_np_scalar": _kw(inputs=[np.int64(1)]),
    "inputs_complex": _kw(inputs=[1j]),
    "size_inputs": _kw(inputs=[]),
    "size_output_shapes": _kw(output_shapes=[]),
    "size_output_dtypes": _kw(output_dtypes=[]),
    "size_order": _kw(inputs=[], output_shapes=[]),
    "dtype_str": _kw(output_dtypes=["float32"]),
    "dtype_np": _kw(output_dtypes=[np.float32]),
    "dtypes_tuple": _kw(output_dtypes=(mx.float32,)),
    "shape_int": _kw(output_shapes=[3]),
    "shape_list": _kw(output_shapes=[[3]]),
    "shape_np": _kw(output_shapes=[np.array([3])]),
    "shape_mx": _kw(output_shapes=[mx.array([3])]),
    "shape_float": _kw(output_shapes=[(3.0,)]),
    "shape_str": _kw(output_shapes=["ab"]),
    "shape_scalar": _kw(output_shapes=[()]),
    "init_str": _kw(init_value="a"),
    "init_int": _kw(init_value=1),
    "init_bool": _kw(init_value=True),
    "init_np": _kw(init_value=np.float32(2)),
    "init_huge": _kw(init_value=1e300),
    "verbose_int": _kw(verbose=1),
    "verbose_none": _kw(verbose=None),
    "verbose_np_bool": _kw(verbose=np.bool_(True)),
    "stream_str": _kw(stream="gpu"),
    "stream_none": _kw(stream=None),
}


@pytest.mark.parametrize("case", sorted(CALL_CASES))
def test_call_matches_mlx(case: str) -> None:
    kw = CALL_CASES[case]
    want = _outcome(lambda: REAL("k", ["x"], ["y"], "y[0] = x[0];")(**kw))
    ours = metalsim.metal_kernel("k", ["x"], ["y"], "y[0] = x[0];")
    got = _outcome(lambda: ours.prepare(**kw))
    if want == (RuntimeError.__name__, NO_BACKEND):
        assert got == ("ok", ""), "MLX accepts this call"
    elif want[0] == "TypeError":
        assert got[0] == "TypeError"
        assert got[1].startswith("__call__(): incompatible function arguments")
    else:
        assert got == want


def test_positional_call_is_a_type_error() -> None:
    k = metalsim.metal_kernel("k", ["x"], ["y"], "y[0] = x[0];")
    assert _outcome(lambda: REAL("k", ["x"], ["y"], "s")([mx.ones(3)]))[0] == "TypeError"
    with pytest.raises(TypeError, match="incompatible function arguments"):
        k([mx.ones(3)])


def test_check_size_message_has_trailing_newline() -> None:
    k = metalsim.metal_kernel("k", ["x"], ["y"], "y[0] = x[0];")
    with pytest.raises(ValueError) as e:
        k.prepare(**_kw(inputs=[]))
    assert str(e.value) == "[metal_kernel] Expected `inputs` to have size 1 but got size 0.\n"


# Streams: on Linux MLX only reaches its stream check while mx.export_function traces (it then
# behaves as with Metal), so the reference runs in a subprocess under export.
STREAMS = {
    "cpu": "mx.cpu",
    "cpu_device": "mx.Device(mx.cpu)",
    "cpu_stream": "mx.default_stream(mx.cpu)",
    "cpu_thread_local": "mx.new_thread_local_stream(mx.cpu)",
    "gpu": "mx.gpu",
    "gpu_device": "mx.Device(mx.gpu)",
    "none": "None",
}


@pytest.fixture(scope="module")
def mlx_stream_outcomes() -> dict[str, str]:
    script = textwrap.dedent(
        """
        import os, sys, tempfile
        import mlx.core as mx
        k = mx.fast.metal_kernel("k", ["a"], ["o"], "o[0]=a[0];")
        d = tempfile.mkdtemp()
        for label, expr in STREAMS.items():
            s = eval(expr)
            f = lambda x: k(inputs=[x], output_shapes=[(1,)], output_dtypes=[mx.float32],
                            grid=(1, 1, 1), threadgroup=(1, 1, 1), stream=s)
            try:
                mx.export_function(os.path.join(d, "f.mlxfn"), f, mx.zeros((1,)))
                r = "ok"
            except Exception as e:
                r = type(e).__name__ + ": " + str(e)
            sys.stderr.write(label + "=" + r + "\\n")
        """
    ).replace("STREAMS", repr(STREAMS))
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
        env={**os.environ},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return dict(line.split("=", 1) for line in proc.stderr.splitlines() if "=" in line)


@pytest.mark.parametrize("label", sorted(STREAMS))
def test_stream_matches_mlx_with_metal(label: str, mlx_stream_outcomes: dict[str, str]) -> None:
    k = metalsim.metal_kernel("k", ["a"], ["o"], "o[0]=a[0];")
    stream = eval(STREAMS[label])  # all of these can be built without a GPU back-end
    got = _outcome(
        lambda: k.prepare(
            inputs=[mx.zeros((1,))], output_shapes=[(1,)], output_dtypes=[mx.float32],
            grid=(1, 1, 1), threadgroup=(1, 1, 1), stream=stream,
        )
    )  # fmt: skip
    want = mlx_stream_outcomes[label]
    assert (got[0] if got[0] == "ok" else f"{got[0]}: {got[1]}") == want


def test_float64_is_rejected_after_verbose(capsys: pytest.CaptureFixture[str]) -> None:
    k = metalsim.metal_kernel("k", ["a"], ["o"], "o[0]=a[0];")
    with pytest.raises(ValueError, match="^float64 is not supported on the GPU$"):
        k.prepare(**_kw(inputs=[mx.ones(3, dtype=mx.float64)], verbose=True))
    assert "Generated source code for `k`" in capsys.readouterr().out
