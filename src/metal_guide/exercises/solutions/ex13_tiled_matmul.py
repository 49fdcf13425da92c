"""Solution to exercise 13, tiled matrix multiplication."""

# --8<-- [start:solution]
BODY = """
    threadgroup float tile_a[16][16];
    threadgroup float tile_b[16][16];
    uint tx = thread_position_in_threadgroup.x;
    uint ty = thread_position_in_threadgroup.y;
    uint col = thread_position_in_grid.x;
    uint row = thread_position_in_grid.y;
    uint M = a_shape[0];
    uint K = a_shape[1];
    uint N = b_shape[1];
    float acc = 0.0f;
    for (uint k0 = 0; k0 < K; k0 += 16) {
        uint ka = k0 + tx;
        uint kb = k0 + ty;
        tile_a[ty][tx] = (row < M && ka < K) ? a[row * K + ka] : 0.0f;
        tile_b[ty][tx] = (kb < K && col < N) ? b[kb * N + col] : 0.0f;
        threadgroup_barrier(mem_flags::mem_threadgroup);  // tiles loaded
        for (uint k = 0; k < 16; ++k) {
            acc += tile_a[ty][k] * tile_b[k][tx];
        }
        threadgroup_barrier(mem_flags::mem_threadgroup);  // tiles used up
    }
    if (row < M && col < N) {
        out[row * N + col] = acc;
    }
"""
# --8<-- [end:solution]
