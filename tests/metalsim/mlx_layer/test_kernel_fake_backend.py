"""The MLX layer's side of a launch, with the compiler and runtime replaced by a fake.

The fake "kernel" reads the launch arguments exactly as the generated signature declares them
(buffers, shape/strides/ndim, outputs) and, for kernels named ``double``, writes
``out[i] = 2 * inp[elem_to_loc(i)]``. That checks what metalsim binds (pointers, real strides,
scalars, poison, init values) independently of the real compiler and runtime.
"""

from __future__ import annotations

import ctypes
from collections.abc import Iterator
from typing import Any

import mlx.core as mx
import numpy as np
import pytest

import metalsim
from metalsim import buffers, execution, signature

from .fake_backend import swap_backend

NP = {
    "float": np.float32, "float16_t": np.float16, "bfloat16_t": np.uint16, "int32_t": np.int32,
    "int64_t": np.int64, "int": np.int32, "bool": np.bool_, "uint32_t": np.uint32,
    "uint8_t": np.uint8,
}  # fmt: skip


class FakeCompiled:
    def __init__(self, gen: signature.GeneratedKernel) -> None:
        self.gen = gen


def _array_from(arg: Any, ctype: str, shape: tuple[int, ...], strides: tuple[int, ...]) -> Any:
    dt = np.dtype(NP[ctype.removeprefix("atomic<").removesuffix(">")])
    if isinstance(arg, memoryview):
        base = np.frombuffer(arg, dtype=dt) if arg.nbytes else np.zeros(0, dt)
        if not shape:
            return base.reshape(())
        return np.lib.stride_tricks.as_strided(
            base, shape, tuple(s * dt.itemsize for s in strides), writeable=False
        )
    # a raw address of the first element of a strided view
    assert isinstance(arg, int)
    lo = sum(min(0, (n - 1) * s) for n, s in zip(shape, strides, strict=True))
    hi = sum(max(0, (n - 1) * s) for n, s in zip(shape, strides, strict=True))
    count = hi - lo + 1
    buf = (ctypes.c_char * (count * dt.itemsize)).from_address(arg + lo * dt.itemsize)
    base = np.frombuffer(buf, dtype=dt)
    return np.lib.stride_tricks.as_strided(
        base[-lo:], shape, tuple(s * dt.itemsize for s in strides), writeable=False
    )


class FakeBackend:
    def __init__(self) -> None:
        self.compiles: list[signature.GeneratedKernel] = []
        self.launches: list[dict[str, Any]] = []

    def compile(self, gen: signature.GeneratedKernel, math_mode: str, sanitize: bool) -> Any:
        self.compiles.append(gen)
        return FakeCompiled(gen)

    def launch(self, ck: FakeCompiled, args: list[Any], grid: Any, tg: Any, st: Any) -> None:
        params = [p for p in ck.gen.params if p.kind != "attr"]
        assert len(args) == len(params)
        named = dict(zip([p.name for p in params], args, strict=True))
        kinds = {p.name: p for p in params}
        record: dict[str, Any] = {"grid": grid, "tg": tg, "settings": st, "args": named}
        self.launches.append(record)
        if ck.gen.kernel_name.startswith("custom_kernel_double"):
            inp, out = params[0].name, [p.name for p in params if p.name.startswith("out")][0]
            if inp + "_shape" in named:
                shape = tuple(int(v) for v in np.frombuffer(named[inp + "_shape"], np.int32))
                strides = tuple(int(v) for v in np.frombuffer(named[inp + "_strides"], np.int64))
            else:  # 0-d inputs get no shape parameters
                shape, strides = (), ()
            x = _array_from(named[inp], kinds[inp].ctype, shape, strides)
            o = np.frombuffer(named[out], dtype=NP[kinds[out].ctype])
            record["seen"] = x.copy()
            o[:] = (2 * x.astype(np.float64)).reshape(-1).astype(o.dtype)


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeBackend]:
    yield from swap_backend(monkeypatch, FakeBackend())


DOUBLE_SRC = "// uses inp_shape inp_strides inp_ndim thread_position_in_grid\n"


def _double(erc: bool) -> metalsim.MetalKernel:
    return metalsim.metal_kernel("double", ["inp"], ["out"], DOUBLE_SRC, ensure_row_contiguous=erc)


def _call(k: metalsim.MetalKernel, x: Any, **kw: Any) -> mx.array:
    x_arr = x if isinstance(x, mx.array) else mx.array(x)
    return k(
        inputs=[x],
        output_shapes=[x_arr.shape],
        output_dtypes=[kw.pop("dtype", mx.float32)],
        grid=(max(x_arr.size, 1), 1, 1),
        threadgroup=(32, 1, 1),
        **kw,
    )[0]


def _views() -> dict[str, mx.array]:
    a = mx.arange(24, dtype=mx.float32).reshape(4, 6)
    return {
        "contiguous": a,
        "offset": a[1:],
        "transposed": a.T,
        "sliced": a[::2, 1::2],
        "reversed": a[::-1],
        "reversed_cols": a[:, ::-1],
        "broadcast": mx.broadcast_to(mx.arange(6, dtype=mx.float32), (4, 6)),
        "zero_d": mx.array(3.0),
    }


