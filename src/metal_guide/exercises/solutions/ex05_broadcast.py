"""Solution to exercise 5, broadcast."""

# --8<-- [start:solution]
BODY = """
    uint c = thread_position_in_grid.x;
    uint r = thread_position_in_grid.y;
    uint rows = a_shape[0];
    uint cols = b_shape[0];
    if (r < rows && c < cols) {
        out[r * cols + c] = a[r] + b[c];
    }
"""
# --8<-- [end:solution]
