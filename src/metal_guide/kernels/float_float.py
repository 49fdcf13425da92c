"""Float-float ("double-word") arithmetic: a pair of float32 values (hi, lo) with hi = RN(hi + lo).

A pair carries about 48 significand bits (unit roundoff u^2 = 2^-48, about 3.6e-15, i.e. about
14 decimal digits) with float32's exponent range: it overflows near 3.4e38 like float32, and the
low word loses bits once |hi| drops below about 2^-102. It is *not* IEEE binary64 (53 bits) and
not the "30 digits" of double-double built from two float64 values.

`FLOAT_FLOAT_HEADER` is a Metal header string of inline helpers that any kernel can prepend to
its own `header`. Each helper is one of the algorithms analysed by Joldes, Muller and Popescu,
"Tight and rigorous error bounds for basic building blocks of double-word arithmetic", ACM TOMS
44(2), 2017 (JMP17), with the bounds machine-checked and partly improved by Muller and Rideau,
ACM TOMS 48(1), 2022 (MR22); `ERROR_BOUNDS` lists them in units of u^2 = 2^-48.

`ff_sum(x)` and `ff_dot(x, y)` reduce the last axis into a (hi, lo) pair of float32 arrays.
"""

from __future__ import annotations

from fractions import Fraction

# isort: split
# --8<-- [start:header]
import functools
from collections.abc import Callable

import mlx.core as mx

# Every helper starts with `#pragma METAL fp math_mode(safe)`: the error-free
# transformations rely on each operation being rounded exactly as written, which fast
# and relaxed math (which may reassociate (a + b) - a into b) would break. One operation
# per statement, so that even FP contraction (allowed in safe mode within a statement)
# cannot fuse anything. Division and sqrt use metal::precise:: because the proofs assume
# correctly rounded results, which the fast variants (x/y within 2.5 ulp, sqrt as x *
# rsqrt(x): MSL Table 8.2) do not give.
FLOAT_FLOAT_HEADER = """
// A float-float number: value = hi + lo, |lo| <= ulp(hi) / 2.
struct ff_t {
    float hi;
    float lo;
};

// Fast2Sum (Dekker): s + t == a + b exactly, provided exponent(a) >= exponent(b).
inline ff_t ff_fast_two_sum(float a, float b) {
    #pragma METAL fp math_mode(safe)
    float s = a + b;
    float z = s - a;
    float t = b - z;
    return ff_t{s, t};
}

// 2Sum (Knuth, Moller): s + t == a + b exactly, for any a and b (barring overflow).
inline ff_t ff_two_sum(float a, float b) {
    #pragma METAL fp math_mode(safe)
    float s = a + b;
    float a1 = s - b;
    float b1 = s - a1;
    float da = a - a1;
    float db = b - b1;
    float t = da + db;
    return ff_t{s, t};
}

// TwoProd with an FMA: p + e == a * b exactly, unless the product underflows.
inline ff_t ff_two_prod(float a, float b) {
    #pragma METAL fp math_mode(safe)
    float p = a * b;
    float e = metal::fma(a, b, -p);
    return ff_t{p, e};
}

// DWPlusFP (JMP17 Alg. 4): relative error <= 2u^2.
inline ff_t ff_add_f(ff_t x, float y) {
    #pragma METAL fp math_mode(safe)
    ff_t s = ff_two_sum(x.hi, y);
    float v = x.lo + s.lo;
    return ff_fast_two_sum(s.hi, v);
}

// AccurateDWPlusDW (JMP17 Alg. 6): relative error <= 3u^2 / (1 - 4u).
inline ff_t ff_add(ff_t x, ff_t y) {
    #pragma METAL fp math_mode(safe)
    ff_t s = ff_two_sum(x.hi, y.hi);
    ff_t t = ff_two_sum(x.lo, y.lo);
    float c = s.lo + t.hi;
    ff_t v = ff_fast_two_sum(s.hi, c);
    float w = t.lo + v.lo;
    return ff_fast_two_sum(v.hi, w);
}

// DWTimesFP3 (JMP17 Alg. 9): relative error <= 2u^2.
inline ff_t ff_mul_f(ff_t x, float y) {
    #pragma METAL fp math_mode(safe)
    ff_t c = ff_two_prod(x.hi, y);
    float cl3 = metal::fma(x.lo, y, c.lo);
    return ff_fast_two_sum(c.hi, cl3);
}

// DWTimesDW3 (JMP17 Alg. 12): relative error <= 4u^2 (MR22).
inline ff_t ff_mul(ff_t x, ff_t y) {
    #pragma METAL fp math_mode(safe)
    ff_t c = ff_two_prod(x.hi, y.hi);
    float tl0 = x.lo * y.lo;
    float tl1 = metal::fma(x.hi, y.lo, tl0);
    float cl2 = metal::fma(x.lo, y.hi, tl1);
    float cl3 = c.lo + cl2;
    return ff_fast_two_sum(c.hi, cl3);
}

// DWDivDW3 (JMP17, section 7): 1/y by one Newton step in float-float, then x * (1/y).
// Relative error <= 9.8u^2.
inline ff_t ff_div(ff_t x, ff_t y) {
    #pragma METAL fp math_mode(safe)
    float th = metal::precise::divide(1.0f, y.hi);
    float rh = metal::fma(-y.hi, th, 1.0f);
    float rl = -(y.lo * th);
    ff_t e = ff_fast_two_sum(rh, rl);
    ff_t d = ff_mul_f(e, th);
    ff_t m = ff_add_f(d, th);
    return ff_mul(x, m);
}

// SQRTDWtoDW (Lefevre, Louvet, Muller, Picot, Rideau 2023): relative error <= 25/8 u^2.
// x must be >= 0; sqrt(0) is 0.
inline ff_t ff_sqrt(ff_t x) {
    #pragma METAL fp math_mode(safe)
    if (x.hi <= 0.0f) {
        return ff_t{metal::precise::sqrt(x.hi), 0.0f};
    }
    float sh = metal::precise::sqrt(x.hi);
    float rho1 = metal::fma(-sh, sh, x.hi);
    float rho2 = x.lo + rho1;
    float twice = 2.0f * sh;
    float sl = metal::precise::divide(rho2, twice);
    return ff_fast_two_sum(sh, sl);
}

// Compensated steps for reductions: acc + y, and acc + a * b (the product kept
// exactly).
inline ff_t ff_accumulate(ff_t acc, float y) {
    return ff_add_f(acc, y);
}

inline ff_t ff_accumulate_product(ff_t acc, float a, float b) {
    return ff_add(acc, ff_two_prod(a, b));
}
"""
# --8<-- [end:header]

