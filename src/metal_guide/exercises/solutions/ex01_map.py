"""Solution to exercise 1, map."""

# --8<-- [start:solution]
BODY = """
    uint i = thread_position_in_grid.x;
    out[i] = x[i] + 10.0f;
"""
# --8<-- [end:solution]
