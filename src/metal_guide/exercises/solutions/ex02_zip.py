"""Solution to exercise 2, zip."""

# --8<-- [start:solution]
BODY = """
    uint i = thread_position_in_grid.x;
    out[i] = a[i] + b[i];
"""
# --8<-- [end:solution]
