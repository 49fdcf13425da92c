template <typename T, int N>
[[kernel]] void custom_kernel_patterns_swiglu_n__bfloat16_t_4_bfloat16_tc_bfloat16_tc_uint32_ts_bfloat16_t(
  const constant bfloat16_t* gate [[buffer(0)]],
  const constant bfloat16_t* up [[buffer(1)]],
  const constant uint32_t& size [[buffer(2)]],
  device bfloat16_t* out [[buffer(3)]],
  uint3 thread_position_in_grid [[thread_position_in_grid]],
  uint3 threads_per_grid [[threads_per_grid]]) {

    uint stride = threads_per_grid.x;
    for (uint k = 0; k < N; ++k) {
        uint i = thread_position_in_grid.x + k * stride;
        if (i >= size) {
            break;
        }
        float g = float(gate[i]);
        out[i] = T(g / (1.0f + metal::exp(-g)) * float(up[i]));
    }

}

template [[host_name("custom_kernel_patterns_swiglu_n__bfloat16_t_4_bfloat16_tc_bfloat16_tc_uint32_ts_bfloat16_t")]] [[kernel]] decltype(custom_kernel_patterns_swiglu_n__bfloat16_t_4_bfloat16_tc_bfloat16_tc_uint32_ts_bfloat16_t<bfloat16_t, 4>) custom_kernel_patterns_swiglu_n__bfloat16_t_4_bfloat16_tc_bfloat16_tc_uint32_ts_bfloat16_t<bfloat16_t, 4>;
