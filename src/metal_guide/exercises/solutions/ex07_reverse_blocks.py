"""Solution to exercise 7, threadgroup memory."""

# --8<-- [start:solution]
BODY = """
    threadgroup float block[64];
    uint t = thread_position_in_threadgroup.x;
    uint start = threadgroup_position_in_grid.x * 64;
    uint n = x_shape[0];
    uint len = min(64u, n - start);  // the last block may be short
    if (t < len) {
        block[t] = x[start + t];
    }
    threadgroup_barrier(mem_flags::mem_threadgroup);  // every thread, every time
    if (t < len) {
        out[start + t] = block[len - 1 - t];
    }
"""
# --8<-- [end:solution]
