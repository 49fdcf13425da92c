"""Solution to exercise 14, SIMD-group reduction."""

# --8<-- [start:solution]
BODY = """
    threadgroup float group_sums[4];
    uint t = thread_position_in_threadgroup.x;
    uint r = threadgroup_position_in_grid.y;
    uint cols = x_shape[1];
    float sum = 0.0f;
    for (uint c = t; c < cols; c += 128) {
        sum += x[r * cols + c];
    }
    sum = simd_sum(sum);  // all 32 lanes get their SIMD group's total
    if (thread_index_in_simdgroup == 0) {
        group_sums[simdgroup_index_in_threadgroup] = sum;
    }
    threadgroup_barrier(mem_flags::mem_threadgroup);
    if (simdgroup_index_in_threadgroup == 0) {
        uint lane = thread_index_in_simdgroup;
        float total = simd_sum(lane < 4 ? group_sums[lane] : 0.0f);
        if (lane == 0) {
            out[r] = total;
        }
    }
"""
# --8<-- [end:solution]