# u = 2^-24 is float32's unit roundoff; a pair's operations have errors of a few u^2.
U = Fraction(1, 2**24)

# Proven relative error bounds, as multiples of u^2 (exact fractions; u = 2^-24).
ERROR_BOUNDS: dict[str, Fraction] = {
    # DWPlusFP, JMP17 Alg. 4: 2u^2.
    "add_f": Fraction(2),
    # AccurateDWPlusDW, JMP17 Alg. 6: 3u^2 / (1 - 4u).
    "add": 3 / (1 - 4 * U),
    # DWTimesFP3 (FMA), JMP17 Alg. 9: 2u^2.
    "mul_f": Fraction(2),
    # DWTimesDW3 (FMA), JMP17 Alg. 12: 5u^2 there, < 4u^2 in MR22.
    "mul": Fraction(4),
    # DWDivDW3 (reciprocal, then DWTimesDW3), JMP17 section 7: 9.8u^2.
    "div": Fraction(98, 10),
    # SQRTDWtoDW, Lefevre, Louvet, Muller, Picot, Rideau, ACM TOMS 49(1), 2023: 25/8 u^2.
    "sqrt": Fraction(25, 8),
}


THREADGROUP_SIZE = 256

# --8<-- [start:reduce-source]
# One threadgroup per row. Each thread accumulates a strided part of the row in
# float-float, then the threadgroup adds the partial pairs in a tree in threadgroup
# memory.
FF_REDUCE_SOURCE = """
    uint row = threadgroup_position_in_grid.y;
    uint tid = thread_position_in_threadgroup.x;
    uint tg = threads_per_threadgroup.x;
    uint n = length;
    ff_t acc = ff_t{0.0f, 0.0f};
    for (uint i = tid; i < n; i += tg) {
        uint k = row * n + i;
        ACCUMULATE_TERM;
    }
    threadgroup float part_hi[TG];
    threadgroup float part_lo[TG];
    part_hi[tid] = acc.hi;
    part_lo[tid] = acc.lo;
    threadgroup_barrier(mem_flags::mem_threadgroup);
    for (uint stride = TG / 2; stride > 0; stride /= 2) {
        if (tid < stride) {
            ff_t a = ff_t{part_hi[tid], part_lo[tid]};
            ff_t b = ff_t{part_hi[tid + stride], part_lo[tid + stride]};
            ff_t s = ff_add(a, b);
            part_hi[tid] = s.hi;
            part_lo[tid] = s.lo;
        }
        threadgroup_barrier(mem_flags::mem_threadgroup);
    }
    if (tid == 0) {
        hi[row] = part_hi[0];
        lo[row] = part_lo[0];
    }
"""


