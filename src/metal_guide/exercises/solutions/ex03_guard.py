"""Solution to exercise 3, guards."""

# --8<-- [start:solution]
BODY = """
    uint i = thread_position_in_grid.x;
    if (i < uint(x_shape[0])) {  // surplus threads write nothing
        out[i] = x[i] + 10.0f;
    }
"""
# --8<-- [end:solution]
