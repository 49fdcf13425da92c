"""The MLX layer's launch arguments through the REAL runtime (launch.py + libmetalsim_rt).

The compiler is replaced by a hand-written C++ entry that follows the ABI of ARCHITECTURE.md
(``void entry(void *const *args, const metalsim_thread_attrs *attrs)``), so this checks what
metalsim.execution hands to ``launch.launch`` (pointers, real strides, scalars, outputs)
independently of the language layer.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mlx.core as mx
import pytest

import metalsim
from metalsim import execution as K

RUNTIME_DIR = Path(K.__file__).resolve().parent / "runtime"

# out[i] = 2 * inp[elem_to_loc(i)] + bias, for float inputs; one thread per element.
ENTRY = r"""
#include <stdint.h>
#include "metalsim_rt.h"
extern "C" void ms_test_entry(void *const *args, const metalsim_thread_attrs *at) {
  const float *inp = (const float *)args[0];
  const int *shape = (const int *)args[1];
  const int64_t *strides = (const int64_t *)args[2];
  int ndim = *(const int *)args[3];
  float bias = *(const float *)args[4];
  float *out = (float *)args[5];
  uint32_t i = at->thread_position_in_grid.x;
  int64_t loc = 0;
  uint32_t e = i;
  for (int d = ndim - 1; d >= 0; --d) {
    loc += (int64_t)(e % (uint32_t)shape[d]) * strides[d];
    e /= (uint32_t)shape[d];
  }
  out[i] = 2.0f * inp[loc] + bias;
}
"""
SOURCE = "// inp_shape inp_strides inp_ndim thread_position_in_grid"


@dataclass(frozen=True)
class HandCompiled:
    path: Path
    entry_symbol: str
    uses_sync: bool = False


@pytest.fixture(scope="module")
def entry_so(tmp_path_factory: pytest.TempPathFactory) -> HandCompiled:
    from metalsim import toolchain

    try:
        tc = toolchain.find_toolchain()
    except Exception as e:  # noqa: BLE001
        pytest.skip(f"no toolchain: {e}")
    d = tmp_path_factory.mktemp("entry")
    src = d / "entry.cpp"
    src.write_text(ENTRY)
    so = d / "entry.so"
    proc = subprocess.run(
        [*tc.cxx, "-std=c++17", "-O1", "-fPIC", "-shared", "-I", str(RUNTIME_DIR), str(src),
         "-o", str(so)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return HandCompiled(so, "ms_test_entry")


@pytest.fixture
def hand_compiler(monkeypatch: pytest.MonkeyPatch, entry_so: HandCompiled) -> None:
    monkeypatch.setattr(K, "_backend_compile", lambda gen, mode, san: entry_so)
    K.clear_cache()
    yield
    K.clear_cache()


def _views() -> dict[str, mx.array]:
    a = mx.random.normal((5, 7), key=mx.random.key(0))
    return {
        "contiguous": a,
        "offset": a[2:],
        "transposed": a.T,
        "reversed": a[::-1, ::-2],
        "broadcast": mx.broadcast_to(a[1:2], (4, 7)),
        "one_element": a[1:2, 3:4],
    }


@pytest.mark.parametrize("erc", [True, False])
@pytest.mark.parametrize("view", sorted(_views()))
def test_real_launch_sees_what_mlx_binds(hand_compiler: Any, view: str, erc: bool) -> None:
    x = _views()[view]
    k = metalsim.metal_kernel("strided", ["inp", "bias"], ["out"], SOURCE,
                              ensure_row_contiguous=erc)  # fmt: skip
    (y,) = k(inputs=[x, 0.5], output_shapes=[x.shape], output_dtypes=[mx.float32],
             grid=(x.size, 1, 1), threadgroup=(8, 1, 1))  # fmt: skip
    assert mx.array_equal(y, 2 * x + 0.5), (view, erc)
