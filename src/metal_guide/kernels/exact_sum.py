"""Reproducible, correctly rounded float32 sums and dot products with fixed-point integer limbs.

Every finite float32 is an integer multiple of 2^-149 (the smallest subnormal), and every
product of two float32 values is a multiple of 2^-298. So each term is converted *exactly* into
a wide fixed-point integer, and integers add associatively: the result cannot depend on the
order of the additions, the threadgroup size or the thread schedule. One rounding at the end
gives the correctly rounded (round-to-nearest-even) float32 of the exact sum.

Limb layout (`SUM_LIMBS`, `DOT_LIMBS`): limb k holds bits 16k .. 16k+15 of the fixed-point
value, stored in a signed 32-bit integer while threads and threadgroups accumulate (16 bits of
headroom for carries and sign), and in 64-bit integers in the final pass, which propagates
carries and rounds.

- sum: value = N * 2^-149. A float32 term spans bits 0..276; 20 limbs (320 bits) hold sums of
  up to 2^43 terms of any size.
- dot: value = N * 2^-298. A product spans bits 0..553; 37 limbs (592 bits) hold 2^38 terms.

Three more integer slots count NaN, +inf and -inf terms, so that non-finite inputs give the IEEE
result (NaN, or an infinity). A finite exact sum beyond float32's range rounds to +-inf, and an
exact zero is returned as +0.0.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import mlx.core as mx

SUM_LIMBS = 20
DOT_LIMBS = 37
LIMB_BITS = 16
# NaN, +inf and -inf counters after the limbs.
SPECIAL_SLOTS = 3
# Each term adds less than 2^16 to a limb; 2^14 terms per threadgroup keep |limb| < 2^30 < 2^31.
TERMS_PER_THREADGROUP = 2**14
DEFAULT_THREADGROUP = 256
THREADGROUP_SIZES = (32, 64, 128, 256, 512, 1024)
MAX_LENGTH = 2**31 - 1
MAX_ELEMENTS = 2**32 - 1

# --8<-- [start:accumulate]
# Pass 1: each threadgroup turns its share of the terms into fixed-point limbs. A term
# m * 2^e (m < 2^24, or m < 2^48 for a product) lands in the 3 or 4 limbs its bits
# overlap; SIMD-groups add their lanes' limbs with simd_sum (integer: exact), and the
# threadgroup adds its SIMD-groups' limbs. Output: parts[row, group, slot].
EXACT_ACCUMULATE_HEAD = """
    uint row = threadgroup_position_in_grid.y;
    uint group = threadgroup_position_in_grid.x;
    uint groups = threadgroups_per_grid.x;
    uint tid = thread_position_in_threadgroup.x;
    uint tg = threads_per_threadgroup.x;
    uint n = length;
    constexpr uint SLOTS = LIMBS + 3;
    int acc[SLOTS];
    for (uint k = 0; k < SLOTS; ++k) {
        acc[k] = 0;
    }
    for (uint i = group * tg + tid; i < n; i += groups * tg) {
        uint ux = as_type<uint>(float(x[row * n + i]));
        uint ex = (ux >> 23) & 0xFFu;
        ulong m = ux & 0x7FFFFFu;
        bool negative = (ux >> 31) != 0u;
        // Non-finite terms are counted, not added: [LIMBS] NaN, [+1] +inf, [+2] -inf.
        bool nan = ex == 0xFFu && m != 0u;
        bool inf = ex == 0xFFu && m == 0u;
        bool zero = ex == 0u && m == 0u;
        // Bit position of the term's lowest bit in the fixed-point value.
        uint shift = (ex == 0u) ? 0u : ex - 1u;
        if (ex != 0u) {
            m |= 0x800000u;
        }
"""

# --8<-- [end:accumulate]

# --8<-- [start:product-term]
# Only in exact_dot: the term is the exact 48-bit product of the two significands.
EXACT_PRODUCT_TERM = """
        uint uy = as_type<uint>(float(y[row * n + i]));
        uint ey = (uy >> 23) & 0xFFu;
        ulong my = uy & 0x7FFFFFu;
        negative = negative != ((uy >> 31) != 0u);
        bool y_inf = ey == 0xFFu && my == 0u;
        bool y_zero = ey == 0u && my == 0u;
        // inf * 0 is NaN; inf * (non-zero) is a signed infinity.
        nan = nan || (ey == 0xFFu && my != 0u) || (inf && y_zero) || (y_inf && zero);
        inf = inf || y_inf;
        if (ey != 0u) {
            my |= 0x800000u;
        }
        shift += (ey == 0u) ? 0u : ey - 1u;
        m *= my;
"""
# --8<-- [end:product-term]

# --8<-- [start:accumulate-tail]
EXACT_ACCUMULATE_TAIL = """
        if (nan || inf) {
            acc[LIMBS + (nan ? 0u : (negative ? 2u : 1u))] += 1;
            continue;
        }
        uint limb = shift / 16u;
        ulong placed = m << (shift % 16u);
        for (uint k = 0; k < PIECES; ++k) {
            int piece = int((placed >> (16u * k)) & 0xFFFFu);
            acc[limb + k] += negative ? -piece : piece;
        }
    }
    threadgroup int simd_parts[1024 / 32][SLOTS];
    uint lane = thread_index_in_simdgroup;
    uint sg = simdgroup_index_in_threadgroup;
    for (uint k = 0; k < SLOTS; ++k) {
        int s = simd_sum(acc[k]);
        if (lane == 0u) {
            simd_parts[sg][k] = s;
        }
    }
    threadgroup_barrier(mem_flags::mem_threadgroup);
    uint simd_groups = (tg + 31u) / 32u;
    for (uint k = tid; k < SLOTS; k += tg) {
        int total = 0;
        for (uint g = 0; g < simd_groups; ++g) {
            total += simd_parts[g][k];
        }
        parts[(row * groups + group) * SLOTS + k] = total;
    }
