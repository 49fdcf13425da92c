template <typename T>
[[kernel]] void custom_kernel_patterns_double_strided__float_float_float(
  const device float* x [[buffer(0)]],
  const constant int* x_shape [[buffer(1)]],
  const constant int64_t* x_strides [[buffer(2)]],
  const constant int& x_ndim [[buffer(3)]],
  device float* out [[buffer(4)]],
  uint3 thread_position_in_grid [[thread_position_in_grid]]) {

    uint i = thread_position_in_grid.x;
    // int64_t: strides may be large, zero (broadcast) or negative.
    int64_t loc = elem_to_loc(int64_t(i), x_shape, x_strides, x_ndim);
    out[i] = T(2.0f * float(x[loc]));

}

template [[host_name("custom_kernel_patterns_double_strided__float_float_float")]] [[kernel]] decltype(custom_kernel_patterns_double_strided__float_float_float<float>) custom_kernel_patterns_double_strided__float_float_float<float>;
