template <typename T>
[[kernel]] void custom_kernel_quick_start_swiglu__float_float_float_float(
  const device float* gate [[buffer(0)]],
  const device float* up [[buffer(1)]],
  device float* out [[buffer(2)]],
  uint3 thread_position_in_grid [[thread_position_in_grid]]) {

    uint i = thread_position_in_grid.x;
    float g = float(gate[i]);
    float u = float(up[i]);
    out[i] = T(g / (1.0f + metal::exp(-g)) * u);

}

template [[host_name("custom_kernel_quick_start_swiglu__float_float_float_float")]] [[kernel]] decltype(custom_kernel_quick_start_swiglu__float_float_float_float<float>) custom_kernel_quick_start_swiglu__float_float_float_float<float>;