"""
# --8<-- [end:accumulate-tail]

# --8<-- [start:round]
# Pass 2: one thread per row adds the groups' limbs in 64-bit integers, propagates
# carries (after negating a negative total), and rounds the magnitude N * 2^-SCALE to
# float32: bits = (s << 23) + q with q the top 24 bits of N >> s, rounded to nearest
# even. The exponent field falls out of the addition, including the rounding carry and
# +inf.
EXACT_ROUND_SOURCE = """
    uint row = thread_position_in_grid.x;
    if (row >= rows) {
        return;
    }
    constexpr uint SLOTS = LIMBS + 3;
    long d[LIMBS];
    for (uint k = 0; k < LIMBS; ++k) {
        d[k] = 0;
    }
    long nans = 0, pos_inf = 0, neg_inf = 0;
    for (uint g = 0; g < groups; ++g) {
        uint base = (row * groups + g) * SLOTS;
        for (uint k = 0; k < LIMBS; ++k) {
            d[k] += long(parts[base + k]);
        }
        nans += parts[base + LIMBS];
        pos_inf += parts[base + LIMBS + 1];
        neg_inf += parts[base + LIMBS + 2];
    }
    if (nans > 0 || (pos_inf > 0 && neg_inf > 0)) {
        out[row] = NAN;
        return;
    }
    if (pos_inf > 0 || neg_inf > 0) {
        out[row] = pos_inf > 0 ? INFINITY : -INFINITY;
        return;
    }
    // Carry propagation into 16-bit digits; a negative final carry means a negative
    // total.
    long carry = 0;
    for (uint k = 0; k < LIMBS; ++k) {
        long v = d[k] + carry;
        carry = v >> 16;
        d[k] = v - (carry << 16);
    }
    uint sign = 0u;
    if (carry < 0) {
        sign = 0x80000000u;
        carry = 0;
        for (uint k = 0; k < LIMBS; ++k) {
            long v = -d[k] + carry;
            carry = v >> 16;
            d[k] = v - (carry << 16);
        }
    }
    int top = -1;
    for (int k = int(LIMBS) - 1; k >= 0; --k) {
        if (d[k] != 0) {
            top = k;
            break;
        }
    }
    if (top < 0) {
        out[row] = 0.0f;
        return;
    }
    int msb = 16 * top + 31 - int(clz(uint(d[top])));
    // s: the bit position of the kept least significant bit (subnormals keep bit
    // SCALE-149).
    int s = max(msb - 23, int(SCALE) - 149);
    int low = max(s - 1, 0);
    ulong window = 0;
    bool sticky = false;
    for (int k = 0; k <= top; ++k) {
        int sh = 16 * k - low;
        ulong digit = ulong(d[k]);
        if (sh >= 64) {
            break;
        }
        if (sh >= 0) {
            window |= digit << sh;
        } else if (sh > -16) {
            window |= digit >> (-sh);
            sticky = sticky || (digit & ((1ul << (-sh)) - 1ul)) != 0ul;
        } else {
            sticky = sticky || digit != 0ul;
        }
    }
    ulong q = window;
    if (s > 0) {
        bool round_bit = (window & 1ul) != 0ul;
        q = window >> 1;
        if (round_bit && (sticky || (q & 1ul) != 0ul)) {
            q += 1ul;
        }
    }
    ulong bits = (ulong(s - (int(SCALE) - 149)) << 23) + q;
    if (bits >= 0x7F800000ul) {
        bits = 0x7F800000ul;
    }
    out[row] = as_type<float>(uint(bits) | sign);
