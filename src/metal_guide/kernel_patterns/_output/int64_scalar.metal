template <typename T>
[[kernel]] void custom_kernel_patterns_scalars__float_float_int32_ts_int64_ts_float(
  const device float* x [[buffer(0)]],
  const constant int32_t& small [[buffer(1)]],
  const constant int64_t& big [[buffer(2)]],
  device float* out [[buffer(3)]],
  uint3 thread_position_in_grid [[thread_position_in_grid]]) {
uint i = thread_position_in_grid.x; out[i] = x[i] + T(small + big);
}

template [[host_name("custom_kernel_patterns_scalars__float_float_int32_ts_int64_ts_float")]] [[kernel]] decltype(custom_kernel_patterns_scalars__float_float_int32_ts_int64_ts_float<float>) custom_kernel_patterns_scalars__float_float_int32_ts_int64_ts_float<float>;