@pytest.mark.parametrize("erc", [True, False])
@pytest.mark.parametrize("view", sorted(_views()))
def test_inputs_bound_like_mlx(fake: FakeBackend, view: str, erc: bool) -> None:
    x = _views()[view]
    out = _call(_double(erc), x)
    assert isinstance(out, mx.array) and out.shape == x.shape and out.dtype == mx.float32
    # Results match a pure-MLX reference whatever the layout.
    assert mx.array_equal(out, 2 * x)
    if x.ndim == 0:
        return
    args = fake.launches[-1]["args"]
    strides = tuple(np.frombuffer(args["inp_strides"], np.int64))
    real = tuple(s // 4 for s in memoryview(x).strides)
    row_major = tuple(int(np.prod(x.shape[i + 1 :])) for i in range(x.ndim))
    contiguous = memoryview(x).c_contiguous
    if erc and not contiguous:
        assert strides == row_major  # a row-contiguous copy was bound
        assert isinstance(args["inp"], memoryview)
    else:
        assert strides == real  # the view's own strides (0 or negative included)
    assert tuple(np.frombuffer(args["inp_shape"], np.int32)) == x.shape
    assert int(np.frombuffer(args["inp_ndim"], np.int32)[0]) == x.ndim


@pytest.mark.parametrize("dtype", [mx.float16, mx.bfloat16, mx.int32])
def test_dtypes_round_trip(fake: FakeBackend, dtype: mx.Dtype) -> None:
    x = mx.arange(10).astype(dtype)[::-1]
    k = metalsim.metal_kernel("copy", ["inp"], ["out"], "out[0] = inp[0];")
    y = k(inputs=[x], output_shapes=[(10,)], output_dtypes=[dtype], grid=(1, 1, 1),
          threadgroup=(1, 1, 1), init_value=1.5)[0]  # fmt: skip
    assert y.dtype == dtype
    bound = fake.launches[-1]["args"]["inp"]
    seen = np.frombuffer(bound, dtype=buffers.NP_DTYPES[dtype])
    want = np.asarray(x.view(mx.uint16) if dtype == mx.bfloat16 else x)
    assert np.array_equal(seen, want)  # bfloat16 travels as its raw bits
    assert mx.array_equal(y, mx.full((10,), mx.array(1.5).astype(dtype)))


def test_unwritten_outputs_hold_poison(fake: FakeBackend) -> None:
    k = metalsim.metal_kernel("noop", ["a"], ["o1", "o2", "o3"], "// nothing")
    o1, o2, o3 = k(inputs=[mx.ones(4)], output_shapes=[(3,), (2, 2), (5,)],
                   output_dtypes=[mx.float32, mx.int32, mx.bfloat16], grid=(1, 1, 1),
                   threadgroup=(1, 1, 1))  # fmt: skip
    assert mx.isnan(o1).all().item()  # 0xFFFFFFFF is a NaN
    assert (o2 == -1).all().item()
    assert (o3.view(mx.uint16) == 0xFFFF).all().item()


@pytest.mark.parametrize(
    "init, dtype", [(0, mx.float32), (2.75, mx.int32), (-1.5, mx.float16), (3.3, mx.bfloat16)]
)
def test_init_value_is_a_float_cast_to_the_dtype(
    fake: FakeBackend, init: float, dtype: mx.Dtype
) -> None:
    k = metalsim.metal_kernel("noop", ["a"], ["o"], "// nothing")
    (o,) = k(inputs=[mx.ones(4)], output_shapes=[(7,)], output_dtypes=[dtype], grid=(1, 1, 1),
             threadgroup=(1, 1, 1), init_value=init)  # fmt: skip
    assert mx.array_equal(o, mx.full((7,), mx.array(init, mx.float32).astype(dtype)))


def test_python_scalars_become_0d_buffers(fake: FakeBackend) -> None:
    k = metalsim.metal_kernel("noop", ["i", "f", "b", "big"], ["o"], "// nothing")
    k(inputs=[7, 2.5, True, 2**40], output_shapes=[(1,)], output_dtypes=[mx.float32],
      grid=(1, 1, 1), threadgroup=(1, 1, 1))  # fmt: skip
    args = fake.launches[-1]["args"]
    assert np.frombuffer(args["i"], np.int32).tolist() == [7]
    assert np.frombuffer(args["f"], np.float32).tolist() == [2.5]
    assert np.frombuffer(args["b"], np.bool_).tolist() == [True]
    assert np.frombuffer(args["big"], np.int64).tolist() == [2**40]
    kinds = {p.name: p.kind for p in fake.compiles[-1].params}
    assert kinds == {"i": "scalar", "f": "scalar", "b": "scalar", "big": "scalar", "o": "buffer"}


def test_compiles_once_per_source(fake: FakeBackend) -> None:
    k = _double(True)
    for _ in range(3):
        _call(k, mx.ones(16))
    assert len(fake.compiles) == 1
    _call(k, mx.ones(16, dtype=mx.float16))  # new dtypes: a new kernel name and source
    _call(k, mx.ones(16), dtype=mx.float16)
    assert len(fake.compiles) == 3
    _call(_double(True), mx.ones(16))  # a new kernel object with the same source: cached
    assert len(fake.compiles) == 3
    assert len(fake.launches) == 6


def test_math_mode_reaches_the_compiler(fake: FakeBackend, monkeypatch: pytest.MonkeyPatch) -> None:
    modes: list[str] = []
    real = fake.compile
    monkeypatch.setattr(
        execution, "_backend_compile", lambda g, m, s: (modes.append(m), real(g, m, s))[1]
    )
    for mode in ("safe", "fast"):
        k = metalsim.metal_kernel("double", ["inp"], ["out"], DOUBLE_SRC,
                                  compile_options={"math_mode": mode})  # fmt: skip
        _call(k, mx.ones(8))
    assert modes == ["safe", "fast"]


def test_settings_reach_the_runtime(fake: FakeBackend) -> None:
    with metalsim.settings(schedule="random", seed=5, strict_barriers=True):
        _call(_double(True), mx.ones(8))
    st = fake.launches[-1]["settings"]
    assert (st.schedule, st.seed, st.strict_barriers) == ("random", 5, True)
    _call(_double(True), mx.ones(8))
    assert fake.launches[-1]["settings"].schedule == "forward"


def test_threadgroup_limit(fake: FakeBackend) -> None:
    with pytest.raises(ValueError) as e:
        _double(True)(inputs=[mx.ones(8)], output_shapes=[(8,)], output_dtypes=[mx.float32],
                      grid=(8, 1, 1), threadgroup=(32, 33, 1))  # fmt: skip
    assert str(e.value) == (
        "Thread group size (1056) is greater than  the maximum allowed threads per threadgroup "
        "(1024)."
    )
    assert not fake.launches


def test_verbose_prints_mlx_text(fake: FakeBackend, capsys: pytest.CaptureFixture[str]) -> None:
    k = _double(True)
    _call(k, mx.ones(8), verbose=True)
    gen = fake.compiles[-1]
    assert capsys.readouterr().out == signature.verbose_text("double", gen.source)


def _msg(kind: str) -> str:
    # MLX's Primitive::vjp/jvp text for a primitive without the transform.
    return rf"^\[Primitive::{kind}\] Not implemented for CustomKernel\.$"


def test_grad_through_kernel_raises_like_mlx(fake: FakeBackend) -> None:
    k = _double(True)
    with pytest.raises(ValueError, match=_msg("vjp")):
        mx.grad(lambda x: _call(k, x).sum())(mx.ones(8))
    with pytest.raises(ValueError, match=_msg("jvp")):
        mx.jvp(lambda x: _call(k, x), [mx.ones(8)], [mx.ones(8)])


def test_user_custom_function_vjp_works(fake: FakeBackend) -> None:
    k = _double(True)

    @mx.custom_function
    def f(x: mx.array) -> mx.array:
        return _call(k, x)

    @f.vjp
    def f_vjp(primals: Any, cotangent: mx.array, output: mx.array) -> Any:
        # The forward kernel used inside a VJP, as the docs' grid_sample does.
        return (_call(k, cotangent),)

    x = mx.arange(8, dtype=mx.float32)
    value, grad = mx.value_and_grad(lambda x: (f(x * 3) * x).sum())(x)
    # d/dx sum(2*(3x)*x) = 12 x; reference computed with plain MLX.
    ref_value, ref_grad = mx.value_and_grad(lambda x: (2 * (x * 3) * x).sum())(x)
    assert mx.allclose(value, ref_value) and mx.allclose(grad, ref_grad)


def test_compile_and_vmap_fail_clearly(fake: FakeBackend) -> None:
    k = _double(True)
    with pytest.raises(ValueError, match="cannot run inside mx.compile or mx.vmap"):
        mx.compile(lambda x: _call(k, x))(mx.ones(8))
    with pytest.raises(ValueError, match="cannot run inside mx.compile or mx.vmap"):
        mx.vmap(lambda x: _call(k, x))(mx.ones((2, 8)))


def test_zero_grid_runs_nothing(fake: FakeBackend) -> None:
    k = _double(True)
    (o,) = k(inputs=[mx.ones(4)], output_shapes=[(4,)], output_dtypes=[mx.float32],
             grid=(0, 1, 1), threadgroup=(4, 1, 1), init_value=5)  # fmt: skip
    assert not fake.launches and mx.array_equal(o, mx.full((4,), 5.0))


def test_export_function_records_mlx_kernel(fake: FakeBackend, tmp_path: Any) -> None:
    """Under mx.export_function metalsim hands the call to MLX, which records its CustomKernel."""
    k = _double(True)
    path = str(tmp_path / "f.mlxfn")
    mx.export_function(path, lambda x: _call(k, x), mx.ones(8))
    assert not fake.launches  # nothing ran: the graph holds MLX's own kernel
    if not metalsim.metal_available():
        # As with MLX alone on a CPU-only build: the recorded kernel wants a GPU stream.
        with pytest.raises(ValueError, match="gpu stream"):
            mx.eval(mx.import_function(path)(mx.ones(8)))
