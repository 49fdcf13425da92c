"""Solution to exercise 9, dot product."""

# --8<-- [start:solution]
BODY = """
    threadgroup float partial[256];
    uint t = thread_position_in_threadgroup.x;
    uint n = a_shape[0];
    float sum = 0.0f;
    for (uint i = t; i < n; i += 256) {
        sum += a[i] * b[i];
    }
    partial[t] = sum;
    for (uint stride = 128; stride > 0; stride /= 2) {
        threadgroup_barrier(mem_flags::mem_threadgroup);  // outside the if: all threads
        if (t < stride) {
            partial[t] += partial[t + stride];
        }
    }
    if (t == 0) {
        out[0] = partial[0];
    }
"""
# --8<-- [end:solution]
