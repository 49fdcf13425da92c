"""Solution to exercise 4, 2-D grids."""

# --8<-- [start:solution]
BODY = """
    uint c = thread_position_in_grid.x;
    uint r = thread_position_in_grid.y;
    uint rows = x_shape[0];
    uint cols = x_shape[1];
    if (r < rows && c < cols) {
        out[r * cols + c] = x[r * cols + c] + 10.0f;
    }
"""
# --8<-- [end:solution]
