"""Threadgroup-wide sum and max, as Metal helper functions shared by the row kernels.

The kernels that reduce a row with a whole threadgroup (reduce_sum, softmax, the norms) paste
`BLOCK_REDUCE_HEADER` into `header`. Each helper reduces within every SIMD group with
`simd_sum`/`simd_max`, publishes one value per SIMD group in threadgroup memory, and then has
*every* thread read all of them in the same order: no second pass through SIMD group 0, no
broadcast step, and every thread gets bit-identical results whatever the schedule.

The helpers contain barriers, so every thread of the threadgroup must call them (the barrier
rule). MLX only declares thread attributes that the *body* mentions, so the callers pass them in.
"""

# --8<-- [start:header]
BLOCK_REDUCE_HEADER = """
// Sum of `value` over the threadgroup; every thread gets the total.
// `scratch` holds one float per SIMD group (at most 32 for 1024 threads).
inline float block_sum(float value, threadgroup float* scratch,
                       uint simd_lane, uint simd_group, uint n_simd) {
    value = simd_sum(value);
    if (simd_lane == 0) {
        scratch[simd_group] = value;
    }
    threadgroup_barrier(mem_flags::mem_threadgroup);
    float total = 0.0f;
    for (uint s = 0; s < n_simd; ++s) {
        total += scratch[s];
    }
    // The next call reuses `scratch`: nobody may overwrite it before all have read it.
    threadgroup_barrier(mem_flags::mem_threadgroup);
    return total;
}

// Maximum of `value` over the threadgroup; every thread gets it.
inline float block_max(float value, threadgroup float* scratch,
                       uint simd_lane, uint simd_group, uint n_simd) {
    value = simd_max(value);
    if (simd_lane == 0) {
        scratch[simd_group] = value;
    }
    threadgroup_barrier(mem_flags::mem_threadgroup);
    float result = -INFINITY;
    for (uint s = 0; s < n_simd; ++s) {
        result = max(result, scratch[s]);
    }
    threadgroup_barrier(mem_flags::mem_threadgroup);
    return result;
}
"""
# --8<-- [end:header]

# The attributes a body must mention (and pass on) to call the helpers.
SIMD_ARGS = "thread_index_in_simdgroup, simdgroup_index_in_threadgroup, simdgroups_per_threadgroup"


def row_threadgroup_size(row_length: int, max_threads: int = 256) -> int:
    """Threads for one row: enough SIMD groups to cover it, at most `max_threads`.

    A row of 31 elements gets one SIMD group, not 256 threads of which 225 would idle; long
    rows get `max_threads`, and each thread then loops over several elements.
    """
    simd_groups = -(-row_length // 32)
    return max(32, min(max_threads, 32 * simd_groups))
