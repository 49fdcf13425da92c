"""Every before/after pair of the page computes what its pure-MLX reference computes."""

from __future__ import annotations

import mlx.core as mx
import pytest

from metal_guide.kernels.testing import AWKWARD_LENGTHS, FLOAT_DTYPES, assert_matches_reference
from metal_guide.wwdc16_optimization.pairs import PAIRS, Pair

# The horner pair's tolerance: a fused and an unfused multiply-add differ in the last bit.
_HALVES = ("before", "after")


@pytest.mark.metal
@pytest.mark.parametrize("n", AWKWARD_LENGTHS)
@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=str)
@pytest.mark.parametrize("half", _HALVES)
@pytest.mark.parametrize("pair", PAIRS, ids=lambda p: p.name)
def test_pair_matches_reference(pair: Pair, half: str, dtype: mx.Dtype, n: int) -> None:
    mx.random.seed(n)
    inputs = pair.make_inputs(n, dtype)
    kernel = pair.before if half == "before" else pair.after
    result = kernel(*inputs)
    expected = pair.reference(*inputs)
    if pair.exact:
        assert mx.array_equal(result, expected), (result, expected)
    else:
        # Row sums add up to `cols` values: allow the float32 ordering difference to grow.
        rtol = 1e-4 if dtype == mx.float32 else None
        assert_matches_reference(result, expected, rtol=rtol, atol=rtol,
                                 what=f"{pair.name} ({half})")


def test_pairs_cover_distinct_sections() -> None:
    assert len({p.name for p in PAIRS}) == len(PAIRS)