# The statement that replaces ACCUMULATE_TERM in each variant.
FF_SUM_TERM = "acc = ff_accumulate(acc, float(x[k]))"
FF_DOT_TERM = "acc = ff_accumulate_product(acc, float(x[k]), float(y[k]))"


@functools.cache
def ff_reduce_kernel(dot: bool) -> Callable[..., list[mx.array]]:
    """The row-wise float-float sum, or dot product if `dot`; built once each."""
    inputs = ["x", "y", "length"] if dot else ["x", "length"]
    return mx.fast.metal_kernel(
        name="kernels_ff_dot" if dot else "kernels_ff_sum",
        input_names=inputs,
        output_names=["hi", "lo"],
        header=FLOAT_FLOAT_HEADER,
        source=FF_REDUCE_SOURCE.replace(
            "ACCUMULATE_TERM", FF_DOT_TERM if dot else FF_SUM_TERM
        ),
    )
# --8<-- [end:reduce-source]


# Every operation of the header, elementwise, in one launch: row r of `out` holds
# (hi, lo) of OPS[r] applied to x = (xh[i], xl[i]) and y = (yh[i], yl[i]). The
# error-free transformations take the high words only.
OPS = (
    "two_sum", "fast_two_sum", "two_prod", "add_f", "add", "mul_f", "mul", "div", "sqrt",
)
FF_OPS_SOURCE = """
    uint i = thread_position_in_grid.x;
    uint n = length;
    if (i >= n) {
        return;
    }
    ff_t x = ff_t{xh[i], xl[i]};
    ff_t y = ff_t{yh[i], yl[i]};
    ff_t r[9] = {
        ff_two_sum(x.hi, y.hi),
        ff_fast_two_sum(x.hi, y.hi),
        ff_two_prod(x.hi, y.hi),
        ff_add_f(x, y.hi),
        ff_add(x, y),
        ff_mul_f(x, y.hi),
        ff_mul(x, y),
        ff_div(x, y),
        ff_sqrt(x),
    };
    for (uint k = 0; k < 9; ++k) {
        out[(2 * k) * n + i] = r[k].hi;
        out[(2 * k + 1) * n + i] = r[k].lo;
    }
"""


@functools.cache
def ff_ops_kernel() -> Callable[..., list[mx.array]]:
    """All float-float operations elementwise, for tests and error measurements."""
    return mx.fast.metal_kernel(
        name="kernels_ff_ops",
        input_names=["xh", "xl", "yh", "yl", "length"],
        output_names=["out"],
        header=FLOAT_FLOAT_HEADER,
        source=FF_OPS_SOURCE,
    )


def ff_ops(
    x: tuple[mx.array, mx.array], y: tuple[mx.array, mx.array]
) -> dict[str, tuple[mx.array, mx.array]]:
    """Apply every operation in OPS to float-float pairs x and y (1-D float32 arrays)."""
    arrays = [*x, *y]
    names = ("x hi", "x lo", "y hi", "y lo")
    n = arrays[0].size
    for name, a in zip(names, arrays, strict=True):
        if not isinstance(a, mx.array) or a.dtype != mx.float32 or a.ndim != 1:
            raise TypeError(f"ff_ops: {name} must be a 1-D float32 mx.array")
        if a.size != n:
            raise ValueError(f"ff_ops: {name} has {a.size} elements, expected {n}")
    if n == 0:
        raise ValueError("ff_ops: empty inputs")
    (out,) = ff_ops_kernel()(
        inputs=[*arrays, mx.array(n, dtype=mx.uint32)],
        grid=(n, 1, 1),
        threadgroup=(min(n, 256), 1, 1),
        output_shapes=[(2 * len(OPS), n)],
        output_dtypes=[mx.float32],
    )
    return {op: (out[2 * k], out[2 * k + 1]) for k, op in enumerate(OPS)}


FLOAT_DTYPES = (mx.float32, mx.float16, mx.bfloat16)
MAX_LENGTH = 2**31 - 1
MAX_ELEMENTS = 2**32 - 1


