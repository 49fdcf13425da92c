"""Metal kernel patterns: check a kernel against its pure-MLX reference.

Tolerances depend on the dtype, and the sizes are chosen to hit the awkward cases: a single
element, sizes just below and above a power of two, and a tail that leaves the last
threadgroup and the last thread partly empty.
"""

# --8<-- [start:check]
import mlx.core as mx

from metal_guide.kernel_patterns.swiglu import swiglu, swiglu_reference

# (rtol, atol) per dtype. Both sides compute in float32 and round once. Metal's exp
# is not correctly rounded (MSL spec, Table 8.1), so for |gate| near 20 the float32
# results can differ by tens of ulp (~5e-6 relative); 16-bit outputs by one ulp.
TOLERANCES = {
    mx.float32: (1e-5, 1e-6),
    mx.float16: (1e-3, 1e-3),
    mx.bfloat16: (1e-2, 1e-2),
}
# With 4 elements per thread: 1 element; 31 and 33; 127/129 elements = 32/33 threads,
# either side of a SIMD group; 1000; two full threadgroups of 256 threads plus one
# thread with 3 elements; and a 2-D input.
AWKWARD_SHAPES = [
    (1,),
    (31,),
    (33,),
    (127,),
    (129,),
    (1000,),
    (4 * 256 * 2 + 3,),
    (37, 29),
]


def check_swiglu(dtype: mx.Dtype, shape: tuple[int, ...]) -> None:
    """Raise AssertionError if swiglu and its reference disagree here."""
    gate = (4 * mx.random.normal(shape)).astype(
        dtype
    )  # wide enough to reach exp's tails
    up = mx.random.normal(shape).astype(dtype)
    result = swiglu(gate, up)
    expected = swiglu_reference(gate, up)
    rtol, atol = TOLERANCES[dtype]
    if result.shape != expected.shape or result.dtype != expected.dtype:
        raise AssertionError(
            f"{dtype} {shape}: got {result.dtype} {result.shape}, "
            f"expected {expected.dtype} {expected.shape}"
        )
    if not mx.allclose(result, expected, rtol=rtol, atol=atol):
        worst = (
            mx.abs(result.astype(mx.float32) - expected.astype(mx.float32)).max().item()
        )
        raise AssertionError(f"{dtype} {shape}: max abs error {worst:g}")


# --8<-- [end:check]


if __name__ == "__main__":
    # --8<-- [start:run]
    mx.random.seed(0)
    for dtype in TOLERANCES:
        for shape in AWKWARD_SHAPES:
            check_swiglu(dtype, shape)
    print(
        "swiglu matches the reference for",
        len(TOLERANCES) * len(AWKWARD_SHAPES),
        "cases",
    )
    # --8<-- [end:run]
