"""Address spaces: a fixed 9-tap filter read from `device` memory, then from `constant`.

MLX places an input with 8 or more elements in `device` memory (fewer: `constant`). Filter
taps that never change can live in the header as a program-scope `constant` array instead.
"""

# --8<-- [start:kernels]
import functools
from collections.abc import Callable

import mlx.core as mx

from metal_guide.wwdc16_optimization.validation import check_float_array

# The binomial filter 1 8 28 56 70 56 28 8 1, divided by 256.
TAPS = [1.0, 8.0, 28.0, 56.0, 70.0, 56.0, 28.0, 8.0, 1.0]

# Before: the taps are a 9-element input, so MLX declares them `const device float*`.
TAPS_FROM_DEVICE = """
    int i = int(thread_position_in_grid.x);
    int n = int(x_shape[0]);
    float acc = 0.0f;
    for (int k = 0; k < 9; ++k) {
        int j = metal::clamp(i + k - 4, 0, n - 1);
        acc = metal::fma(taps[k], float(x[j]), acc);
    }
    out[i] = T(acc / 256.0f);
"""

# After: the same taps as a program-scope `constant` array in the header: known
# at compile time, read by every thread, the case the constant space is made for.
TAPS_HEADER = """
constant float TAPS[9] = {1.0f, 8.0f, 28.0f, 56.0f, 70.0f, 56.0f, 28.0f, 8.0f, 1.0f};
"""
TAPS_FROM_CONSTANT = """
    int i = int(thread_position_in_grid.x);
    int n = int(x_shape[0]);
    float acc = 0.0f;
    for (int k = 0; k < 9; ++k) {
        int j = metal::clamp(i + k - 4, 0, n - 1);
        acc = metal::fma(TAPS[k], float(x[j]), acc);
    }
    out[i] = T(acc / 256.0f);
"""


@functools.cache
def blur_device_kernel() -> Callable[..., list[mx.array]]:
    return mx.fast.metal_kernel(
        name="wwdc16_blur_device", input_names=["x", "taps"], output_names=["out"],
        source=TAPS_FROM_DEVICE,
    )


@functools.cache
def blur_constant_kernel() -> Callable[..., list[mx.array]]:
    return mx.fast.metal_kernel(
        name="wwdc16_blur_constant", input_names=["x"], output_names=["out"],
        source=TAPS_FROM_CONSTANT, header=TAPS_HEADER,
    )


def _launch(kernel: Callable[..., list[mx.array]], inputs: list[mx.array]) -> mx.array:
    x = inputs[0]
    return kernel(
        inputs=inputs, template=[("T", x.dtype)], grid=(x.size, 1, 1),
        threadgroup=(256, 1, 1), output_shapes=[x.shape], output_dtypes=[x.dtype],
    )[0]


def blur_taps_in_device(x: mx.array) -> mx.array:
    check_float_array("blur_taps_in_device", "x", x, ndim=1, max_elements=2**31 - 1)
    return _launch(blur_device_kernel(), [x, mx.array(TAPS, dtype=mx.float32)])


def blur_taps_in_constant(x: mx.array) -> mx.array:
    check_float_array("blur_taps_in_constant", "x", x, ndim=1, max_elements=2**31 - 1)
    return _launch(blur_constant_kernel(), [x])
# --8<-- [end:kernels]


# --8<-- [start:reference]
def blur_reference(x: mx.array) -> mx.array:
    """The 9-tap binomial filter with edge clamping, in float32."""
    v = x.astype(mx.float32)
    n = v.shape[0]
    idx = mx.clip(mx.arange(n)[:, None] + mx.arange(-4, 5)[None, :], 0, n - 1)
    taps = mx.array(TAPS, dtype=mx.float32) / 256.0
    return (v[idx] * taps).sum(axis=1).astype(x.dtype)
# --8<-- [end:reference]