"""
# --8<-- [end:round]


@functools.cache
def exact_accumulate_kernel(dot: bool) -> Callable[..., list[mx.array]]:
    """Pass 1 (terms to per-threadgroup limbs), built once per variant."""
    return mx.fast.metal_kernel(
        name="kernels_exact_dot_limbs" if dot else "kernels_exact_sum_limbs",
        input_names=["x", "y", "length"] if dot else ["x", "length"],
        output_names=["parts"],
        source=EXACT_ACCUMULATE_HEAD
        + (EXACT_PRODUCT_TERM if dot else "")
        + EXACT_ACCUMULATE_TAIL,
    )


@functools.cache
def exact_round_kernel() -> Callable[..., list[mx.array]]:
    """Pass 2 (carries and one correct rounding per row), built once."""
    # One thread per row scans its limbs once for the leading one: tiny next to pass 1.
    # metalsim-lint: disable=stack-array-dynamic-index -- a once-per-row scan of the limbs
    return mx.fast.metal_kernel(
        name="kernels_exact_round",
        input_names=["parts", "rows", "groups"],
        output_names=["out"],
        source=EXACT_ROUND_SOURCE,
    )


FLOAT_DTYPES = (mx.float32, mx.float16, mx.bfloat16)


def _check(name: str, x: object) -> mx.array:
    if not isinstance(x, mx.array):
        raise TypeError(f"{name}: expected an mx.array, got {type(x).__name__}")
    if x.dtype not in FLOAT_DTYPES:
        raise TypeError(f"{name} has dtype {x.dtype}; expected float32, float16 or bfloat16")
    if x.ndim == 0:
        raise ValueError(f"{name} is 0-d; expected at least one axis to reduce")
    if x.shape[-1] > MAX_LENGTH:
        raise ValueError(f"{name}: last axis {x.shape[-1]} is longer than {MAX_LENGTH}")
    if x.size > MAX_ELEMENTS:
        # The kernels index with 32-bit unsigned integers.
        raise ValueError(f"{name}: {x.size} elements is more than {MAX_ELEMENTS}; split it")
    return x


def _launch(dot: bool, arrays: list[mx.array], threadgroup: int) -> mx.array:
    if threadgroup not in THREADGROUP_SIZES:
        raise ValueError(
            f"threadgroup must be one of {THREADGROUP_SIZES}, got {threadgroup!r}"
        )
    x = arrays[0]
    batch, n = x.shape[:-1], x.shape[-1]
    rows = 1
    for d in batch:
        rows *= d
    if rows == 0 or n == 0:
        return mx.zeros(batch, dtype=mx.float32)
    limbs = DOT_LIMBS if dot else SUM_LIMBS
    slots = limbs + SPECIAL_SLOTS
    per_group = TERMS_PER_THREADGROUP  # terms one threadgroup may take without overflow
    groups = -(-n // per_group)
    flat = [a.reshape(rows, n) for a in arrays]
    (parts,) = exact_accumulate_kernel(dot)(
        inputs=[*flat, mx.array(n, dtype=mx.uint32)],
        template=[("LIMBS", limbs), ("PIECES", 4 if dot else 3)],
        grid=(groups * threadgroup, rows, 1),
        threadgroup=(threadgroup, 1, 1),
        output_shapes=[(rows, groups, slots)],
        output_dtypes=[mx.int32],
    )
    (out,) = exact_round_kernel()(
        inputs=[parts, mx.array(rows, dtype=mx.uint32), mx.array(groups, dtype=mx.uint32)],
        template=[("LIMBS", limbs), ("SCALE", 298 if dot else 149)],
        grid=(rows, 1, 1),
        threadgroup=(min(rows, 256), 1, 1),
        output_shapes=[(rows,)],
        output_dtypes=[mx.float32],
    )
    return out.reshape(batch)


def exact_sum(x: mx.array, *, threadgroup: int = DEFAULT_THREADGROUP) -> mx.array:
    """The correctly rounded float32 sum of the last axis, the same bits for any schedule.

    float16 and bfloat16 inputs are converted exactly to float32. `threadgroup` (32 to 1024,
    a power of two) changes only the speed, never the result. On a GPU a pipeline may allow
    fewer than 1024 threads per threadgroup (MLX then raises ValueError); 256 always fits.
    """
    _check("exact_sum: x", x)
    return _launch(False, [x], threadgroup)


def exact_dot(
    x: mx.array, y: mx.array, *, threadgroup: int = DEFAULT_THREADGROUP
) -> mx.array:
    """The correctly rounded float32 dot product over the last axis (products are exact)."""
    _check("exact_dot: x", x)
    _check("exact_dot: y", y)
    if x.shape != y.shape:
        raise ValueError(f"exact_dot: shapes differ: x {x.shape}, y {y.shape}")
    if x.dtype != y.dtype:
        raise TypeError(f"exact_dot: dtypes differ: x is {x.dtype}, y is {y.dtype}")
    return _launch(True, [x, y], threadgroup)


def exact_sum_reference(x: mx.array) -> mx.array:
    """Plain-MLX approximation: a float64 sum on the CPU stream, rounded to float32.

    Not always the correctly rounded result (float64 rounds too, and the second rounding can
    differ); the tests use Python's `fractions` for the exact value.
    """
    with mx.stream(mx.cpu):
        return mx.sum(x.astype(mx.float64), axis=-1).astype(mx.float32)


def exact_dot_reference(x: mx.array, y: mx.array) -> mx.array:
    """Plain-MLX approximation of `exact_dot` in float64 on the CPU stream."""
    with mx.stream(mx.cpu):
        prod = x.astype(mx.float64) * y.astype(mx.float64)
        return mx.sum(prod, axis=-1).astype(mx.float32)
