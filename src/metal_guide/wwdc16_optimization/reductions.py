"""Barrier scope and reductions: one row sum, four ways (606; MSL §6.9).

One threadgroup of 32 threads (one SIMD-group) per row. Each thread first adds up a strided
share of the row, then the 32 partial sums are combined.
"""

# --8<-- [start:partial]
import functools
from collections.abc import Callable

import mlx.core as mx

from metal_guide.wwdc16_optimization.validation import check_float_array

SIMD_WIDTH = 32

# The per-thread part, shared by the variants below.
PARTIAL_SUM = """
    uint lane = thread_position_in_threadgroup.x;
    uint row = threadgroup_position_in_grid.y;
    uint cols = uint(x_shape[1]);
    float acc = 0.0f;
    for (uint c = lane; c < cols; c += 32) {
        acc += float(x[row * cols + c]);
    }
"""
# --8<-- [end:partial]

# --8<-- [start:threadgroup-barrier]
# Before: a tree in threadgroup memory with threadgroup_barrier, the barrier for
# threadgroups of any size. PARTIALS is the array's length (see the occupancy pair).
TREE_THREADGROUP_BARRIER = PARTIAL_SUM + """
    threadgroup float partial[PARTIALS];
    partial[lane] = acc;
    threadgroup_barrier(mem_flags::mem_threadgroup);
    for (uint s = 16; s > 0; s >>= 1) {
        if (lane < s) {
            partial[lane] += partial[lane + s];
        }
        threadgroup_barrier(mem_flags::mem_threadgroup);
    }
    if (lane == 0) {
        out[row] = T(partial[0]);
    }
"""
# --8<-- [end:threadgroup-barrier]

# --8<-- [start:simdgroup-barrier]
# After: the threadgroup is a single SIMD-group, so the SIMD-group barrier is
# enough to order its threadgroup-memory accesses.
TREE_SIMDGROUP_BARRIER = PARTIAL_SUM + """
    threadgroup float partial[32];
    partial[lane] = acc;
    simdgroup_barrier(mem_flags::mem_threadgroup);
    for (uint s = 16; s > 0; s >>= 1) {
        if (lane < s) {
            partial[lane] += partial[lane + s];
        }
        simdgroup_barrier(mem_flags::mem_threadgroup);
    }
    if (lane == 0) {
        out[row] = T(partial[0]);
    }
"""
# --8<-- [end:simdgroup-barrier]

# --8<-- [start:simd-sum]
# Better still: simd_sum adds the 32 values in registers; no memory, no barrier.
SIMD_SUM = PARTIAL_SUM + """
    float total = simd_sum(acc);
    if (lane == 0) {
        out[row] = T(total);
    }
"""
# --8<-- [end:simd-sum]

# --8<-- [start:atomic]
# A sum over every row into one number: each SIMD-group reduces first, then one
# lane adds its result with a device atomic (float atomics exist only in device
# memory and only add/sub/exchange; Apple7+, MSL 3.0).
ATOMIC_TOTAL = PARTIAL_SUM + """
    float total = simd_sum(acc);
    if (lane == 0) {
        atomic_fetch_add_explicit(&out[0], total, memory_order_relaxed);
    }
"""
# --8<-- [end:atomic]


# --8<-- [start:launch]
@functools.cache
def row_sum_kernel(variant: str) -> Callable[..., list[mx.array]]:
    """One kernel object per variant, built on first use."""
    sources = {
        "threadgroup_barrier": TREE_THREADGROUP_BARRIER,
        "simdgroup_barrier": TREE_SIMDGROUP_BARRIER,
        "simd_sum": SIMD_SUM,
        "atomic_total": ATOMIC_TOTAL,
    }
    return mx.fast.metal_kernel(
        name=f"wwdc16_row_sum_{variant}", input_names=["x"], output_names=["out"],
        source=sources[variant], atomic_outputs=variant == "atomic_total",
    )


def _check(fn: str, x: mx.array) -> mx.array:
    check_float_array(fn, "x", x, ndim=2)
    if x.shape[0] > 65535:
        raise ValueError(f"{fn}: `x` has {x.shape[0]} rows; at most 65535 (grid .y)")
    return x


def row_sum(x: mx.array, variant: str = "simd_sum", partials: int = 32) -> mx.array:
    """Sum of each row of a 2-D array (float32 accumulation, result in x.dtype)."""
    _check("row_sum", x)
    template: list[tuple[str, object]] = [("T", x.dtype)]
    if variant == "threadgroup_barrier":
        template.append(("PARTIALS", partials))
    return row_sum_kernel(variant)(
        inputs=[x], template=template, grid=(SIMD_WIDTH, x.shape[0], 1),
        threadgroup=(SIMD_WIDTH, 1, 1), output_shapes=[(x.shape[0],)],
        output_dtypes=[x.dtype],
    )[0]


def total_sum(x: mx.array) -> mx.array:
    """Sum of every element of a 2-D array, as a float32 scalar, through one atomic."""
    _check("total_sum", x)
    return row_sum_kernel("atomic_total")(
        inputs=[x], template=[("T", x.dtype)], grid=(SIMD_WIDTH, x.shape[0], 1),
        threadgroup=(SIMD_WIDTH, 1, 1), output_shapes=[(1,)],
        output_dtypes=[mx.float32], init_value=0.0,
    )[0].reshape(())
# --8<-- [end:launch]


# --8<-- [start:reference]
def row_sum_reference(x: mx.array) -> mx.array:
    return x.astype(mx.float32).sum(axis=1).astype(x.dtype)


def total_sum_reference(x: mx.array) -> mx.array:
    return x.astype(mx.float32).sum()
# --8<-- [end:reference]
