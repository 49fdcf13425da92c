"""Solution to exercise 16, simdgroup_matrix multiplication."""

# --8<-- [start:solution]
BODY = """
    uint col0 = threadgroup_position_in_grid.x * 8;
    uint row0 = threadgroup_position_in_grid.y * 8;
    uint K = a_shape[1];
    uint N = b_shape[1];
    simdgroup_float8x8 acc = make_filled_simdgroup_matrix<float, 8, 8>(0.0f);
    simdgroup_float8x8 block_a;
    simdgroup_float8x8 block_b;
    for (uint k = 0; k < K; k += 8) {
        simdgroup_load(block_a, a + row0 * K + k, K);  // 8 x 8 block, rows K apart
        simdgroup_load(block_b, b + k * N + col0, N);
        simdgroup_multiply_accumulate(acc, block_a, block_b, acc);
    }
    simdgroup_store(acc, out + row0 * N + col0, N);
"""
# --8<-- [end:solution]
