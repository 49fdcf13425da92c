"""Solution to exercise 6, threadgroups."""

# --8<-- [start:solution]
BODY = """
    uint group = threadgroup_position_in_grid.x;
    uint i = group * threads_per_threadgroup.x + thread_position_in_threadgroup.x;
    if (i < uint(x_shape[0])) {
        out[i] = x[i] + float(group);
    }
"""
# --8<-- [end:solution]