def _check(name: str, x: object) -> mx.array:
    if not isinstance(x, mx.array):
        raise TypeError(f"{name}: expected an mx.array, got {type(x).__name__}")
    if x.dtype not in FLOAT_DTYPES:
        raise TypeError(
            f"{name} has dtype {x.dtype}; expected float32, float16 or bfloat16"
        )
    if x.ndim == 0:
        raise ValueError(f"{name} is 0-d; expected at least one axis to reduce")
    if x.shape[-1] > MAX_LENGTH:
        raise ValueError(f"{name}: last axis {x.shape[-1]} is longer than {MAX_LENGTH}")
    if x.size > MAX_ELEMENTS:
        # The kernels index with 32-bit unsigned integers.
        raise ValueError(f"{name}: {x.size} elements is more than {MAX_ELEMENTS}; split it")
    return x


def _launch(dot: bool, arrays: list[mx.array]) -> tuple[mx.array, mx.array]:
    x = arrays[0]
    batch = x.shape[:-1]
    n = x.shape[-1]
    rows = 1
    for d in batch:
        rows *= d
    if rows == 0:
        empty = mx.zeros(batch, dtype=mx.float32)
        return empty, empty
    if n == 0:
        zero = mx.zeros(batch, dtype=mx.float32)
        return zero, zero
    flat = [a.reshape(rows, n) for a in arrays]
    hi, lo = ff_reduce_kernel(dot)(
        inputs=[*flat, mx.array(n, dtype=mx.uint32)],
        template=[("TG", THREADGROUP_SIZE)],
        grid=(THREADGROUP_SIZE, rows, 1),
        threadgroup=(THREADGROUP_SIZE, 1, 1),
        output_shapes=[(rows,), (rows,)],
        output_dtypes=[mx.float32, mx.float32],
    )
    return hi.reshape(batch), lo.reshape(batch)


def ff_sum(x: mx.array) -> tuple[mx.array, mx.array]:
    """Sum over the last axis in float-float: returns (hi, lo), float32, with hi = RN(hi + lo).

    Float16 and bfloat16 inputs are converted exactly to float32 first. The error of hi + lo is
    at most gamma_{n-1}(3u^2/(1-4u)) * sum(|x|) (see `sum_error_bound`), for any order.
    """
    _check("ff_sum: x", x)
    return _launch(False, [x])


def ff_dot(x: mx.array, y: mx.array) -> tuple[mx.array, mx.array]:
    """Dot product over the last axis in float-float: returns (hi, lo) float32 arrays.

    Each product is split exactly with TwoProd (no underflow assumed), then the pairs are
    summed as in `ff_sum`.
    """
    _check("ff_dot: x", x)
    _check("ff_dot: y", y)
    if x.shape != y.shape:
        raise ValueError(f"ff_dot: shapes differ: x {x.shape}, y {y.shape}")
    if x.dtype != y.dtype:
        raise TypeError(f"ff_dot: dtypes differ: x is {x.dtype}, y is {y.dtype}")
    return _launch(True, [x, y])


def sum_error_bound(n: int, abs_sum: Fraction) -> Fraction:
    """Bound on |hi + lo - exact| for a sum of n terms with sum(|terms|) == abs_sum.

    Every addition of the reduction is a float-float addition with relative error at most
    u' = 3u^2/(1-4u) (JMP17 Alg. 6), whatever the order, so the standard summation analysis
    (Higham, Accuracy and Stability of Numerical Algorithms, 2nd ed., section 4.2) gives
    gamma_{n-1} = (n-1)u' / (1 - (n-1)u') times sum(|terms|).
    """
    u_dw = ERROR_BOUNDS["add"] * U * U
    k = max(n - 1, 0)
    return k * u_dw / (1 - k * u_dw) * abs_sum


def _split_pair(total: mx.array) -> tuple[mx.array, mx.array]:
    hi = total.astype(mx.float32)
    lo = (total - hi.astype(mx.float64)).astype(mx.float32)
    return hi, lo


def ff_sum_reference(x: mx.array) -> tuple[mx.array, mx.array]:
    """The same (hi, lo) pair from a float64 sum in plain MLX on the CPU stream.

    Float64 (u = 2^-53) is more accurate than float-float, so this is a fair oracle; MLX has
    float64 only on the CPU.
    """
    with mx.stream(mx.cpu):
        return _split_pair(mx.sum(x.astype(mx.float64), axis=-1))


def ff_dot_reference(x: mx.array, y: mx.array) -> tuple[mx.array, mx.array]:
    """The dot product over the last axis as a (hi, lo) pair, from float64 on the CPU stream.

    Float32 products are exact in float64, so only the float64 sum rounds.
    """
    with mx.stream(mx.cpu):
        prod = x.astype(mx.float64) * y.astype(mx.float64)
        return _split_pair(mx.sum(prod, axis=-1))
