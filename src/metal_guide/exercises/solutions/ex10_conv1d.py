"""Solution to exercise 10, 1-D convolution."""

# --8<-- [start:solution]
BODY = """
    threadgroup float tile[64 + 3];  // the block, then the 3 elements after it
    uint t = thread_position_in_threadgroup.x;
    uint start = threadgroup_position_in_grid.x * 64;
    uint n = x_shape[0];
    uint i = start + t;
    tile[t] = i < n ? x[i] : 0.0f;
    if (t < 3) {
        uint j = start + 64 + t;
        tile[64 + t] = j < n ? x[j] : 0.0f;
    }
    threadgroup_barrier(mem_flags::mem_threadgroup);
    if (i < n) {
        float acc = 0.0f;
        for (uint k = 0; k < 4; ++k) {
            acc += tile[t + k] * w[k];
        }
        out[i] = acc;
    }
"""
# --8<-- [end:solution]
