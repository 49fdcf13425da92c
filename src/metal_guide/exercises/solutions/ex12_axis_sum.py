"""Solution to exercise 12, reduction along an axis."""

# --8<-- [start:solution]
BODY = """
    threadgroup float partial[64];
    uint t = thread_position_in_threadgroup.x;
    uint r = threadgroup_position_in_grid.y;
    uint cols = x_shape[1];
    float sum = 0.0f;
    for (uint c = t; c < cols; c += 64) {
        sum += x[r * cols + c];
    }
    partial[t] = sum;
    for (uint stride = 32; stride > 0; stride /= 2) {
        threadgroup_barrier(mem_flags::mem_threadgroup);
        if (t < stride) {
            partial[t] += partial[t + stride];
        }
    }
    if (t == 0) {
        out[r] = partial[0];
    }
"""
# --8<-- [end:solution]
