"""Solution to exercise 11, prefix sum."""

# --8<-- [start:solution]
BODY = """
    threadgroup float buf[256];
    uint t = thread_position_in_threadgroup.x;
    uint n = x_shape[0];
    buf[t] = t < n ? x[t] : 0.0f;
    for (uint offset = 1; offset < 256; offset *= 2) {
        threadgroup_barrier(mem_flags::mem_threadgroup);  // the writes of the last step
        float left = t >= offset ? buf[t - offset] : 0.0f;
        threadgroup_barrier(mem_flags::mem_threadgroup);  // everyone has read
        buf[t] += left;
    }
    if (t < n) {
        out[t] = buf[t];
    }
"""
# --8<-- [end:solution]
