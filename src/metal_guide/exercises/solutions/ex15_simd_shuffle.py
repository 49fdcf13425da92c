"""Solution to exercise 15, SIMD-group shuffles."""

# --8<-- [start:solution]
BODY = """
    uint i = thread_position_in_grid.x;
    uint n = x_shape[0];
    float value = i < n ? x[i] : 0.0f;
    float left = simd_shuffle_up(value, 1);  // lane k gets lane k - 1's value
    if (thread_index_in_simdgroup == 0) {
        left = (i > 0 && i - 1 < n) ? x[i - 1] : 0.0f;  // no lane to its left
    }
    if (i < n) {
        out[i] = value - left;
    }
"""
# --8<-- [end:solution]
