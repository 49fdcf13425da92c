"""Each MLX pitfall: the broken form misbehaves as the page says, the fixed form works."""

from __future__ import annotations

import copy

import mlx.core as mx
import numpy as np
import pytest


def test_timing_without_eval_measures_graph_building() -> None:
    from metal_guide.common_pitfalls.timing_pitfall import broken, fixed

    a = mx.random.normal((512, 512), key=mx.random.key(0))
    fixed(a, a)  # warm-up
    lazy = min(broken(a, a) for _ in range(3))
    real = min(fixed(a, a) for _ in range(3))
    assert real > 20 * lazy, (lazy, real)


def test_default_device_is_not_a_context_manager() -> None:
    from metal_guide.common_pitfalls.default_device_pitfall import broken, fixed

    with pytest.raises(TypeError) as err:
        broken()
    assert str(err.value).startswith("default_device(): incompatible function arguments.")
    assert mx.array_equal(fixed(), mx.full((3,), 2.0))
    assert mx.default_device() == mx.Device(mx.cpu)  # restored (the only device here)


def test_stream_from_another_thread() -> None:
    from metal_guide.common_pitfalls.thread_stream_pitfall import broken, fixed

    x = mx.ones(3)
    mx.eval(x)
    with pytest.raises(RuntimeError, match=r"^There is no Stream\(cpu, \d+\) in current thread\.$"):
        broken(x)
    assert mx.array_equal(fixed(x), mx.full((3,), 2.0))


def test_numpy_view_writes_into_mlx_array() -> None:
    from metal_guide.common_pitfalls.numpy_views_pitfall import broken, fixed

    x = mx.arange(4, dtype=mx.float32)
    assert fixed(x).tolist() == [-1.0, 1.0, 2.0, 3.0]
    assert x.tolist() == [0.0, 1.0, 2.0, 3.0]
    broken(x)
    assert x.tolist() == [-1.0, 1.0, 2.0, 3.0]


def _address(a: mx.array) -> int:
    mx.eval(a)
    return np.array(a, copy=False).ctypes.data


def test_what_shares_a_buffer() -> None:
    """CO-2: `copy.copy(x)` shares x's buffer; `mx.array(x)` does not (checked on 0.32.4)."""
    x = mx.arange(4, dtype=mx.float32)
    assert _address(copy.copy(x)) == _address(x)
    assert _address(mx.array(x)) != _address(x)
    assert _address(np.array(x)) != _address(x)  # type: ignore[arg-type]


def test_column_minus_row_broadcasts_to_a_matrix() -> None:
    from metal_guide.common_pitfalls.broadcasting_pitfall import broken, fixed

    pred = mx.array([[1.0], [2.0], [3.0]])
    target = mx.array([1.0, 2.0, 3.0])
    assert (pred - target).shape == (3, 3)
    assert broken(pred, target).item() == pytest.approx(12 / 9)  # not 0
    assert fixed(pred, target).item() == 0.0
    with pytest.raises(AssertionError):
        fixed(mx.ones((4, 1)), target)


def test_reused_key_repeats_the_numbers() -> None:
    from metal_guide.common_pitfalls.rng_key_pitfall import broken, fixed

    assert mx.array_equal(*broken(0))
    assert not mx.array_equal(*fixed(0))


def test_where_gradient_is_nan_unless_the_input_is_made_safe() -> None:
    from metal_guide.common_pitfalls.where_grad_pitfall import broken, fixed

    x = mx.array([-1.0, 4.0])
    assert broken(x).item() == fixed(x).item() == 2.0  # same values...
    g = mx.grad(broken)(x)
    assert mx.isnan(g[0]).item() and g[1].item() == 0.25  # ...different gradients
    assert mx.grad(fixed)(x).tolist() == [0.0, 0.25]
